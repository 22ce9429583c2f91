"""Which courses a question is about: named in this message, else the ones talked about before."""

from __future__ import annotations

from dataclasses import dataclass, field

from actions.common import Turn, payload
from bot.catalogue.queries import get_course, get_partner, list_partners, search_courses
from bot.db.models import Course, Partner, localized

NOT_A_TRAINING_PARTNER = "actiris"


@dataclass
class CourseContext:
    courses: list[Course] = field(default_factory=list)
    partner: Partner | None = None
    topic: str | None = None
    unknown_partner: str | None = None
    unknown_course: str | None = None

    @property
    def named_anything(self) -> bool:
        return bool(self.partner or self.topic or self.unknown_partner or self.unknown_course)


def resolve(turn: Turn, *, use_memory: bool = True) -> CourseContext:
    """Courses matching the course, partner and topic of this message.

    When the message names none of them, the course, partner or topic of the conversation so far
    is used (`use_memory`), so "and where is it?" follows the previous answer.
    """
    course_key = turn.entity("course")
    # Actiris is named as a condition ("registered at Actiris"), not as a training organiser.
    partners = [p for p in turn.entities("partner") if p != NOT_A_TRAINING_PARTNER]
    partner_key = partners[0] if partners else None
    topic = turn.entity("course_topic")
    if use_memory and not (course_key or partner_key or topic):
        course_key = turn.slot("course")
        if not course_key:
            partner_key, topic = turn.slot("partner"), turn.slot("course_topic")
    context = CourseContext(topic=topic)
    if course_key:
        course = get_course(turn.db, course_key)
        if course is None:
            context.unknown_course = course_key
            return context
        context.courses = [course]
        context.partner = course.partner
        return context
    if partner_key:
        context.partner = get_partner(turn.db, partner_key)
        if context.partner is None:
            context.unknown_partner = turn_entity_text(turn, "partner") or partner_key
            return context
    if partner_key or topic:
        context.courses = search_courses(turn.db, turn.today, topic=topic, partner_key=partner_key)
    return context


def turn_entity_text(turn: Turn, name: str) -> str | None:
    """The words the person used for an entity, for "I don't know X"."""
    for entity in turn.tracker.latest_message.get("entities") or []:
        if entity.get("entity") == name:
            start, end = entity.get("start"), entity.get("end")
            if isinstance(start, int) and isinstance(end, int):
                return turn.text[start:end]
    return None


def say_unknown(turn: Turn, context: CourseContext) -> bool:
    """Answer "I don't know that one, here are the ones I know"; say whether it did."""
    if context.unknown_partner:
        names = ", ".join(p.name for p in list_partners(turn.db))
        turn.reply.say("unknown_partner", name=context.unknown_partner, known=names)
        return True
    if context.unknown_course:
        courses = search_courses(turn.db, turn.today)
        turn.reply.say("unknown_course", buttons=course_buttons(turn, courses, "ask_schedule"))
        return True
    return False


def course_title(course: Course, lang: str) -> str:
    return localized(course, "title", lang) or course.key


def course_buttons(turn: Turn, courses: list[Course], intent: str) -> list[dict[str, str]]:
    return [
        {"title": course_title(c, turn.lang), "payload": payload(intent, course=c.key)}
        for c in courses
    ]
