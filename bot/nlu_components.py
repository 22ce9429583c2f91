"""NLU components of our own, named in config.yml and loaded by the engine (.venv-rasa, which
puts the project root on its path); the application never imports this module.

`WeightedLogisticRegressionClassifier` is Rasa's logistic regression with its class weighting set
in config.yml instead of always "balanced". Rasa's own classifier weights each intent by the
inverse of its number of examples. `out_of_scope` has by far the most examples, because the
world outside the assistant's job is large, so "balanced" made it the least likely answer. On
the same data, unweighted classes declined 4 more points of CLINC150 oos_val and 3 more of xSID
nl.valid, and answered as many of the validation set (bench/dev) right or more (README,
"Understanding").

`IntentEntityFilter` drops the entities that mean nothing for the predicted intent.
"""

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.training_data.message import Message


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
    def validate_config(cls, config: dict[str, Any]) -> None:
        if config.get("class_weight") not in (None, "balanced"):
            raise ValueError(
                f"class_weight must be null or 'balanced', not {config['class_weight']!r}"
            )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class IntentEntityFilter(GraphComponent, EntityExtractorMixin):
    """Drops the entities that mean nothing for the predicted intent (`drop`: intent → entity
    names). "Are you an AI?" asks about the assistant, not the data/AI trainings, and "delete my
    data" about the person's data: their `course_topic` would be noise for the actions."""

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        return {"drop": {}}

    def __init__(self, config: dict[str, Any]) -> None:
        self.drop = {intent: set(names) for intent, names in (config.get("drop") or {}).items()}

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "IntentEntityFilter":
        return cls(config)

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            dropped = self.drop.get((message.get("intent") or {}).get("name"))
            if dropped:
                kept = [e for e in message.get("entities") or [] if e["entity"] not in dropped]
                message.set("entities", kept, add_to_output=True)
        return messages
