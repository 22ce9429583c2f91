"""Settings come from the environment; relative paths are the project's."""

import pytest

from bot.settings import PROJECT_ROOT, Settings


def test_defaults_need_nothing_installed():
    settings = Settings.from_env({})
    assert settings.database_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'guidance.db'}"
    assert settings.effective_tracker_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'tracker.db'}"
    assert settings.gateway_port == 8000


def test_relative_paths_are_inside_the_project():
    settings = Settings.from_env({"DATABASE_URL": "sqlite:///var/x.db", "MODEL_DIR": "models"})
    assert settings.database_url == f"sqlite:///{PROJECT_ROOT / 'var' / 'x.db'}"
    assert settings.model_dir == PROJECT_ROOT / "models"


def test_postgres_shares_its_server_with_the_tracker_store():
    settings = Settings.from_env({"DATABASE_URL": "postgresql://u@127.0.0.1/g"})
    assert settings.effective_tracker_url == "postgresql://u@127.0.0.1/g"


def test_an_unknown_default_language_is_refused():
    with pytest.raises(ValueError, match="DEFAULT_LANGUAGE"):
        Settings.from_env({"DEFAULT_LANGUAGE": "de"})


def test_the_counsellors_telegram_chat_of_each_team():
    assert Settings().counsellor_chat_of("becode") is None
    one_for_all = Settings(counsellor_telegram_chat="-100123")
    assert one_for_all.counsellor_chat_of("becode") == -100123
    per_team = Settings(counsellor_telegram_chat="actiris=-1001, becode=-1002")
    assert per_team.counsellor_chat_of("becode") == -1002
    assert per_team.counsellor_chat_of("actiris") == -1001
    assert per_team.counsellor_chat_of("molengeek") is None
