"""Which courses a question is about, and showing a choice of them.

The courses come from this message (a button's course, or what the resolver of the catalogue
reads in the text: a title, an alias, a partner and a topic, a rank in the last list, a month),
else from the conversation (the course in focus, the partner and topic talked about). Lists the
person can pick from are remembered (`shown_courses`), so "the second one" works next.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from actions.common import Turn, payload
from bot.catalogue.queries import (
    get_course,
    get_organisation,
    get_partner,
    list_partners,
    next_session,
    search_courses,
)
from bot.catalogue.resolver import OTHER, words
from bot.catalogue.topics import topic_named
from bot.db.models import Course, Partner, localized
from bot.i18n import format_date, topic_name
from bot.reading import asks_a_requirement, asks_prior_skill, is_follow_up, plain

# Words that point back at the partner just talked about ("do they have cloud?").
_THEM = re.compile(
    r"\b(?:they|them|their|ils|eux|elles|leur|leurs|ze|zij|hun|hen|daar|la-bas|chez\s+eux|bij\s+hen)\b"
)
# Words that point back at the training in focus in a question about an organisation.
_FOR_IT = re.compile(
    r"\b(?:pour\s+(?:ca|cela|celle-ci|celle-la|elle|cette\s+formation)|for\s+(?:it|this|that)|"
    r"daarvoor|hiervoor|ervoor|voor\s+(?:die|deze|dat|dit|het)\b)"
)
_ANY_TRAINING = re.compile(r"\b(?:une|a|an|een|iets|quelque\s+chose|something|anything)\b")
# A choice offers at most this many buttons; more, and a narrowing question comes first.
MAX_BUTTONS = 8
# How the resolver named courses on purpose (not just a partner or a topic, which are searches).
NAMED = ("button", "title", "alias", "rank", "month", "format", "shown", "other")


@dataclass
class CourseContext:
    courses: list[Course] = field(default_factory=list)
    partner: Partner | None = None
    topic: str | None = None
    # How the courses were found: NAMED, "partner", "topic", "partner_topic", "memory", or None.
    how: str | None = None
    # A partner and a topic (or a course) named together that do not go together.
    missing_at_partner: bool = False
    elsewhere: list[Course] = field(default_factory=list)
    unknown_partner: str | None = None
    # A button of an old message naming a course the catalogue no longer has.
    unknown_course: str | None = None
    organisations: list[str] = field(default_factory=list)

    @property
    def named_anything(self) -> bool:
        return bool(
            self.partner
            or self.topic
            or self.unknown_partner
            or self.unknown_course
            or self.how in NAMED
            or self.missing_at_partner
        )

    @property
    def named_courses(self) -> bool:
        return self.how in NAMED


def resolve(
    turn: Turn, *, use_memory: bool = True, about_partner: bool = False, guess_topic: bool = False
) -> CourseContext:
    """Courses matching this message; when it names none, those of the conversation so far
    (`use_memory`), so "and where is it?" follows the previous answer. With `about_partner`
    (a question about what a partner offers), "they" is the partner of the course in focus.
    With `guess_topic` (a message the engine could not place), a topic's usual word counts
    even when the engine did not tag it."""
    turn.guess_topic = turn.guess_topic or guess_topic
    topic = turn.entity("course_topic") or (topic_named(turn.text) if turn.guess_topic else None)
    topic_span = entity_text(turn, "course_topic") if turn.entity("course_topic") else None
    in_view = turn.slot("course") or turn.slot_list("shown_courses")
    if topic_span and in_view and asks_prior_skill(turn.text.split(topic_span)[0]):
        # "Do I need to know coding before?" asks about the training in focus.
        topic = topic_span = None
    context = CourseContext(topic=topic)
    button_course = turn.entity("course")
    if button_course:
        course = get_course(turn.db, button_course)
        if course is None:
            context.unknown_course = button_course
            return context
        return _found(context, [course], "button")
    index = turn.index
    # The engine tags Actiris and the like as partners: they are organisations here.
    known_organisations = {o.key for o in index.organisations}
    tagged = turn.entities("partner")
    context.organisations = sorted(
        set(index.organisations_named(turn.text)) | (set(tagged) & known_organisations)
    )
    partner_key = next((p for p in tagged if p not in known_organisations), None)
    if partner_key and get_partner(turn.db, partner_key) is None:
        context.unknown_partner = entity_text(turn, "partner") or partner_key
        return context
    partners = [partner_key] if partner_key else index.partners_named(turn.text)
    focus = get_course(turn.db, turn.slot("course") or "")
    pointing = about_partner or context.topic
    if not partners and pointing and _THEM.search(plain(turn.text)):
        # "Do they also have cloud?", "what do they offer?": the partner talked about (a
        # course in focus is more precise: "where is it there?" is about it).
        remembered = remembered_partner(turn) or (focus.partner.key if focus else None)
        partners = [remembered] if remembered else []
    others = bool(set(words(turn.text)) & OTHER)  # "et les autres formations en marketing ?"
    shown = turn.slot_list("shown_courses")
    rest = [key for key in shown if focus is None or key != focus.key]
    if others and focus is not None and focus.key in shown and len(rest) == 1 and not partners:
        # "What about the other one?" after one of the two just listed.
        return _found(context, _courses(turn, tuple(rest)), "other")
    previous = turn.slot("previous_course")
    alone = not (partners or context.topic or index.find_courses(turn.text).keys)
    if others and focus is not None and focus.key not in shown and previous and alone:
        # "Et l'autre, elle commence quand ?" after two trainings talked about one by one.
        return _found(context, _courses(turn, (previous,)), "other")
    if (
        not partners
        and context.topic
        and is_follow_up(turn.text)
        and not others
        and not index.find_courses(turn.text).keys  # "and coding school?" names its own
    ):
        # "Et en cyber ?" after DigitalCity's cloud training: at DigitalCity too.
        partners = _partner_of_last_answer(turn, focus)
    any_training = _ANY_TRAINING.search(plain(turn.text))
    if partners and not context.topic and is_follow_up(turn.text) and not any_training:
        # "And at Bruxelles Formation?" after web trainings: web trainings there (but "and a
        # training at BeCode?" asks about any).
        context.topic = turn.slot("course_topic") or (focus.topic if focus else None)
    if len(partners) == 1:
        context.partner = get_partner(turn.db, partners[0])
    match = index.find_courses(
        turn.text,
        shown=turn.slot_list("shown_courses"),
        partner=partners[0] if len(partners) == 1 else None,
        topic=context.topic,
        topic_words=words(topic_span) if topic_span else (),
    )
    if match.how == "elsewhere":
        context.missing_at_partner = True
        context.elsewhere = _courses(turn, match.keys)
        return context
    if match.how == "partner_topic" and not match.keys:
        context.missing_at_partner = True
        return context
    # "Celle de septembre" right after a course was discussed: its session in September; "and
    # in March?" too, when it has none then (which its answer says).
    if (
        match.how == "month"
        and focus is not None
        and (turn.index.find_session(turn.text, focus.key).keys or len(words(turn.text)) <= 4)
    ):
        return _found(context, [focus], "memory")
    if match.keys:
        return _found(context, _courses(turn, match.keys), match.how)
    if use_memory and not (partners or context.topic):
        if focus is not None:
            return _found(context, [focus], "memory")
        partner_slot, topic_slot = remembered_partner(turn), turn.slot("course_topic")
        if partner_slot or topic_slot:
            context.partner = get_partner(turn.db, partner_slot) if partner_slot else None
            context.topic = topic_slot
            context.courses = search_courses(
                turn.db, turn.today, topic=topic_slot, partner_key=partner_slot
            )
            context.how = "memory"
    return context


def _partner_of_last_answer(turn: Turn, focus: Course | None) -> list[str]:
    """The partner of every training of the last answer (its list, or the one in focus), when
    it is the partner talked about."""
    shown = turn.slot_list("shown_courses") or ([focus.key] if focus else [])
    owners = {turn.index.by_key[k].partner for k in shown if k in turn.index.by_key}
    remembered = remembered_partner(turn)
    return [remembered] if remembered and owners == {remembered} else []


def remembered_partner(turn: Turn) -> str | None:
    """The training partner talked about (the engine also keeps Actiris in that slot)."""
    key = turn.slot("partner")
    return key if key and any(p.key == key for p in turn.index.partners) else None


def _found(context: CourseContext, courses: list[Course], how: str | None) -> CourseContext:
    context.courses, context.how = courses, how
    if len(courses) == 1:
        context.partner = courses[0].partner
    return context


def _courses(turn: Turn, keys: tuple[str, ...]) -> list[Course]:
    found = [get_course(turn.db, key) for key in keys]
    return [course for course in found if course is not None]


def entity_text(turn: Turn, name: str) -> str | None:
    """The words the person used for an entity, for "I don't know X"."""
    for entity in turn.tracker.latest_message.get("entities") or []:
        if entity.get("entity") == name:
            start, end = entity.get("start"), entity.get("end")
            if isinstance(start, int) and isinstance(end, int):
                return turn.text[start:end]
    return None


def say_organisations(turn: Turn, context: CourseContext) -> bool:
    """One line on each organisation named that runs no training here; say whether any.
    "I'm registered at Actiris" states a fact, and needs no explanation of Actiris."""
    stated = turn.situation.actiris_registered is not None
    said = False
    for key in context.organisations:
        if key == "actiris" and stated:
            continue
        organisation = get_organisation(turn.db, key)
        if organisation is not None:
            turn.reply.say_text(
                localized(organisation, "description", turn.lang) or organisation.name
            )
            said = True
    return said


def about_an_organisation(turn: Turn, context: CourseContext) -> bool:
    """A question about an organisation alone ("comment on s'inscrit chez Actiris ?"): explain
    it, and say whether that was the answer. "Je dois être inscrite à Actiris pour ça ?", "moet
    ik bij Actiris zijn?" ask about the training in focus."""
    about_it = _FOR_IT.search(plain(turn.text)) or asks_a_requirement(turn.text)
    for_it = bool(turn.slot("course")) and bool(about_it)
    alone = not (context.named_courses or context.partner or context.topic or for_it)
    return alone and turn.situation.empty and say_organisations(turn, context)


def say_unknown(turn: Turn, context: CourseContext) -> bool:
    """Answer what the message names that does not exist; say whether it did: an unknown
    partner, or a partner and a topic (or course) that do not go together."""
    if context.unknown_partner:
        names = ", ".join(p.name for p in list_partners(turn.db))
        turn.reply.say("unknown_partner", name=context.unknown_partner, known=names)
        return True
    if context.unknown_course:
        courses = search_courses(turn.db, turn.today)
        lines = [turn.reply.text("unknown_course")] + [course_line(turn, c) for c in courses]
        turn.reply.say_text("\n".join(lines))
        offer_courses(turn, courses, "ask_schedule", "pick_course")
        return True
    if context.missing_at_partner and context.partner is not None:
        partner = context.partner
        if context.elsewhere:
            others = ", ".join(dict.fromkeys(c.partner.name for c in context.elsewhere))
            turn.reply.say_text(
                "\n".join(
                    [turn.reply.text("course_elsewhere", partner=partner.name, others=others)]
                    + [course_line(turn, c) for c in context.elsewhere]
                )
            )
            alternatives = context.elsewhere
        else:
            topic = topic_name(context.topic or "", turn.lang) if context.topic else ""
            lines = [turn.reply.text("not_at_partner", partner=partner.name, topic=topic)]
            alternatives = search_courses(turn.db, turn.today, topic=context.topic)
            if alternatives:
                lines.append(turn.reply.text("topic_elsewhere", topic=topic))
                lines += [course_line(turn, c) for c in alternatives]
            turn.reply.say_text("\n".join(lines))
        own = search_courses(turn.db, turn.today, partner_key=partner.key)
        if own:
            turn.reply.say_text(
                "\n".join(
                    [turn.reply.text("partner_others", partner=partner.name)]
                    + [course_line(turn, c) for c in own]
                )
            )
        offer_courses(turn, [*alternatives, *own], "ask_schedule", "pick_course")
        return True
    return False


def course_title(course: Course, lang: str) -> str:
    return localized(course, "title", lang) or course.key


def course_values(turn: Turn, course: Course) -> dict[str, Any]:
    """The values every text about a course uses: its title and its partner."""
    return {"title": course_title(course, turn.lang), "partner": course.partner.name}


def course_line(turn: Turn, course: Course) -> str:
    """• Title (Partner, N weeks): next start <date>."""
    upcoming = next_session(course, turn.today)
    values = {
        "title": course_title(course, turn.lang),
        "partner": course.partner.name,
        "weeks": course.duration_weeks,
    }
    if upcoming is None:
        return turn.reply.text("course_line_no_session", **values)
    return turn.reply.text(
        "course_line", start=format_date(upcoming.start_date, turn.lang), **values
    )


def course_buttons(turn: Turn, courses: list[Course], intent: str) -> list[dict[str, str]]:
    """A button per course; a title shared by two courses of the list gets its partner."""
    titles = [course_title(c, turn.lang) for c in courses]
    shared = {t for t in titles if titles.count(t) > 1}
    return [
        {
            "title": f"{title} ({c.partner.name})" if title in shared else title,
            "payload": payload(intent, course=c.key),
        }
        for c, title in zip(courses, titles, strict=True)
    ]


def offer_courses(turn: Turn, courses: list[Course], intent: str, key: str) -> None:
    """Ask which of `courses` (message `key`), with a button each; with more than MAX_BUTTONS,
    ask which field first. The list is remembered, so the person may answer by typing."""
    courses = list(dict.fromkeys(courses))
    turn.remember(shown_courses=[c.key for c in courses], shown_sessions=None, pending=intent)
    if len(courses) <= MAX_BUTTONS:
        turn.reply.say(key, buttons=course_buttons(turn, courses, intent))
        return
    topics = list(dict.fromkeys(c.topic for c in courses))
    turn.reply.say(
        "which_course_narrow",
        count=len(courses),
        buttons=[
            {"title": topic_name(t, turn.lang), "payload": payload(intent, course_topic=t)}
            for t in topics[:MAX_BUTTONS]
        ],
    )
