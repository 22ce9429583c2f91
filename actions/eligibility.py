"""Eligibility questions: which course they are about, then its conditions, a check against
what the person said (in this message or earlier), or which trainings fit them."""

from __future__ import annotations

from rasa_sdk.events import EventType, FollowupAction

from actions.common import AssistantAction, Turn, hand_over
from actions.conditions import say_verdicts, say_what_fits
from actions.context import about_an_organisation, resolve, say_organisations, say_unknown
from actions.courses import answer_aspects, ask_which_course, remember
from actions.typed_answers import follow_up_question
from bot.catalogue.queries import search_courses
from bot.reading import asks_which_trainings, read_aspects, wants_to_sign_up

MAX_COURSES_CHECKED = 8


class ActionEligibility(AssistantAction):
    action_name, intent = "action_eligibility", "ask_eligibility"

    def respond(self, turn: Turn) -> list[EventType]:
        other = follow_up_question(turn)
        if other not in (None, self.intent):
            return hand_over(turn, str(other))  # "and the e-commerce one?"
        named = resolve(turn, use_memory=False)
        if about_an_organisation(turn, named):
            return []
        # "Welke opleidingen mag ik dan volgen?" is about them all, not the one in focus.
        context = resolve(turn, use_memory=not asks_which_trainings(turn.text))
        turn.remember(last_question=self.intent)
        say_organisations(turn, context)
        if say_unknown(turn, context):
            return []
        facts = turn.facts
        told_now = not turn.situation.empty
        if not context.courses and (told_now or not facts.empty) and not context.named_anything:
            # "I'm 20, at Actiris, I live in Forest: what can I join?"
            say_what_fits(turn, search_courses(turn.db, turn.today), facts)
            return []
        if not context.courses or (len(context.courses) > 1 and facts.empty):
            return ask_which_course(turn, context, "ask_eligibility")
        if len(context.courses) > MAX_COURSES_CHECKED:
            say_what_fits(turn, context.courses, facts)
            return []
        if len(context.courses) > 1:
            say_verdicts(turn, context.courses, facts)
            return remember(turn, context)
        if wants_to_sign_up(turn.text):
            # "I'm 24, at Actiris, sign me up for X": the facts will fill the form.
            return [FollowupAction("action_start_preregistration")]
        # Anything else asked of the course in the same message ("and is it free?").
        others = [a for a in read_aspects(turn.text) if a != "eligibility"]
        return answer_aspects(turn, context.courses[0], ["eligibility", *others])
