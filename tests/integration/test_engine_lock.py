"""The engines' lock on a conversation (engine/lock_store.py), run by the engine's own Python
(.venv-rasa) in two processes, as two engines, against the machine's Redis: however many turns
of one conversation they take at once, one runs at a time, and a dead holder's lock frees
itself."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from bot.settings import PROJECT_ROOT

ENGINE_PYTHON = PROJECT_ROOT / ".venv-rasa" / "bin" / "python"

# One engine: `turns` turns of one conversation at once; inside the lock each counts itself in
# a shared Redis counter, so two holders at once show as a count over 1.
TURNS = """
import asyncio, json, sys
from urllib.parse import urlparse
import redis
from rasa.utils.endpoints import EndpointConfig
from engine.lock_store import ConversationLockStore

url = urlparse(sys.argv[1])
config = EndpointConfig(url=url.hostname, port=url.port, db=int(url.path[1:]),
                        key_prefix="guidancetest", socket_timeout=5,
                        type="engine.lock_store.ConversationLockStore")
store = ConversationLockStore(config)
store.HOLD_SECONDS = float(sys.argv[4])
counter = redis.Redis.from_url(sys.argv[1])
most = 0

async def turn():
    global most
    async with store.lock("web-one-conversation"):
        inside = counter.incr("inside")
        most = max(most, inside)
        await asyncio.sleep(float(sys.argv[3]))
        counter.decr("inside")

async def main():
    await asyncio.gather(*(turn() for _ in range(int(sys.argv[2]))))

asyncio.run(main())
print(json.dumps({"most_at_once": most}))
"""


def engine_python() -> str:
    if not ENGINE_PYTHON.exists():
        message = "the engine's environment (.venv-rasa) is not built: make .venv-rasa/.installed"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return str(ENGINE_PYTHON)


@pytest.mark.parametrize(
    ("turns", "seconds", "hold"),
    [
        pytest.param("25", "0.005", "10", id="many short turns"),
        # Turns longer than the lock's hold: the holder renews it, nobody else gets in.
        pytest.param("2", "1.2", "0.3", id="turns longer than the hold"),
    ],
)
def test_two_engines_taking_turns_of_one_conversation_run_one_at_a_time(
    redis_url, turns, seconds, hold
):
    engines = [
        subprocess.Popen(
            [engine_python(), "-W", "ignore", "-c", TURNS, redis_url, turns, seconds, hold],
            cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        )
        for _ in range(2)
    ]
    results = []
    for engine in engines:
        out, err = engine.communicate(timeout=120)
        assert engine.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    assert [r["most_at_once"] for r in results] == [1, 1]


def test_the_lock_of_an_engine_that_died_frees_itself(redis_url):
    import redis

    # A holder that died: its lock is there, and nobody renews it.
    held = redis.Redis.from_url(redis_url)
    held.set("guidancetest:mutex:web-one-conversation", "dead-engine", px=1500)
    result = subprocess.run(
        [engine_python(), "-W", "ignore", "-c", TURNS, redis_url, "1", "0", "10"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {"most_at_once": 1}
