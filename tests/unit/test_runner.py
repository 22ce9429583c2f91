"""How the processes are started: arguments that survive any token."""

from bot.runner import engine_command
from bot.settings import Settings


def test_an_engine_token_starting_with_a_dash_stays_one_argument():
    # secrets.token_urlsafe starts with "-" one time in 64: argparse would take it for an option.
    command = engine_command(Settings(engine_token="-Xy_9"))
    assert "--auth-token=-Xy_9" in command
    assert "-Xy_9" not in command
