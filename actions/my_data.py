"""A person's own registrations and data: look them up, cancel one, erase everything."""

from __future__ import annotations

from rasa_sdk.events import EventType, FollowupAction, SlotSet

from actions.common import (
    CONTEXT_SLOTS,
    ERASURE_ASKED,
    FACT_SLOTS,
    AssistantAction,
    Turn,
    erasure_asked,
    hand_over,
    payload,
)
from actions.context import course_title
from actions.preregistration_form import reset_form
from actions.preregistration_summary import question_just_left
from actions.typed_answers import typed_answer
from bot.db.models import Registration
from bot.i18n import format_date
from bot.reading import speaks_of_own_registration, wants_to_sign_up
from bot.registration import (
    Status,
    cancel,
    erase,
    erase_conversation,
    find,
    find_by_reference_and_contact,
    find_contact,
    format_reference,
    mentions_a_reference,
    of_conversation,
    split_reference,
    waitlist_position,
)

ERASE_CONVERSATION = {"erase_conversation": True}


def status_text(turn: Turn, registration: Registration) -> str:
    if registration.status == Status.WAITING.value:
        return turn.reply.text("status_waiting", position=waitlist_position(turn.db, registration))
    return turn.reply.text(f"status_{registration.status}")


def registration_line(turn: Turn, registration: Registration) -> str:
    session = registration.session
    title = course_title(session.course, turn.lang) if session else registration.course_key
    start = format_date(session.start_date, turn.lang) if session else "-"
    return turn.reply.text(
        "registration_line",
        reference=format_reference(registration.reference),
        title=title,
        start=start,
        status=status_text(turn, registration),
    )


def found_by_reference(turn: Turn) -> Registration | None:
    """A registration named in the message by its reference and its contact."""
    reference, rest = split_reference(turn.text)
    if reference is None:
        return None
    # The contact alone ("ACD-479 0470 12 34 56") or in a sentence ("delete my data ACD-479,
    # my phone is 0470 12 34 56").
    contact = find_contact(rest)
    return find_by_reference_and_contact(turn.db, reference, contact) if contact else None


class ActionCheckRegistration(AssistantAction):
    action_name, intent = "action_check_registration", "check_registration"

    def respond(self, turn: Turn) -> list[EventType]:
        registrations = of_conversation(turn.db, turn.tracker.sender_id)
        if not registrations:
            found = found_by_reference(turn)
            about_it = found or mentions_a_reference(turn.text)
            answered = (
                None if about_it or speaks_of_own_registration(turn.text) else typed_answer(turn)
            )
            if answered is not None:
                return answered  # "what do they have?", "ok bevestigen" at a summary
            if found is None and turn.slot("last_question") == "ask_eligibility":
                # "Je sais pas si je suis inscrit": Actiris, in a talk about who may join.
                return hand_over(turn, "ask_eligibility")
            if found is None:
                typed = mentions_a_reference(turn.text)
                turn.reply.say("check_not_found" if typed else "check_none")
                return []
            registrations = [found]
        lines = [turn.reply.text("check_list")] + [
            registration_line(turn, r) for r in registrations
        ]
        turn.reply.say_text("\n".join(lines))
        return []


class ActionCancelRegistration(AssistantAction):
    """Cancels the registration the person picks; its seat goes to the first person waiting."""

    action_name = "action_cancel_registration"

    def respond(self, turn: Turn) -> list[EventType]:
        active = [
            r
            for r in of_conversation(turn.db, turn.tracker.sender_id)
            if r.status != Status.CANCELLED.value
        ]
        chosen = turn.entity("reference")
        target = next((r for r in active if r.reference == chosen), None) or (
            found_by_reference(turn) if not chosen else None
        )
        if (
            target is None
            and len(active) == 1
            and not chosen
            and not mentions_a_reference(turn.text)
        ):
            # "Cancel my registration" with one to cancel: asking "which one?" would only
            # offer it back.
            target = active[0]
        if target is None:
            if not active and wants_to_sign_up(turn.text):
                # "Schrijf me in voor…": a sign-up the engine took for its opposite.
                return [FollowupAction("action_start_preregistration")]
            if not active:
                turn.reply.say("cancel_none")
                return []
            turn.reply.say(
                "cancel_which",
                buttons=[
                    {
                        "title": registration_line(turn, r).lstrip("• "),
                        "payload": payload("cancel_registration", reference=r.reference),
                    }
                    for r in active
                ],
            )
            return []
        with turn.write() as db:
            cancel(db, target.reference)
        turn.reply.say("cancel_done", reference=format_reference(target.reference))
        return []


class ActionAskDeleteMyData(AssistantAction):
    """Asks for a confirmation; a registration named by reference and contact (made in another
    conversation) is remembered, to be erased too."""

    action_name = "action_ask_delete_my_data"
    hears_erasure = False

    def respond(self, turn: Turn) -> list[EventType]:
        if erasure_asked(turn.tracker):
            return [FollowupAction("action_delete_my_data")]  # asked twice in a row: confirmed
        if question_just_left(turn.tracker) == "data_consent":
            # "Non, je veux pas que vous gardiez mes infos" refuses to keep them: nothing is kept.
            turn.reply.say("consent_refused")
            return reset_form()
        named = found_by_reference(turn)
        if named is not None:
            turn.remember(erase_reference=named.reference)
        turn.remember(pending=ERASURE_ASKED)  # a "yes" the engine could not place answers it
        turn.reply.say(
            "delete_confirm",
            buttons=[
                turn.reply.button("button_delete", "affirm"),
                turn.reply.button("button_keep", "deny"),
            ],
        )
        return []


class ActionDeleteMyData(AssistantAction):
    """Erases the person's registrations' personal data; the gateway then deletes the
    conversation from the engine's tracker store, once this turn is saved."""

    action_name = "action_delete_my_data"
    hears_erasure = False

    def respond(self, turn: Turn) -> list[EventType]:
        conversations = [turn.tracker.sender_id]
        with turn.write() as db:
            count = erase_conversation(db, turn.tracker.sender_id)
            named = turn.slot("erase_reference")
            other = find(db, named) if named else None
            if other is not None and other.conversation_id:
                # Named by reference and contact: its whole conversation goes too.
                conversations.append(other.conversation_id)
                count += erase_conversation(db, other.conversation_id)
            elif other is not None and other.erased_at is None:
                count += 1
                erase(db, other)
        turn.reply.say("delete_done", count=count)
        turn.reply.instructions.append({**ERASE_CONVERSATION, "conversations": conversations})
        return [
            SlotSet("erase_reference", None),
            *reset_form(),
            *(SlotSet(name, None) for name in (*FACT_SLOTS, *CONTEXT_SLOTS)),
            SlotSet("session", None),
            SlotSet("course", None),
            SlotSet("previous_course", None),
            SlotSet("partner", None),
            SlotSet("course_topic", None),
            # Run as a follow-up of another action, nothing comes after the erasure.
            FollowupAction("action_listen"),
        ]


class ActionKeepMyData(AssistantAction):
    action_name = "action_keep_my_data"
    hears_erasure = False

    def respond(self, turn: Turn) -> list[EventType]:
        turn.reply.say("delete_kept")
        return [SlotSet("erase_reference", None)]
