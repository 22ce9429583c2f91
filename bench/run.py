"""`make bench`: our assistant against Rasa's own starter bot, on this machine.

For each: training time, engine cold start (process start to first answer), engine resident
memory, and a load of concurrent simulated people (messages/s, p50/p95/p99 latency, errors).
Ours is driven through the gateway (gateway → engine → action server → database), then through
its channels: the widget's websocket (round trip from a message to its reply) and Telegram
through the local fake Bot API (python-telegram-bot's rate limiter included); the starter bot (`rasa init`, default config) through the engine's REST channel, as it has no
gateway. Then the replicated stack through HAProxy with one engine and with two, and a soak of
200 people for 10 minutes (errors, memory). Results go to bench/results/latest.json; our
figures are printed as ratios to the starter bot's.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx
import websockets

from bot import handoff
from bot.catalogue.importer import import_catalogue, validate
from bot.catalogue.queries import brussels_today, catalogue_index
from bot.catalogue.seed import shifted_seed
from bot.counsellors import Role, add_counsellor
from bot.db import db_sessions
from bot.db.migrate import upgrade
from bot.fakes.telegram_api import TOKEN as TELEGRAM_TOKEN
from bot.fakes.telegram_api import FakeTelegram
from bot.i18n import text
from bot.identity import token_for
from bot.runner import (
    RASA,
    Scale,
    Stack,
    action_server_command,
    base_env,
    engine_command,
    free_port,
    gateway_command,
    seeded_stack,
)
from bot.settings import PROJECT_ROOT, Settings

PEOPLE = int(os.environ.get("BENCH_PEOPLE", "20"))
MESSAGES_PER_PERSON = int(os.environ.get("BENCH_MESSAGES", "24"))
RESULTS = PROJECT_ROOT / "bench" / "results" / "latest.json"
STARTER_TEMPLATE = (
    PROJECT_ROOT
    / ".venv-rasa"
    / "lib"
    / "python3.10"
    / "site-packages"
    / "rasa"
    / "cli"
    / "initial_project"
)

# The load comes from one address, far faster than people type: the rate limits, which would
# refuse it, are measured by the tests, not here.
UNLIMITED: dict[str, Any] = {
    "rate_limit_client": "1000000/minute",
    "rate_limit_conversation": "1000000/minute",
}
CSRF_FIELD = re.compile(r'name="csrf" value="([^"]+)"')

Send = Callable[[str, str, "str | None"], Awaitable[bool]]

# Realistic conversations: greeting, course search, schedule, eligibility check, in the
# three languages; the language is sent with the first message, as a channel does.
OUR_CONVERSATIONS: list[list[tuple[str, str | None]]] = [
    [
        ("salut", "fr"),
        ("quelles formations en cybersécurité ?", None),
        ("quand commence la prochaine session de développeur web chez becode ?", None),
        (
            "j'ai 22 ans, inscrit chez actiris, j'habite à Molenbeek, je peux faire molengeek ?",
            None,
        ),
    ],
    [
        ("hallo", "nl"),
        ("welke opleidingen zijn er in data?", None),
        ("wanneer begint de volgende sessie bij molengeek?", None),
        ("ik ben 23 en niet ingeschreven bij actiris, mag ik meedoen?", None),
    ],
    [
        ("hello", "en"),
        ("which trainings does becode offer?", None),
        ("when does the next becode web developer session start?", None),
        ("I'm 27 and live in Liège, can I do the BeCode course?", None),
    ],
]
STARTER_CONVERSATIONS: list[list[tuple[str, str | None]]] = [
    [("hello", None), ("I am feeling sad", None), ("yes", None), ("goodbye", None)],
    [("hi", None), ("are you a bot?", None), ("great, thanks", None), ("bye", None)],
]


@dataclass
class Figures:
    name: str
    training_seconds: float
    cold_start_seconds: float
    engine_rss_mb: float
    messages: int
    errors: int
    messages_per_second: float
    p50_ms: float
    p95_ms: float
    p99_ms: float


def group_rss_mb(pgid: int) -> float:
    """Resident memory of every process in a process group, in MB."""
    total_kb = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[2]) != pgid:
                continue
            for line in (stat.parent / "status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total_kb += int(line.split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total_kb / 1024


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(int(share * len(ordered)), len(ordered) - 1)]


def timed_training(project: Path, out: Path, env: dict[str, str], args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(RASA), "train", "--force", "--quiet", "--out", str(out), *args],
        cwd=project, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - started


async def first_answer(send: Send, started: float, timeout: float = 300) -> float:
    """Seconds from `started` until the engine gives a real answer."""
    while time.perf_counter() - started < timeout:
        if await send("cold-start", "hello", None):
            return time.perf_counter() - started
        await asyncio.sleep(0.1)
    raise TimeoutError("the engine never answered")


def conversations_of(
    index: int, conversations: list[list[tuple[str, str | None]]]
) -> Iterator[list[tuple[str, str | None]]]:
    """The conversations person `index` holds one after the other: MESSAGES_PER_PERSON messages,
    the last conversation finished."""
    sent = 0
    for held in itertools.count(1):
        if sent >= MESSAGES_PER_PERSON:
            return
        conversation = conversations[(index + held) % len(conversations)]
        yield conversation
        sent += len(conversation)


async def hold_conversation(
    send: Send,
    sender: str,
    conversation: list[tuple[str, str | None]],
    latencies: list[float],
    pause: Callable[[], float] | None = None,
) -> int:
    """Send a conversation's messages one after the other, noting each round trip (ms) and
    waiting `pause()` seconds after each, as a person reads and types; says how many failed."""
    failed = 0
    for message, lang in conversation:
        started = time.perf_counter()
        ok = await send(sender, message, lang)
        latencies.append((time.perf_counter() - started) * 1000)
        failed += 0 if ok else 1
        if pause is not None:
            await asyncio.sleep(pause())
    return failed


async def measure_load(
    name: str, send: Send, conversations: list[list[tuple[str, str | None]]], training: float,
    cold: float, engine_pgid: int,
) -> Figures:  # fmt: skip
    """PEOPLE people at once, each holding conversations one after the other."""
    latencies: list[float] = []
    errors = 0

    async def person(index: int) -> None:
        nonlocal errors
        rng = random.Random(index)
        for conversation in conversations_of(index, conversations):
            sender = f"bench-{index}-{rng.randrange(10**12)}"
            errors += await hold_conversation(send, sender, conversation, latencies)

    started = time.perf_counter()
    await asyncio.gather(*(person(i) for i in range(PEOPLE)))
    seconds = time.perf_counter() - started
    return Figures(
        name=name,
        training_seconds=round(training, 1),
        cold_start_seconds=round(cold, 1),
        engine_rss_mb=round(group_rss_mb(engine_pgid)),
        messages=len(latencies),
        errors=errors,
        messages_per_second=round(len(latencies) / seconds, 1),
        p50_ms=round(statistics.median(latencies), 1),
        p95_ms=round(percentile(latencies, 0.95), 1),
        p99_ms=round(percentile(latencies, 0.99), 1),
    )


def seeded_database(url: str) -> None:
    """A migrated database holding the seed catalogue, its dates moved to today."""
    upgrade(url)
    with db_sessions(url)() as db, db.begin():
        import_catalogue(db, validate(shifted_seed(brussels_today())))


async def bench_ours(workdir: Path) -> tuple[Figures, dict[str, dict[str, float]]]:
    """Our assistant through its gateway: the REST API, then the widget and Telegram channels."""
    url = f"sqlite:///{workdir / 'bench.db'}"
    fake = FakeTelegram().start()
    seeded_database(url)
    settings = Settings(
        database_url=url, gateway_port=free_port(), engine_port=free_port(),
        action_port=free_port(), engine_token="bench", var_dir=workdir,
        model_dir=workdir / "models", log_level="WARNING",
        telegram_token=TELEGRAM_TOKEN, telegram_api_url=fake.base_url,
        **UNLIMITED,
    )  # fmt: skip
    training = timed_training(
        PROJECT_ROOT, settings.model_dir, base_env(settings),
        ["--data", "nlu", "--domain", "domain.yml", "--config", "config.yml"],
    )  # fmt: skip
    stack = Stack(settings, workdir / "logs")
    headers = {"authorization": f"Bearer {settings.effective_api_keys()[0]}"}
    async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=60, headers=headers) as client:
        send = api_sender(client)
        try:
            stack.start_process(
                "actions", action_server_command(settings), {"SANIC_HOST": "127.0.0.1"}
            )
            stack.start_process("gateway", gateway_command(settings))
            await asyncio.sleep(5)  # gateway and action server are up before the clock starts
            started = time.perf_counter()
            stack.start_process("engine", engine_command(settings))
            cold = await first_answer(send, started)
            figures = await measure_load(
                "ours", send, OUR_CONVERSATIONS, training, cold, stack.processes["engine"].pid
            )
            channels = {
                "widget_websocket": await bench_widget(stack.gateway_url),
                "telegram_fake_bot_api": await bench_telegram(fake),
            }
            return figures, channels
        finally:
            stack.stop()
            fake.stop()


async def bench_starter(workdir: Path) -> Figures:
    """Rasa's starter bot as `rasa init` makes it, default config, served by `rasa run`."""
    # The files `rasa init` writes, copied from Rasa's package, then trained once (timed).
    project = workdir / "starter"
    shutil.copytree(STARTER_TEMPLATE, project)
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "3"}
    training = timed_training(project, project / "models", env, [])
    port = free_port()
    log = (workdir / "starter-engine.log").open("wb")
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as client:

        async def send(sender: str, message: str, lang: str | None) -> bool:
            try:
                response = await client.post(
                    "/webhooks/rest/webhook", json={"sender": sender, "message": message}
                )
            except httpx.HTTPError:
                return False
            return response.status_code == 200 and bool(response.json())

        started = time.perf_counter()
        engine = subprocess.Popen(
            [str(RASA), "run", "--interface", "127.0.0.1", "--port", str(port)],
            cwd=project, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        try:
            cold = await first_answer(send, started)
            return await measure_load(
                "rasa-init", send, STARTER_CONVERSATIONS, training, cold, engine.pid
            )
        finally:
            os.killpg(engine.pid, 15)
            engine.wait(30)


def latency_figures(latencies: list[float], seconds: float, errors: int) -> dict[str, float]:
    return {
        "messages": len(latencies),
        "errors": errors,
        "messages_per_second": round(len(latencies) / seconds, 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
    }


async def bench_widget(gateway_url: str) -> dict[str, float]:
    """PEOPLE widgets at once over the websocket: round trip from a message to its reply."""
    socket_url = gateway_url.replace("http://", "ws://") + "/ws"
    latencies: list[float] = []
    errors = 0

    async def widget(index: int) -> None:
        nonlocal errors
        for conversation in conversations_of(index, OUR_CONVERSATIONS):
            async with websockets.connect(socket_url, origin=gateway_url, max_size=2**20) as ws:
                # A new conversation each time: the gateway issues its id and token.
                await ws.send(json.dumps({"type": "hello", "lang": conversation[0][1]}))
                json.loads(await ws.recv())  # the (empty) history
                for message, _ in conversation:
                    started = time.perf_counter()
                    await ws.send(json.dumps({"type": "message", "text": message}))
                    while (frame := json.loads(await ws.recv()))["type"] == "typing":
                        pass
                    latencies.append((time.perf_counter() - started) * 1000)
                    errors += 0 if frame["type"] == "reply" and frame["language"] else 1

    started = time.perf_counter()
    await asyncio.gather(*(widget(i) for i in range(PEOPLE)))
    return latency_figures(latencies, time.perf_counter() - started, errors)


async def bench_telegram(fake: FakeTelegram) -> dict[str, float]:
    """PEOPLE Telegram chats at once through the fake Bot API, each waiting for its answer."""
    latencies: list[float] = []
    errors = 0

    async def chat(index: int) -> None:
        nonlocal errors
        chat_id = 9_000_000 + index
        for conversation in conversations_of(index, OUR_CONVERSATIONS):
            language = conversation[0][1]
            for message, _ in conversation:
                before = len(fake.sent(chat_id))
                started = time.perf_counter()
                fake.send_text(chat_id, message, language)
                while len(fake.sent(chat_id)) == before:
                    if time.perf_counter() - started > 60:
                        errors += 1
                        break
                    await asyncio.sleep(0.005)
                latencies.append((time.perf_counter() - started) * 1000)

    started = time.perf_counter()
    await asyncio.gather(*(chat(i) for i in range(PEOPLE)))
    return latency_figures(latencies, time.perf_counter() - started, errors)


def report(ours: Figures, reference: Figures) -> str:
    rows = [
        ("training time (s)", "training_seconds"),
        ("engine cold start (s)", "cold_start_seconds"),
        ("engine resident memory (MB)", "engine_rss_mb"),
        ("messages/s", "messages_per_second"),
        ("p50 latency (ms)", "p50_ms"),
        ("p95 latency (ms)", "p95_ms"),
        ("p99 latency (ms)", "p99_ms"),
        ("errors", "errors"),
    ]
    lines = [
        f"{PEOPLE} concurrent people, {MESSAGES_PER_PERSON} messages each, in conversations of 4",
        "| figure | ours | rasa init | ours / rasa init |",
        "| --- | ---: | ---: | ---: |",
    ]
    for label, field in rows:
        a, b = getattr(ours, field), getattr(reference, field)
        ratio = f"{a / b:.2f}" if b else "–"
        lines.append(f"| {label} | {a} | {b} | {ratio} |")
    return "\n".join(lines)


# What people type to point at a course or a session (issue 14's resolver).
RESOLVER_MESSAGES = [
    "the salesforce one", "celle de septembre", "de tweede", "la dernière",
    "the cloud one at molengeek", "graphisme", "je veux faire le codding school",
    "die van maart", "no, the other one", "et celle sur les réseaux sociaux, c'est quand ?",
    "geeft digitalcity ook les in grafisch ontwerp?", "the office and internet course",
    "inscris moi pour celle de mars stp", "what courses are there", "aws restrat",
]  # fmt: skip


def bench_resolver(url: str, rounds: int = 40) -> dict[str, float]:
    """Milliseconds per message to read the catalogue (as each turn does) and resolve what the
    message points at: a course, then a session of it."""
    today = brussels_today()
    timings: list[float] = []
    with db_sessions(url)() as db:
        for _ in range(rounds):
            for message in RESOLVER_MESSAGES:
                started = time.perf_counter()
                index = catalogue_index(db, today)
                found = index.find_courses(message, shown=[c.key for c in index.courses[:4]])
                course = found.keys[0] if found.keys else index.courses[0].key
                index.find_session(message, course)
                timings.append((time.perf_counter() - started) * 1000)
    return {
        "messages": len(timings),
        "p50_ms": round(percentile(timings, 0.50), 2),
        "p95_ms": round(percentile(timings, 0.95), 2),
    }


HANDOFFS = 20
# Within the widget's burst allowance (bot/channels/web.py): a hello and 8 messages.
HANDOFF_ROUNDS = 8
HANDOFF_PASSWORD = "bench counsellor password"


async def bench_handoffs(workdir: Path) -> dict[str, dict[str, float]]:
    """HANDOFFS people talking with counsellors at once, through the gateway alone (what a
    handoff owns never reaches the engine): a person's message until the console's live
    stream announces it, and a counsellor's reply until the person's widget shows it."""
    url = f"sqlite:///{workdir / 'handoffs.db'}"
    seeded_database(url)
    conversations = [f"web-handoffbench{n:08d}{'x' * 8}" for n in range(HANDOFFS)]
    with db_sessions(url)() as db, db.begin():
        counsellor = add_counsellor(
            db, email="bench@actiris.example", team="actiris", role=Role.ADMIN,
            password=HANDOFF_PASSWORD,
        )  # fmt: skip
        handoff_ids = {}
        for conversation in conversations:
            opened, _ = handoff.open_handoff(
                db, conversation_id=conversation, language="fr",
                reason=handoff.Reason.ASKED, team="actiris",
            )  # fmt: skip
            handoff.claim(db, opened.id, counsellor)
            handoff_ids[conversation] = opened.id
    settings = Settings(
        database_url=url, gateway_port=free_port(), engine_port=free_port(),
        action_port=free_port(), engine_token="bench", var_dir=workdir, log_level="WARNING",
        **UNLIMITED,
    )  # fmt: skip
    stack = Stack(settings, workdir / "handoff-logs")
    stack.start_process("gateway", gateway_command(settings))
    to_console: list[float] = []
    to_widget: list[float] = []
    errors = 0
    announced: dict[int, asyncio.Event] = {}
    try:
        async with httpx.AsyncClient(base_url=stack.gateway_url, timeout=30) as console:
            for _ in range(100):
                try:
                    page = await console.get("/console/login")
                    break
                except httpx.HTTPError:
                    await asyncio.sleep(0.1)
            csrf = CSRF_FIELD.search(page.text).group(1)  # type: ignore[union-attr]
            await console.post(
                "/console/login",
                data={"csrf": csrf, "email": "bench@actiris.example", "password": HANDOFF_PASSWORD},
            )
            csrf = CSRF_FIELD.search((await console.get("/console")).text).group(1)  # type: ignore[union-attr]

            async def listen() -> None:
                async with console.stream("GET", "/console/events", timeout=None) as stream:
                    async for line in stream.aiter_lines():
                        if line.startswith("data: "):
                            event = json.loads(line[6:])
                            if event["kind"] == "message" and event["handoff"] in announced:
                                announced[event["handoff"]].set()

            listener = asyncio.create_task(listen())
            await asyncio.sleep(0.5)
            socket_url = stack.gateway_url.replace("http://", "ws://") + "/ws"

            async def person(conversation: str) -> None:
                nonlocal errors
                handoff_id = handoff_ids[conversation]
                async with websockets.connect(socket_url, origin=stack.gateway_url) as ws:
                    token = token_for(settings.conversation_key(), conversation)
                    await ws.send(
                        json.dumps(
                            {"type": "hello", "conversation_id": conversation, "token": token}
                        )
                    )
                    json.loads(await ws.recv())  # the history
                    for round_number in range(HANDOFF_ROUNDS):
                        announced[handoff_id] = asyncio.Event()
                        started = time.perf_counter()
                        await ws.send(
                            json.dumps({"type": "message", "text": f"question {round_number}"})
                        )
                        try:
                            await asyncio.wait_for(announced[handoff_id].wait(), 10)
                            to_console.append((time.perf_counter() - started) * 1000)
                        except asyncio.TimeoutError:
                            errors += 1
                        while json.loads(await ws.recv())["type"] != "reply":
                            pass  # "typing", then the (empty) reply: the counsellor answers
                        started = time.perf_counter()
                        response = await console.post(
                            f"/console/handoffs/{handoff_id}/reply",
                            data={"csrf": csrf, "text": f"answer {round_number}"},
                        )
                        if response.status_code != 303:
                            errors += 1
                            continue
                        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
                        to_widget.append((time.perf_counter() - started) * 1000)
                        errors += 0 if frame["messages"][0]["from"] == "counsellor" else 1

            started = time.perf_counter()
            await asyncio.gather(*(person(c) for c in conversations))
            seconds = time.perf_counter() - started
            listener.cancel()
    finally:
        stack.stop()
    return {
        "person_to_console": latency_figures(to_console, seconds, errors),
        "counsellor_to_widget": latency_figures(to_widget, seconds, errors),
    }


# The soak: people who read each answer and type the next message on a phone (seconds between
# their messages), for this long. With 3 to 9 s, 200 people ask for more than this 2-core
# machine answers (about 33 messages/s against 30): latency grows and turns time out.
SOAK_PEOPLE = int(os.environ.get("BENCH_SOAK_PEOPLE", "200"))
SOAK_SECONDS = float(os.environ.get("BENCH_SOAK_SECONDS", "600"))
SOAK_PAUSE = (8.0, 25.0)


@contextmanager
def replicated_stack(workdir: Path, engines: int) -> Iterator[Stack]:
    """`engines` engines, two action servers and two gateways behind HAProxy, on a fresh
    PostgreSQL database and the machine's Redis."""
    from tests.conftest import create_postgres_database, drop_postgres_database, redis_or_skip

    database, url = create_postgres_database()
    try:
        with seeded_stack(
            workdir / f"replicas-{engines}", url, scale=Scale(engines, 2, 2),
            redis_url=redis_or_skip(), log_level="WARNING", **UNLIMITED,
        ) as stack:  # fmt: skip
            yield stack
    finally:
        drop_postgres_database(database, url)


def stack_rss_mb(stack: Stack) -> float:
    return sum(group_rss_mb(process.pid) for process in stack.processes.values())


def api_sender(client: httpx.AsyncClient) -> Send:
    unavailable = {text("unavailable", lang) for lang in ("fr", "nl", "en")}

    async def send(sender: str, message: str, lang: str | None) -> bool:
        body: dict[str, Any] = {"sender": sender, "text": message}
        if lang:
            body["lang"] = lang
        try:
            response = await client.post("/api/messages", json=body)
        except httpx.HTTPError:
            return False
        return (
            response.status_code == 200
            and response.json()["messages"][0]["text"] not in unavailable
        )

    return send


async def bench_replicas(workdir: Path) -> dict[str, Any]:
    """The same load through the balancer with one engine and with two (two gateways and two
    action servers each time), then the soak with two engines."""
    results: dict[str, Any] = {}
    for engines in (1, 2):
        with replicated_stack(workdir, engines) as stack:
            headers = {"authorization": f"Bearer {stack.settings.effective_api_keys()[0]}"}
            async with httpx.AsyncClient(
                base_url=stack.gateway_url, timeout=60, headers=headers
            ) as client:
                figures = await measure_load(
                    f"{engines} engine(s)", api_sender(client), OUR_CONVERSATIONS, 0, 0,
                    stack.processes["engine-1"].pid,
                )  # fmt: skip
                row = {
                    "messages_per_second": figures.messages_per_second,
                    "per_core": round(figures.messages_per_second / (os.cpu_count() or 1), 1),
                    "p50_ms": figures.p50_ms,
                    "p95_ms": figures.p95_ms,
                    "errors": figures.errors,
                    "stack_rss_mb": round(stack_rss_mb(stack)),
                }
                print(f"replicas, {engines} engine(s): {row}", flush=True)
                results[f"engines_{engines}"] = row
                if engines == 2:
                    results["soak"] = await soak(stack, client)
                    print(f"soak: {results['soak']}", flush=True)
    return results


async def soak(stack: Stack, client: httpx.AsyncClient) -> dict[str, Any]:
    """SOAK_PEOPLE people for SOAK_SECONDS, each pausing between messages as people do;
    the stack's memory sampled every 30 s."""
    latencies: list[float] = []
    errors = 0
    send = api_sender(client)
    memory: list[float] = [stack_rss_mb(stack)]
    deadline = time.perf_counter() + SOAK_SECONDS

    async def person(index: int) -> None:
        nonlocal errors
        rng = random.Random(index)
        await asyncio.sleep(rng.uniform(0, SOAK_PAUSE[1]))
        while time.perf_counter() < deadline:
            conversation = OUR_CONVERSATIONS[rng.randrange(len(OUR_CONVERSATIONS))]
            sender = f"soak-{index}-{rng.randrange(10**12)}"
            errors += await hold_conversation(
                send, sender, conversation, latencies, lambda: rng.uniform(*SOAK_PAUSE)
            )

    async def sample() -> None:
        while True:
            await asyncio.sleep(30)
            memory.append(stack_rss_mb(stack))

    sampler = asyncio.create_task(sample())
    started = time.perf_counter()
    await asyncio.gather(*(person(i) for i in range(SOAK_PEOPLE)))
    seconds = time.perf_counter() - started
    sampler.cancel()
    memory.append(stack_rss_mb(stack))
    # Flat: the last third of the run grows no more than a tenth over the second third.
    third = max(1, len(memory) // 3)
    middle, last = statistics.mean(memory[third : 2 * third]), statistics.mean(memory[-third:])
    return {
        "people": SOAK_PEOPLE,
        "seconds": round(seconds),
        **latency_figures(latencies, seconds, errors),
        "memory_mb_start": round(memory[0]),
        "memory_mb_middle": round(middle),
        "memory_mb_end": round(last),
        "memory_mb_samples": [round(m) for m in memory],
    }


async def main() -> None:
    with tempfile.TemporaryDirectory(prefix="guidance-bench-") as tmp:
        workdir = Path(tmp)
        if "--handoffs-only" in sys.argv:
            print(json.dumps(await bench_handoffs(workdir), indent=2))
            return
        if "--resolver-only" in sys.argv:
            # The resolver alone, on the seed catalogue: the other figures of latest.json stay.
            url = f"sqlite:///{workdir / 'bench.db'}"
            seeded_database(url)
            resolver = bench_resolver(url)
            kept = json.loads(RESULTS.read_text(encoding="utf-8"))
            RESULTS.write_text(json.dumps({**kept, "resolver": resolver}, indent=2) + "\n")
            print(json.dumps(resolver, indent=2))
            return
        if "--replicas-only" in sys.argv:
            # Measured again on their own: the other figures of latest.json stay.
            replicas = await bench_replicas(workdir)
            kept = json.loads(RESULTS.read_text(encoding="utf-8"))
            RESULTS.write_text(json.dumps({**kept, "replicas": replicas}, indent=2) + "\n")
            print(json.dumps(replicas, indent=2))
            return
        handoffs = await bench_handoffs(workdir)
        print(f"handoffs: {handoffs}", flush=True)
        ours, channels = await bench_ours(workdir)
        print(f"ours: {asdict(ours)}\nchannels: {channels}", flush=True)
        resolver = bench_resolver(f"sqlite:///{workdir / 'bench.db'}")
        print(f"resolver: {resolver}", flush=True)
        reference = await bench_starter(workdir)
        replicas = await bench_replicas(workdir)
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {
                "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
                "people": PEOPLE,
                "messages_per_person": MESSAGES_PER_PERSON,
                "ours": asdict(ours),
                "rasa_init": asdict(reference),
                "channels": channels,
                "resolver": resolver,
                "handoffs": handoffs,
                "replicas": replicas,
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(report(ours, reference))
    print(
        f"\n{PEOPLE} concurrent conversations on each channel, {MESSAGES_PER_PERSON} messages each"
    )
    print(
        "| channel | messages/s | p50 (ms) | p95 (ms) | errors |\n| --- | ---: | ---: | ---: | ---: |"
    )
    for name, figures in channels.items():
        print(
            f"| {name} | {figures['messages_per_second']} | {figures['p50_ms']} "
            f"| {figures['p95_ms']} | {figures['errors']} |"
        )
    print(
        f"\nresolver (catalogue read + course + session), {resolver['messages']} messages: "
        f"p50 {resolver['p50_ms']} ms, p95 {resolver['p95_ms']} ms"
    )
    print(
        f"\n{HANDOFFS} open handoffs at once, {HANDOFF_ROUNDS} exchanges each (gateway only)\n"
        "| direction | p50 (ms) | p95 (ms) | errors |\n| --- | ---: | ---: | ---: |"
    )
    for name, figures in handoffs.items():
        print(f"| {name} | {figures['p50_ms']} | {figures['p95_ms']} | {figures['errors']} |")
    print(
        "\nthrough HAProxy, 2 gateways and 2 action servers on PostgreSQL and Redis\n"
        "| engines | messages/s | per core | p95 (ms) | errors | memory (MB) |\n"
        "| ---: | ---: | ---: | ---: | ---: | ---: |"
    )
    for engines in (1, 2):
        row = replicas[f"engines_{engines}"]
        print(
            f"| {engines} | {row['messages_per_second']} | {row['per_core']} | {row['p95_ms']} "
            f"| {row['errors']} | {row['stack_rss_mb']} |"
        )
    soaked = replicas["soak"]
    print(
        f"\nsoak: {soaked['people']} people for {soaked['seconds']} s through HAProxy (2 engines): "
        f"{soaked['messages']} messages, {soaked['errors']} errors, p95 {soaked['p95_ms']} ms; "
        f"memory {soaked['memory_mb_start']} → {soaked['memory_mb_middle']} → "
        f"{soaked['memory_mb_end']} MB"
    )
    print(f"\nwritten to {RESULTS.relative_to(PROJECT_ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
