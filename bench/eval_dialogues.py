"""`make eval-dialogues`: whole conversations, typed only, through the real stack.

Each conversation of a set (docs/dialogues.md) is sent turn by turn to `POST /api/messages` of a
running assistant (gateway → engine → action server → database, the seed catalogue moved by
whole years when its dates have passed), and each reply is checked for what the turn expects and
for dead ends: the fallback after a usable message, or the question just asked asked again.
Writes bench/results/dialogues.json and .md.

    python -m bench.eval_dialogues [--set validation|held-out] [--only ID …] [--verbose]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import tempfile
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import yaml

from bot import LANGUAGES
from bot.catalogue.queries import brussels_today
from bot.catalogue.seed import shifted_seed
from bot.i18n import format_date
from bot.i18n import messages as all_messages
from bot.reading import plain
from bot.registration import REFERENCE_ALPHABET
from bot.runner import seeded_stack
from bot.settings import PROJECT_ROOT

SETS = {
    "validation": PROJECT_ROOT / "bench" / "dialogues",
    "held-out": PROJECT_ROOT / "tests" / "dialogues",
}
RESULTS = PROJECT_ROOT / "bench" / "results"
# The messages that ask each question of the form or of a choice (bot/messages.yml).
QUESTIONS: dict[str, tuple[str, ...]] = {
    "course": ("which_course", "prereg_which_course", "pick_course", "which_course_narrow"),
    "session": ("prereg_which_session", "which_session_of_these"),
    "consent": ("ask_data_consent",),
    "first_name": ("ask_first_name",),
    "contact": ("ask_contact",),
    "age": ("ask_age", "ask_age_known"),
    "actiris": ("ask_actiris_registered",),
    "postcode": ("ask_postcode", "ask_postcode_known"),
    "confirm": ("summary",),
}
VERDICTS: dict[str, tuple[str, ...]] = {
    "eligible": ("verdict_eligible", "verdict_line_eligible", "fits_intro"),
    "not_eligible": ("verdict_not_eligible", "verdict_line_not_eligible", "prereg_not_eligible"),
    "unsure": ("verdict_unsure", "verdict_line_unsure", "summary_needs_check", "conditions_unsure"),
}
DEAD_ENDS = ("did_you_mean", "fallback", "second_miss")
# Messages that only say an answer could not be used: with the same question after them, the
# reply goes nowhere.
REFUSALS = (
    "invalid_data_consent", "invalid_first_name", "invalid_contact", "invalid_age",
    "invalid_actiris_registered", "invalid_postcode", "invalid_twice", "invalid_session",
    "session_not_found", "no_session_in_month", "session_gone",
)  # fmt: skip
DECLINES = ("out_of_scope", "did_you_mean", "fallback", "second_miss")
REFERENCE = re.compile(rf"\b[{REFERENCE_ALPHABET}]{{3}}-[{REFERENCE_ALPHABET}]{{3}}\b")


@cache
def template(key: str, lang: str) -> re.Pattern[str]:
    """A message of bot/messages.yml as a pattern: its fixed words, anything for its values."""
    text = all_messages()[key].get(lang) or all_messages()[key]["en"]
    # The first line with words of its own says enough.
    lines = [
        line for line in plain(text).strip().split("\n") if re.sub(r"\{[a-z_]+\}", "", line).strip()
    ]
    parts = re.split(r"\{[a-z_]+\}", lines[0])
    return re.compile(".*?".join(re.escape(part) for part in parts))


def says(reply: str, keys: Iterable[str], lang: str) -> bool:
    text = plain(reply)
    return any(key in all_messages() and template(key, lang).search(text) for key in keys)


@dataclass
class Catalogue:
    """What the checks need of the catalogue: names of courses, partners, sessions' dates."""

    courses: dict[str, list[str]]
    partners: dict[str, list[str]]
    sessions: dict[str, Any]
    organisations: dict[str, dict[str, str]]
    # The name of each course's partner.
    given_by: dict[str, str]

    @classmethod
    def of(cls, document: dict[str, Any]) -> Catalogue:
        names = {p["key"]: p["name"] for p in document["partners"]}
        return cls(
            courses={
                c["key"]: [*c["title"].values(), *c.get("aliases", [])] for c in document["courses"]
            },
            partners={p["key"]: [p["name"], *p.get("aliases", [])] for p in document["partners"]},
            sessions={
                s["key"]: s["start_date"] for c in document["courses"] for s in c["sessions"]
            },
            organisations={o["key"]: o["description"] for o in document.get("organisations", [])},
            given_by={c["key"]: names[c["partner"]] for c in document["courses"]},
        )


def _names(reply: str, names: Iterable[str]) -> bool:
    text = plain(reply)
    return any(plain(name) in text for name in names)


def _date_given(reply: str, day: Any, lang: str) -> bool:
    # "lundi 13 septembre 2027" → "13 septembre"; any of the three languages will do.
    text = plain(reply)
    for language in (lang, *LANGUAGES):
        words = plain(format_date(day, language)).split()
        if " ".join(words[1:3]) in text:
            return True
    return False


@dataclass
class TurnResult:
    user: str
    ok: bool
    dead_end: bool
    problems: list[str]
    reply: str


@dataclass
class ConversationResult:
    id: str
    language: str
    turns: list[TurnResult] = field(default_factory=list)

    @property
    def completed(self) -> bool:
        return all(t.ok for t in self.turns)


def _message_key(message: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    return message["text"], tuple(b["payload"] for b in message.get("buttons") or [])


def asks_again(
    messages: list[dict[str, Any]], previous_question: dict[str, Any] | None, lang: str
) -> bool:
    """The reply asks the question just asked again (same text, same choices), with nothing
    new before it but a refusal."""
    if previous_question is None:
        return False
    keys = [_message_key(m) for m in messages]
    if _message_key(previous_question) not in keys:
        return False
    others = [m["text"] for m in messages if _message_key(m) != _message_key(previous_question)]
    return all(says(text, REFUSALS, lang) for text in others)


def check_turn(
    turn: dict[str, Any],
    messages: list[dict[str, Any]],
    reply_language: str | None,
    lang: str,
    previous_question: dict[str, Any] | None,
    catalogue: Catalogue,
) -> tuple[list[str], bool]:
    """What is wrong with a reply, and whether it is a dead end."""
    reply = "\n".join(m["text"] for m in messages)
    expect = turn.get("expect") or {}
    problems: list[str] = []
    for key in expect.get("courses") or []:
        if not _names(reply, catalogue.courses[key]):
            problems.append(f"course {key} not named")
    for key in expect.get("not_courses") or []:
        # A course is named when its title stands as a title: followed by its partner, in
        # brackets (a topic's name can be a course's title: "Digitale marketing"; and "Web
        # developer (BeCode" is not in "Coding School: web developer (MolenGeek").
        expected = {n for k in expect.get("courses") or [] for n in catalogue.courses[k]}
        partner = catalogue.given_by.get(key, "")
        own = [f"{n} ({partner}" for n in catalogue.courses[key][:3] if n not in expected]
        if own and _names(reply, own):
            problems.append(f"course {key} named")
    for key in expect.get("partners") or []:
        if not _names(reply, catalogue.partners[key]):
            problems.append(f"partner {key} not named")
    for key in expect.get("sessions") or []:
        if not _date_given(reply, catalogue.sessions[key], lang):
            problems.append(f"session {key} not given")
    if "asks" in expect and not says(reply, QUESTIONS[expect["asks"]], lang):
        problems.append(f"does not ask {expect['asks']}")
    if "eligibility" in expect and not says(reply, VERDICTS[expect["eligibility"]], lang):
        problems.append(f"no verdict {expect['eligibility']}")
    if "organisation" in expect:
        description = catalogue.organisations[expect["organisation"]]
        if not any(_names(reply, [d.split(".")[0]]) for d in description.values()):
            problems.append(f"organisation {expect['organisation']} not explained")
    if expect.get("reference") and not REFERENCE.search(reply):
        problems.append("no reference")
    if expect.get("cost") == "free" and not says(
        reply, ("cost_free", "cost_overview", "cost_free_list"), lang
    ):
        problems.append("not said free")
    for text in expect.get("mentions") or []:
        if plain(text) not in plain(reply):
            problems.append(f"does not mention {text!r}")
    if reply_language and reply_language != lang:
        problems.append(f"answered in {reply_language}")
    if expect.get("off_topic"):
        if not says(reply, DECLINES, lang):
            problems.append("off-topic not declined")
        return problems, False
    if expect.get("invalid"):
        return problems, False
    dead = says(reply, DEAD_ENDS, lang) or asks_again(messages, previous_question, lang)
    if dead:
        problems.append("dead end")
    return problems, dead


def load_set(name: str) -> dict[str, list[dict[str, Any]]]:
    folder = SETS[name]
    return {
        lang: yaml.safe_load((folder / f"{lang}.yml").read_text(encoding="utf-8"))["conversations"]
        for lang in LANGUAGES
    }


async def run_conversation(
    client: httpx.AsyncClient, conversation: dict[str, Any], lang: str, catalogue: Catalogue
) -> ConversationResult:
    result = ConversationResult(conversation["id"], lang)
    sender = f"eval-{uuid.uuid4().hex[:16]}"
    current = lang
    previous_question: dict[str, Any] | None = None
    for turn in conversation["turns"]:
        current = (turn.get("expect") or {}).get("language", current)
        response = await client.post("/api/messages", json={"sender": sender, "text": turn["user"]})
        if response.status_code != 200:
            result.turns.append(
                TurnResult(turn["user"], False, False, [f"HTTP {response.status_code}"], "")
            )
            continue
        body = response.json()
        messages = body["messages"]
        reply = "\n".join(m["text"] for m in messages)
        problems, dead = check_turn(
            turn, messages, body.get("language"), current, previous_question, catalogue
        )
        result.turns.append(TurnResult(turn["user"], not problems, dead, problems, reply))
        # A question ends in "?", or is a prompt with choices (ending in ":"): what the person
        # answers next.
        asked = [
            m
            for m in messages
            if "?" in m["text"] or (m["buttons"] and m["text"].rstrip().endswith(":"))
        ]
        previous_question = asked[-1] if asked else None
    return result


def summarise(results: list[ConversationResult]) -> dict[str, dict[str, Any]]:
    summary: dict[str, dict[str, Any]] = {}
    for lang in LANGUAGES:
        mine = [r for r in results if r.language == lang]
        turns = [t for r in mine for t in r.turns]
        summary[lang] = {
            "conversations": len(mine),
            "completed": round(sum(r.completed for r in mine) / max(len(mine), 1), 3),
            "turns": len(turns),
            "turns_right": round(sum(t.ok for t in turns) / max(len(turns), 1), 3),
            "dead_ends": sum(t.dead_end for t in turns),
        }
    return summary


def dialogue_catalogue() -> dict[str, Any]:
    """The seed catalogue moved by whole years, so "the one in September" stays true."""
    return shifted_seed(brussels_today(), whole_years=True)


async def converse_all(
    gateway_url: str,
    api_key: str,
    set_name: str,
    catalogue: dict[str, Any],
    only: set[str] | None = None,
    concurrency: int = 4,
) -> tuple[dict[str, Any], list[ConversationResult]]:
    """Every conversation of a set against a running assistant whose catalogue is `catalogue`."""
    names = Catalogue.of(catalogue)
    conversations = [
        (lang, c)
        for lang, items in load_set(set_name).items()
        for c in items
        if not only or c["id"] in only
    ]
    limit = asyncio.Semaphore(concurrency)
    headers = {"authorization": f"Bearer {api_key}"}
    async with httpx.AsyncClient(base_url=gateway_url, timeout=60, headers=headers) as client:

        async def one(lang: str, conversation: dict[str, Any]) -> ConversationResult:
            async with limit:
                return await run_conversation(client, conversation, lang, names)

        results = await asyncio.gather(*(one(lang, c) for lang, c in conversations))
    return summarise(results), list(results)


async def evaluate(
    set_name: str, only: set[str] | None = None, keep: Path | None = None
) -> tuple[dict[str, Any], list[ConversationResult]]:
    """Start the assistant on its own SQLite database, then converse."""
    catalogue = dialogue_catalogue()
    with tempfile.TemporaryDirectory() as temporary:
        workdir = keep or Path(temporary)
        url = f"sqlite:///{workdir / 'eval.db'}"
        with seeded_stack(workdir, url, catalogue, log_level="WARNING") as stack:
            api_key = stack.settings.effective_api_keys()[0]
            return await converse_all(stack.gateway_url, api_key, set_name, catalogue, only)


def markdown(set_name: str, summary: dict[str, Any], results: list[ConversationResult]) -> str:
    lines = [
        f"# Typed conversations ({set_name} set)",
        "",
        "| language | conversations | completed | turns | turns right | dead ends |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for lang, s in summary.items():
        lines.append(
            f"| {lang} | {s['conversations']} | {s['completed']:.3f} | {s['turns']} | "
            f"{s['turns_right']:.3f} | {s['dead_ends']} |"
        )
    failed = [r for r in results if not r.completed]
    if failed:
        lines += ["", "Conversations not completed (first problem):", ""]
        for r in failed:
            turn = next(t for t in r.turns if not t.ok)
            lines.append(f"- {r.id}: “{turn.user}” → {', '.join(turn.problems)}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", choices=sorted(SETS), default="validation")
    parser.add_argument("--only", nargs="*", help="conversation ids")
    parser.add_argument("--verbose", action="store_true", help="print every failed turn's reply")
    parser.add_argument("--keep", type=Path, help="keep the database and logs in this folder")
    args = parser.parse_args()
    if args.keep:
        args.keep.mkdir(parents=True, exist_ok=True)
    summary, results = asyncio.run(
        evaluate(args.set, set(args.only) if args.only else None, keep=args.keep)
    )
    report = markdown(args.set, summary, results)
    print(report)
    if args.verbose:
        for r in results:
            for t in r.turns:
                if not t.ok:
                    print(f"--- {r.id} “{t.user}”: {t.problems}\n{t.reply}\n")
    if not args.only:
        stem = "dialogues" if args.set == "held-out" else "dialogues-validation"
        RESULTS.mkdir(exist_ok=True)
        (RESULTS / f"{stem}.md").write_text(report, encoding="utf-8")
        (RESULTS / f"{stem}.json").write_text(
            json.dumps(
                {
                    "set": args.set,
                    "summary": summary,
                    "conversations": [asdict(r) for r in results],
                },
                ensure_ascii=False,
                indent=1,
            )
            + "\n",
            encoding="utf-8",
        )


if __name__ == "__main__":
    main()
