"""NLU components of our own, named in config.yml and loaded by the engine (.venv-rasa, which
puts the project root on its path); the application never imports this module.

`WeightedLogisticRegressionClassifier` is Rasa's logistic regression with its class weighting set
in config.yml instead of always "balanced". Rasa's own classifier weights each intent by the
inverse of its number of examples. `out_of_scope` has by far the most examples, because the
world outside the assistant's job is large, so "balanced" made it the least likely answer. On
the same data, unweighted classes declined 4 more points of CLINC150 oos_val and 3 more of xSID
nl.valid, and answered as many of the validation set (bench/dev) right or more (README,
"Understanding"). It also loads its coefficients in the memory order that spares a copy of the
whole matrix on every parse.

`UnknownWordsFallbackClassifier` is Rasa's FallbackClassifier with a second, higher threshold for
messages that hold a word the training data never uses. Off-topic questions (banking, travel,
cooking) are full of such words, the assistant's own questions seldom are: 0.85 of CLINC150's
out-of-scope validation messages hold one, against 0.05 of the in-scope validation set
(bench/results/fallback.md). So the assistant trusts its reading of a message it knows every
word of down to a lower confidence, and declines more of the rest.

`TypoTolerantEntityExtractor` finds the partners and topics that the lookup tables miss because
of a typo ("cybersecrity", "javscript", "machien learning").

`IntentEntityFilter` drops the entities that mean nothing for the predicted intent.
"""

import json
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.nlu.tokenizers.tokenizer import Tokenizer
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.reading import edit_distance


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class WeightedLogisticRegressionClassifier(LogisticRegressionClassifier):
    """`class_weight`: "balanced" (Rasa's choice) or null (every example counts the same)."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {**LogisticRegressionClassifier.get_default_config(), "class_weight": None}

    def __init__(
        self,
        config: dict[str, Any],
        name: str,
        model_storage: ModelStorage,
        resource: Resource,
    ) -> None:
        super().__init__(config, name, model_storage, resource)
        self.clf.set_params(class_weight=self.config["class_weight"])

    @classmethod
    def load(cls, *args: Any, **kwargs: Any) -> "WeightedLogisticRegressionClassifier":
        component = super().load(*args, **kwargs)
        coefficients = getattr(component.clf, "coef_", None)
        if coefficients is not None:
            # scikit-learn scores a message as X @ coef_.T. With coef_ in row order, scipy copies
            # the whole transposed matrix (intents × n-grams, about 11 MB) on every parse, which
            # was half the parse time; in column order the transpose needs no copy.
            component.clf.coef_ = np.asfortranarray(coefficients)
        return component

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if config.get("class_weight") not in (None, "balanced"):
            raise ValueError(
                f"class_weight must be null or 'balanced', not {config['class_weight']!r}"
            )


def training_words(training_data: TrainingData) -> set[str]:
    """Every word of the training examples, lower-cased, as the tokenizer split them."""
    return {
        token.text.lower()
        for example in training_data.training_examples
        for token in example.get("text_tokens") or []
    }


def unknown_words(message: Message, known: set[str]) -> int:
    """How many of the message's words the training data never uses. Numbers (an age, a phone
    number, a postcode) are values, not words, and do not count."""
    return sum(
        1
        for token in message.get("text_tokens") or []
        if token.text.lower() not in known and not any(ch.isdigit() for ch in token.text)
    )


class BuiltFromConfig(GraphComponent):
    """A component whose constructor takes Rasa's config, model storage and resource."""

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource):
        raise NotImplementedError

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> GraphComponent:
        return cls(config, model_storage, resource)


class LearntFromTrainingData(BuiltFromConfig):
    """A component that keeps what it learnt from the training data in the model, as JSON in
    `SAVED_FILE`, and is built again from it on load (`saved`: None when the model holds none).
    Subclasses keep Rasa's model storage and resource as `_model_storage` and `_resource`."""

    SAVED_FILE: str
    _model_storage: ModelStorage
    _resource: Resource

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        saved: Any = None,
    ) -> None:
        raise NotImplementedError

    def save(self, learnt: Any) -> Resource:
        with self._model_storage.write_to(self._resource) as directory:
            (directory / self.SAVED_FILE).write_text(json.dumps(learnt), encoding="utf-8")
        return self._resource

    @classmethod
    def load(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
        **kwargs: Any,
    ) -> GraphComponent:
        try:
            with model_storage.read_from(resource) as directory:
                saved = json.loads((directory / cls.SAVED_FILE).read_text(encoding="utf-8"))
        except (ValueError, FileNotFoundError):
            saved = None
        return cls(config, model_storage, resource, saved)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=True)
class UnknownWordsFallbackClassifier(LearntFromTrainingData, FallbackClassifier):
    """`threshold` applies to messages whose words are all in the training data,
    `unknown_words_threshold` to the others; `ambiguity_threshold` as in Rasa. The parse result
    carries `unknown_words`, the count, for `make tune`."""

    SAVED_FILE = "known_words.json"

    @classmethod
    def required_components(cls) -> list[type]:
        # Rasa checks the training node too, which learns the words and needs no classifier;
        # config.yml puts this component after the logistic regression.
        return [Tokenizer]

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        defaults = FallbackClassifier.get_default_config()
        return {**defaults, "unknown_words_threshold": defaults["threshold"]}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        saved: list[str] | None = None,
    ) -> None:
        FallbackClassifier.__init__(self, {**self.get_default_config(), **config})
        self._model_storage = model_storage
        self._resource = resource
        self.known_words = set(saved or ())

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if config.get("unknown_words_threshold", 0.0) < config.get("threshold", 0.0):
            raise ValueError("unknown_words_threshold must not be lower than threshold")

    def train(self, training_data: TrainingData) -> Resource:
        self.known_words = training_words(training_data)
        return self.save(sorted(self.known_words))

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            message.set("unknown_words", unknown_words(message, self.known_words), True)
        return super().process(messages)

    def _nlu_confidence_below_threshold(self, message: Message) -> tuple[bool, float]:
        confidence = message.data["intent"].get("confidence")
        key = "unknown_words_threshold" if message.get("unknown_words") else "threshold"
        return confidence < self.component_config[key], confidence


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class IntentEntityFilter(BuiltFromConfig, EntityExtractorMixin):
    """Drops the entities that mean nothing for the predicted intent (`drop`: intent → entity
    names). "Are you an AI?" asks about the assistant, not the data/AI trainings, and "delete my
    data" about the person's data: their `course_topic` would be noise for the actions."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"drop": {}}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource):
        self.drop = {intent: set(names) for intent, names in (config.get("drop") or {}).items()}

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            dropped = self.drop.get((message.get("intent") or {}).get("name"))
            if dropped:
                kept = [e for e in message.get("entities") or [] if e["entity"] not in dropped]
                message.set("entities", kept, add_to_output=True)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=True)
class TypoTolerantEntityExtractor(LearntFromTrainingData, EntityExtractorMixin):
    """Matches runs of one to three words against the lookup tables of `entities`, allowing one
    typo in names of 6 to 9 letters and two from 10 letters on.

    Only words that never occur in the training data are taken for typos: a real word ("could",
    "design") is never read as a misspelt topic. A match must point to one value only, and it is
    given as that value (the synonyms of the training data), next to what the regexes found.
    """

    SAVED_FILE = "typo_tolerant_vocabulary.json"

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"entities": ["partner", "course_topic"]}

    def __init__(
        self,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        saved: dict[str, Any] | None = None,
    ) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        saved = saved or {}
        # entity → {name as written in the lookup: value}
        self.names: dict[str, dict[str, str]] = saved.get("names", {})
        self.known_words = set(saved.get("known_words", ()))
        # A typo rarely hits both ends of a name: candidates share its length (give or take the
        # typos) and its first two or last two letters, which keeps parsing fast.
        self.candidates: dict[tuple[int, str], list[tuple[str, str, str]]] = {}
        for entity, entity_names in self.names.items():
            for name, value in entity_names.items():
                for end in {name[:2], name[-2:]}:
                    self.candidates.setdefault((len(name), end), []).append((name, entity, value))

    def train(self, training_data: TrainingData) -> Resource:
        synonyms = {k.lower(): v for k, v in training_data.entity_synonyms.items()}
        for table in training_data.lookup_tables:
            if table["name"] in self.config["entities"]:
                self.names[table["name"]] = {
                    name.lower(): synonyms.get(name.lower(), name.lower())
                    for name in table["elements"]
                    if len(name) >= 6
                }
        self.known_words = training_words(training_data)
        return self.save({"names": self.names, "known_words": sorted(self.known_words)})

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            entities = list(message.get("entities") or [])
            taken = [(e["start"], e["end"]) for e in entities]
            tokens = message.get("text_tokens") or []
            for size in (3, 2, 1):
                for first in range(len(tokens) - size + 1):
                    run = tokens[first : first + size]
                    start, end = run[0].start, run[-1].end
                    if any(start < e and s < end for s, e in taken):
                        continue
                    words = [t.text.lower() for t in run]
                    if all(word in self.known_words for word in words):
                        continue
                    found = self._match(" ".join(words))
                    if found:
                        entity, value = found
                        taken.append((start, end))
                        entities.append(
                            {
                                "entity": entity,
                                "start": start,
                                "end": end,
                                "value": value,
                                "confidence_entity": 1.0,
                                "extractor": self.__class__.__name__,
                            }
                        )
            message.set("entities", entities, add_to_output=True)
        return messages

    def _match(self, text: str) -> tuple[str, str] | None:
        if len(text) < 6:
            return None
        limit = 1 if len(text) < 10 else 2
        found = {
            (entity, value)
            for length in range(len(text) - limit, len(text) + limit + 1)
            for end in {text[:2], text[-2:]}
            for name, entity, value in self.candidates.get((length, end), ())
            if edit_distance(text, name, limit) <= limit
        }
        return found.pop() if len(found) == 1 else None
