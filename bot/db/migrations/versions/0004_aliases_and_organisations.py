"""aliases of partners and courses; organisations that run no training

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07 13:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    for table_name in ("partners", "courses"):
        with op.batch_alter_table(table_name) as table:
            table.add_column(sa.Column("aliases", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "organisations",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("key", sa.String(length=64), nullable=False, unique=True),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("aliases", sa.Text(), nullable=False),
        sa.Column("description_fr", sa.Text(), nullable=False),
        sa.Column("description_nl", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("website", sa.String(length=300), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("organisations")
    for table_name in ("courses", "partners"):
        with op.batch_alter_table(table_name) as table:
            table.drop_column("aliases")
