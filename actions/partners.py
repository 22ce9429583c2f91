"""Who runs the trainings: all partners, one described with its courses, or an organisation
that runs none (Actiris, a CPAS…) explained in one line."""

from __future__ import annotations

import re

from rasa_sdk.events import EventType

from actions.common import AssistantAction, Turn, hand_over, payload
from actions.conditions import say_verdicts
from actions.context import (
    course_line,
    offer_courses,
    resolve,
    say_organisations,
    say_unknown,
)
from actions.courses import answer_aspects, describe_what, focus, list_courses, remember
from actions.typed_answers import follow_up_question
from bot.catalogue.queries import list_partners, search_courses
from bot.db.models import localized
from bot.reading import plain, read_aspects

# "Qui en fait ?", "who does it then?": the topic just talked about, elsewhere.
_WHO_DOES_IT = re.compile(
    r"\b(?:qui\s+en\s+(?:fait|font|donne|donnent|propose|proposent|a|ont)|"
    r"qui\s+(?:fait|propose|donne)\s+(?:ca|cela|ceci)|"
    r"who\s+(?:does|do|has|have|offers|gives|runs)\s+(?:it|that|them|one|this)|"
    r"wie\s+(?:doet|heeft|geeft|organiseert)\s+(?:dat|het|die|dit|er\s+een|dan\s+wel)|wie\s+dan\s+wel)\b"
)
# "Who runs it?": the training just talked about.
_ABOUT_IT = re.compile(r"\b(?:it|this|that|ca|cela|celle-ci|celle-la|elle|het|dat|die|deze|dit)\b")


class ActionPartners(AssistantAction):
    action_name, intent = "action_partners", "ask_partners"

    def respond(self, turn: Turn) -> list[EventType]:
        context = resolve(turn, use_memory=False, about_partner=True)
        other = follow_up_question(turn)
        if other not in (None, self.intent) and (context.courses or context.missing_at_partner):
            return hand_over(turn, other)  # "and at MolenGeek?" after a question
        explained = say_organisations(turn, context)
        if say_unknown(turn, context):
            return []
        partner = context.partner
        # "What is Cepegra?" is answered by describing the partner.
        asked = [a for a in read_aspects(turn.text) if a != "description" or context.named_courses]
        if context.named_courses and len(context.courses) == 1:
            return answer_aspects(turn, context.courses[0], asked or ["schedule"])
        if len(context.courses) == 1 and asked:
            return answer_aspects(turn, context.courses[0], asked)  # "c'est pour qui ?"
        if partner is not None and context.topic and context.courses:
            # "Does MolenGeek do cloud?": that combination only.
            intro = turn.reply.text("courses_found", what=describe_what(turn, context))
            list_courses(turn, context, intro, "ask_schedule")
            return []
        runs_course_in_focus = False
        if partner is None and not explained and not context.courses:
            in_focus = resolve(turn).courses
            if len(in_focus) == 1 and "eligibility" in asked:
                return hand_over(turn, "ask_eligibility")  # "who can do it?" is not who runs it
            if len(in_focus) == 1 and _ABOUT_IT.search(plain(turn.text)):
                partner = in_focus[0].partner  # "who runs it?"
                runs_course_in_focus = True
        remembered_topic = turn.slot("course_topic")
        who_does_it = _WHO_DOES_IT.search(plain(turn.text))
        if partner is None and not context.named_anything and remembered_topic and who_does_it:
            # "Qui en fait alors ?" after "MolenGeek ils ont de la data ?": that topic.
            context.topic = remembered_topic
            context.courses = search_courses(turn.db, turn.today, topic=remembered_topic)
        if partner is None and context.topic and context.courses:
            # "Qui fait du cloud ?": the trainings of that topic, each with its partner.
            intro = turn.reply.text("courses_found", what=describe_what(turn, context))
            list_courses(turn, context, intro, "ask_schedule")
            return remember(turn, context)
        if partner is None:
            if explained:
                return []
            partners = list_partners(turn.db)
            lines = [turn.reply.text("partners_intro")]
            lines += [f"• {p.name}: {localized(p, 'description', turn.lang)}" for p in partners]
            turn.reply.say_text(
                "\n".join(lines),
                buttons=[
                    {"title": p.name, "payload": payload("ask_partners", partner=p.key)}
                    for p in partners
                ],
            )
            return []
        turn.reply.say(
            "partner_detail",
            name=partner.name,
            description=localized(partner, "description", turn.lang),
            address=partner.address,
            website=partner.website,
            contact=partner.contact,
        )
        if runs_course_in_focus:
            return []
        if partner.courses and not turn.facts.empty:
            # Someone who told about themselves: whether each training fits them.
            say_verdicts(turn, list(partner.courses), turn.facts, "ask_schedule")
        elif partner.courses:
            lines = [turn.reply.text("partner_others", partner=partner.name)]
            lines += [course_line(turn, c) for c in partner.courses]
            turn.reply.say_text("\n".join(lines))
            offer_courses(turn, list(partner.courses), "ask_schedule", "pick_course")
        focus(turn, None)
        turn.remember(partner=partner.key)
        return []
