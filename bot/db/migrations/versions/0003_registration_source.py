"""registration source: where the person came from (a deep link's payload)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 21:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("registrations") as table:
        table.add_column(sa.Column("source", sa.String(length=64), nullable=True))
        table.create_index("ix_registrations_source", ["source"])


def downgrade() -> None:
    with op.batch_alter_table("registrations") as table:
        table.drop_index("ix_registrations_source")
        table.drop_column("source")
