"""Who runs the trainings: all partners, or one described with its courses."""

from __future__ import annotations

from rasa_sdk.events import EventType, SlotSet

from actions.common import AssistantAction, Turn, payload
from actions.context import course_buttons, course_title, resolve, say_unknown
from bot.catalogue.queries import list_partners
from bot.db.models import localized


class ActionPartners(AssistantAction):
    action_name = "action_partners"

    def respond(self, turn: Turn) -> list[EventType]:
        context = resolve(turn, use_memory=False)
        if say_unknown(turn, context):
            return []
        partner = context.partner
        if partner is None:
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
        if partner.courses:
            titles = ", ".join(course_title(c, turn.lang) for c in partner.courses)
            turn.reply.say(
                "partner_courses",
                titles=titles,
                buttons=course_buttons(turn, partner.courses, "ask_schedule"),
            )
        return [SlotSet("partner", partner.key), SlotSet("course", None)]
