"""`make chaos`: the replicated stack under load while its parts fail, one at a time.

Two engines, two action servers and two gateways behind HAProxy, on this machine's PostgreSQL
and Redis. People talk and pre-register through the balancer while the run `kill -9`s an
engine, an action server and a gateway (each started again, as `guidance run` does), then
restarts PostgreSQL and Redis. A person whose message got "try again" types it again, as
people do. Afterwards it checks that every confirmed pre-registration exists exactly once with
the seats counted right, and that every conversation kept its language; it reports the error
rate during each fault and the time until every part answered again.

Writes bench/results/chaos.md and .json. It restarts the machine's PostgreSQL and Redis: run
it alone.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select

from bench.run import percentile
from bot.catalogue.queries import brussels_today, get_course, upcoming_sessions
from bot.db.models import CourseSession, Registration
from bot.i18n import text
from bot.registration import HOLDS_A_SEAT, REFERENCE_ALPHABET
from bot.runner import Scale, seeded_stack
from bot.settings import PROJECT_ROOT
from tests.conftest import create_postgres_database, drop_postgres_database, redis_or_skip
from tests.e2e.conftest import ALWAYS_OPEN, api_headers
from tests.e2e.test_registration import ANSWERS as REGISTRATION_ANSWERS
from tests.e2e.test_registration import ASK_FIRST

RESULTS = PROJECT_ROOT / "bench" / "results"
# The answers of the end-to-end pre-registrations, each person with a contact of their own.
ANSWERS = {
    lang: [*answers[:2], "{contact}", *answers[3:]]
    for lang, answers in REGISTRATION_ANSWERS.items()
}
# A reference as the assistant shows it (ACD-479): `parse_reference` reads what people type,
# in any case and without the dash, and would take a word such as "centre" for one.
SHOWN_REFERENCE = re.compile(
    rf"(?<![A-Za-z0-9])([{REFERENCE_ALPHABET}]{{3}})-([{REFERENCE_ALPHABET}]{{3}})(?![A-Za-z0-9])"
)
# A person waits this long for an answer before calling it a hang.
HANG_SECONDS = 40.0
RETRIES = 8


@dataclass
class Outcome:
    at: float
    seconds: float
    ok: bool  # an answer from the assistant
    polite: bool  # or a "try again" (the assistant's or the balancer's)


@dataclass
class Run:
    outcomes: list[Outcome] = field(default_factory=list)
    references: list[tuple[str, str, float, str]] = field(default_factory=list)
    languages: dict[str, str] = field(default_factory=dict)  # conversation → language
    hangs: int = 0
    gave_up: int = 0
    stopped: bool = False


def stop_load(run: Run) -> None:
    """People finish the conversation they are in, and start no new one."""
    run.stopped = True


def unavailable_texts() -> set[str]:
    return {text("unavailable", lang) for lang in ("fr", "nl", "en")}


async def say(
    http: httpx.AsyncClient, run: Run, sender: str, message: str, lang: str, started: float
) -> dict[str, Any] | None:
    """One message, typed again after a "try again" (up to RETRIES times)."""
    polite = unavailable_texts()
    for _ in range(RETRIES):
        t0 = time.monotonic()
        try:
            response = await http.post(
                "/api/messages", json={"sender": sender, "text": message, "lang": lang}
            )
            body = response.json()
        except httpx.TimeoutException:
            run.hangs += 1
            run.outcomes.append(Outcome(t0 - started, time.monotonic() - t0, False, False))
            continue
        except (httpx.HTTPError, ValueError):
            run.outcomes.append(Outcome(t0 - started, time.monotonic() - t0, False, False))
            await asyncio.sleep(1)
            continue
        seconds = time.monotonic() - t0
        texts = (
            [m.get("text") for m in body.get("messages", [])] if response.status_code == 200 else []
        )
        if response.status_code == 200 and texts and not set(texts) <= polite:
            run.outcomes.append(Outcome(t0 - started, seconds, True, False))
            return body
        is_polite = (response.status_code == 200 and bool(texts)) or (
            response.status_code == 503 and "try again" in str(body.get("error", ""))
        )
        run.outcomes.append(Outcome(t0 - started, seconds, False, is_polite))
        await asyncio.sleep(1)
    run.gave_up += 1
    return None


async def person(
    index: int, url: str, headers: dict[str, str], session_key: str, run: Run, until: float,
    started: float,
) -> None:  # fmt: skip
    lang = ("fr", "nl", "en")[index % 3]
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=HANG_SECONDS) as http:
        round_ = 0
        while time.monotonic() < until:
            round_ += 1
            sender = f"chaos-{index}-{round_}"
            contact = f"chaos{index}r{round_}@example.org"
            steps = [ASK_FIRST[lang], f'/preregister{{"session":"{session_key}"}}']
            steps += [a.format(contact=contact) for a in ANSWERS[lang]]
            last = None
            if run.stopped:
                return
            for step in steps:
                last = await say(http, run, sender, step, lang, started)
                if last is None:
                    break
            if last is None:
                continue
            final = "\n".join(m["text"] for m in last["messages"])
            shown = SHOWN_REFERENCE.search(final)
            reference = shown.group(1) + shown.group(2) if shown else None
            if reference:
                run.references.append((reference, sender, time.monotonic() - started, final))
            run.languages[sender] = lang


def restart_postgres() -> None:
    version = sorted(p.name for p in Path("/etc/postgresql").iterdir())[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"], check=True
    )


def restart_redis() -> None:
    subprocess.run(["redis-cli", "-h", "127.0.0.1", "shutdown", "nosave"], check=False)
    time.sleep(1)
    subprocess.run(
        ["redis-server", "--daemonize", "yes", "--bind", "127.0.0.1", "--port", "6379",
         "--save", ""],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=12)
    parser.add_argument("--phase", type=float, default=25.0, help="seconds between faults")
    args = parser.parse_args()
    redis_url = redis_or_skip()
    database, db_url = create_postgres_database()
    workdir = Path(tempfile.mkdtemp(prefix="chaos-"))
    faults: list[dict[str, Any]] = []
    run = Run()
    try:
        with seeded_stack(
            workdir, db_url, scale=Scale(2, 2, 2), redis_url=redis_url,
            office_hours_file=ALWAYS_OPEN, rate_limit_client="100000/minute",
            rate_limit_conversation="100000/minute", engine_timeout_seconds=20,
        ) as stack:  # fmt: skip
            from sqlalchemy.orm import sessionmaker

            from bot.db import database_for

            db = sessionmaker(bind=database_for(db_url))
            with db() as session:
                target = upcoming_sessions(
                    get_course(session, "becode-web-developer"), brussels_today()
                )[0]
                session_key = target.key
            faults_plan = [
                ("kill -9 engine-1", lambda: stack.kill("engine-1"), "engine-1"),
                ("kill -9 actions-1", lambda: stack.kill("actions-1"), "actions-1"),
                ("kill -9 gateway-1", lambda: stack.kill("gateway-1"), "gateway-1"),
                ("restart PostgreSQL", restart_postgres, None),
                ("restart Redis", restart_redis, None),
            ]
            started = time.monotonic()
            # The load goes on a phase past the last fault (recoveries take their time).
            until = started + 10_000.0
            load = asyncio.gather(
                *(
                    person(i, stack.gateway_url, api_headers(stack.settings), session_key, run,
                           until, started)
                    for i in range(args.people)
                )
            )  # fmt: skip
            for name, fault, part in faults_plan:
                await asyncio.sleep(args.phase)
                at = time.monotonic() - started
                await asyncio.to_thread(fault)
                if part is not None:
                    # As `guidance run` does: a dead part is started again.
                    await asyncio.sleep(1)
                    stack.launch(part)
                recovered = await asyncio.to_thread(wait_until_all_answer, stack, at + started)
                faults.append({"fault": name, "at": round(at, 1), "recovered_after": recovered})
                print(f"{name} at {at:.0f} s: every part answers again after {recovered} s")
            await asyncio.sleep(args.phase)
            stop_load(run)
            await load
            checks = await asyncio.to_thread(check_after, stack, db, run)
    finally:
        drop_postgres_database(database, db_url)
    write_report(args, run, faults, checks)


def wait_until_all_answer(stack: Any, since: float, timeout: float = 120.0) -> float | None:
    while time.monotonic() - since < timeout:
        healthy = stack.health()
        try:
            ready = httpx.get(f"{stack.gateway_url}/healthz", timeout=2).status_code == 200
        except httpx.HTTPError:
            ready = False
        if ready and all(healthy.values()):
            return round(time.monotonic() - since, 1)
        time.sleep(0.5)
    return None


def check_after(stack: Any, db: Any, run: Run) -> dict[str, Any]:
    """After recovery: registrations exactly once, seats right, languages kept."""
    with db() as session:
        rows = session.execute(
            select(Registration.reference, Registration.session_id, Registration.status)
        ).all()
        by_reference = Counter(r.reference for r in rows)
        seats_ok = True
        for course_session in session.scalars(select(CourseSession)):
            holding = session.scalar(
                select(func.count())
                .select_from(Registration)
                .where(
                    Registration.session_id == course_session.id,
                    Registration.status.in_(HOLDS_A_SEAT),
                )
            )
            seats_ok &= (course_session.seats_booked or 0) == holding
    confirmed = run.references
    missing = [c for c in confirmed if by_reference.get(c[0], 0) != 1]
    # Every conversation kept its language: ask each a last question.
    kept, lost = 0, []
    headers = api_headers(stack.settings)
    for sender, lang in run.languages.items():
        answer = httpx.post(
            f"{stack.gateway_url}/api/messages",
            json={"sender": sender, "text": "merci" if lang == "fr" else "dank je" if lang == "nl" else "thanks"},
            headers=headers, timeout=HANG_SECONDS,
        ).json()  # fmt: skip
        if answer.get("language") == lang:
            kept += 1
        else:
            lost.append(sender)
    return {
        "confirmed": len(confirmed),
        "registrations_in_database": len(rows),
        "confirmed_not_exactly_once": len(missing),
        "not_exactly_once": [
            {"reference": r, "conversation": who, "at": round(at, 1), "answer": final[:300]}
            for r, who, at, final in missing
        ],
        "duplicated_references": sum(1 for n in by_reference.values() if n > 1),
        "seats_counted_right": seats_ok,
        "conversations_checked": len(run.languages),
        "kept_their_language": kept,
        "lost_their_language": len(lost),
    }


def write_report(args: Any, run: Run, faults: list[dict[str, Any]], checks: dict[str, Any]) -> None:
    windows = []
    for fault in faults:
        start = fault["at"]
        end = start + (fault["recovered_after"] or 60) + 5
        during = [o for o in run.outcomes if start <= o.at <= end]
        failed = [o for o in during if not o.ok]
        windows.append(
            {
                **fault,
                "messages": len(during),
                "error_rate": round(len(failed) / len(during), 3) if during else None,
                "impolite": sum(1 for o in failed if not o.polite),
                "p95_s": round(percentile([o.seconds for o in during], 0.95), 2)
                if during
                else None,
            }
        )
    answered = [o for o in run.outcomes if o.ok]
    summary = {
        "date": dt.date.today().isoformat(),
        "people": args.people,
        "messages": len(run.outcomes),
        "answered": len(answered),
        "hangs": run.hangs,
        "gave_up": run.gave_up,
        "p95_s": round(percentile([o.seconds for o in answered], 0.95), 2) if answered else None,
        "faults": windows,
        "checks": checks,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "chaos.json").write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    lines = [
        f"# Chaos run ({summary['date']})",
        "",
        f"{args.people} people talking and pre-registering through HAProxy to 2 gateways, 2 engines "
        f"and 2 action servers on PostgreSQL and Redis; one fault every {args.phase:.0f} s. "
        f"{summary['messages']} messages, {summary['answered']} answered, {run.hangs} past "
        f"{HANG_SECONDS:.0f} s, {run.gave_up} given up after {RETRIES} tries; p95 {summary['p95_s']} s.",
        "",
        "| fault | at (s) | every part answers again after (s) | messages meanwhile | error rate | not polite | p95 (s) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for w in windows:
        lines.append(
            f"| {w['fault']} | {w['at']} | {w['recovered_after']} | {w['messages']} | "
            f"{w['error_rate']} | {w['impolite']} | {w['p95_s']} |"
        )
    lines += ["", "After recovery:", ""]
    lines += [
        f"- {key.replace('_', ' ')}: {value}"
        for key, value in checks.items()
        if not isinstance(value, list)
    ]
    (RESULTS / "chaos.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    healthy = (
        checks["confirmed_not_exactly_once"] == 0
        and checks["duplicated_references"] == 0
        and checks["seats_counted_right"]
        and checks["lost_their_language"] == 0
        and run.hangs == 0
        and all(w["recovered_after"] is not None for w in windows)
    )
    if not healthy:
        sys.exit(1)


if __name__ == "__main__":
    asyncio.run(main())
