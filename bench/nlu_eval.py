"""`make eval`: how well the engine understands, measured on data it was not trained on.

Runs in the engine's environment (.venv-rasa): it loads a trained model and parses
- the held-out set in tests/nlu/ (written apart from nlu/): per language, intent accuracy,
  macro-F1, `partner`/`course_topic` entity precision, recall and F1, the confusions;
- the validation set in bench/dev/ (written apart from both): intent accuracy, macro-F1 and
  entity F1.
  Choices (data, pipeline, fallback thresholds) are made on it, so that the held-out set only
  ever measures;
- public sets that are all out of scope here (../shared/eval-data, never trained on): the share
  that ends as `nlu_fallback` or `out_of_scope` ("rejection");
- parse latency. `measure` also times the model's load and its memory, for the comparison
  of pipelines; `confidences` gives raw predictions for tuning the fallback thresholds; `parse`
  prints what the model makes of a few messages, for tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
EVAL_DATA = ROOT.parent / "shared" / "eval-data"
HELD_OUT = ROOT / "tests" / "nlu"
VALIDATION = ROOT / "bench" / "dev"
REJECTED = {"nlu_fallback", "out_of_scope"}
SCORED_ENTITIES = ("partner", "course_topic")
LANGUAGES = ("fr", "nl", "en")


# --------------------------------------------------------------------------- data


def labelled(language: str, directory: Path = HELD_OUT) -> list[dict[str, Any]]:
    """Examples of <directory>/<language>.yml with their gold intent and entities."""
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(str(directory / f"{language}.yml"))
    examples = []
    for message in data.intent_examples:
        entities = {
            (e["entity"], str(e.get("value")))
            for e in message.get("entities") or []
            if e["entity"] in SCORED_ENTITIES
        }
        examples.append(
            {"text": message.get("text"), "intent": message.get("intent"), "entities": entities}
        )
    return examples


def clinc(split: str, *, in_scope: bool) -> list[str]:
    data = json.loads((EVAL_DATA / "clinc150" / "data_full.json").read_text(encoding="utf-8"))
    if not in_scope:
        return [text for text, _ in data[split]]
    domains = json.loads((EVAL_DATA / "clinc150" / "domains.json").read_text(encoding="utf-8"))
    excluded = set(domains["small_talk"]) | set(domains["meta"])
    return [text for text, label in data[split] if label not in excluded]


def xsid(name: str) -> list[str]:
    lines = (EVAL_DATA / "xsid" / name).read_text(encoding="utf-8").splitlines()
    return [line.split("=", 1)[1].strip() for line in lines if line.startswith("# text =")]


OUT_OF_SCOPE_SETS = {
    "clinc150_oos_test": lambda: clinc("oos_test", in_scope=False),
    "clinc150_in_scope_test_outside_small_talk_meta": lambda: clinc("test", in_scope=True),
    "xsid_nl_test": lambda: xsid("nl.test.conll"),
    "xsid_en_test": lambda: xsid("en.test.conll"),
}
# CLINC150's out-of-scope training split is never trained on either, so it joins oos_val: with
# 100 utterances alone, one message moved the rejection rate by a whole point.
VALIDATION_OUT_OF_SCOPE = {
    "clinc150_oos_train_and_val": lambda: (
        clinc("oos_train", in_scope=False) + clinc("oos_val", in_scope=False)
    ),
    "xsid_nl_valid": lambda: xsid("nl.valid.conll"),
}


# --------------------------------------------------------------------------- parsing


def load_agent(model: str) -> Any:
    # config.yml names a component of ours (engine.components), found from the project root.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    from rasa.core.agent import Agent
    from rasa.model import get_latest_model

    path = get_latest_model(model) if Path(model).is_dir() else model
    return Agent.load(path)


def parse_all(agent: Any, texts: list[str]) -> tuple[list[dict[str, Any]], list[float]]:
    async def run() -> tuple[list[dict[str, Any]], list[float]]:
        results, latencies = [], []
        for text in texts:
            started = time.perf_counter()
            results.append(await agent.parse_message(text))
            latencies.append((time.perf_counter() - started) * 1000)
        return results, latencies

    return asyncio.run(run())


# --------------------------------------------------------------------------- scoring


def macro_f1(gold: list[str], predicted: list[str]) -> float:
    scores = []
    for label in sorted(set(gold)):
        tp = sum(g == p == label for g, p in zip(gold, predicted, strict=True))
        fp = sum(p == label and g != label for g, p in zip(gold, predicted, strict=True))
        fn = sum(g == label and p != label for g, p in zip(gold, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        scores.append(2 * precision * recall / (precision + recall) if precision + recall else 0.0)
    return sum(scores) / len(scores)


def entity_scores(gold: list[set], predicted: list[set]) -> dict[str, dict[str, float]]:
    scores = {}
    for name in SCORED_ENTITIES:
        tp = fp = fn = 0
        for g, p in zip(gold, predicted, strict=True):
            g_, p_ = {e for e in g if e[0] == name}, {e for e in p if e[0] == name}
            tp, fp, fn = tp + len(g_ & p_), fp + len(p_ - g_), fn + len(g_ - p_)
        precision = tp / (tp + fp) if tp + fp else 1.0
        recall = tp / (tp + fn) if tp + fn else 1.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        scores[name] = {
            "precision": round(precision, 3),
            "recall": round(recall, 3),
            "f1": round(f1, 3),
        }
    return scores


def predicted_entities(result: dict[str, Any]) -> set[tuple[str, str]]:
    return {
        (e["entity"], str(e.get("value")))
        for e in result.get("entities") or []
        if e["entity"] in SCORED_ENTITIES
    }


def scored_intents(gold: list[str], results: list[dict[str, Any]]) -> list[str]:
    """The predicted intents, where declining an off-topic question counts as right, whether
    as out_of_scope or as fallback."""
    return [
        "out_of_scope" if g == "out_of_scope" and r["intent"]["name"] in REJECTED
        else r["intent"]["name"]
        for g, r in zip(gold, results, strict=True)
    ]  # fmt: skip


def scored_set(
    agent: Any, language: str, directory: Path
) -> tuple[dict[str, Any], list[tuple[dict[str, Any], str]], list[float]]:
    """Intent and entity figures of one language's set, each example with its predicted intent,
    and the parse latencies."""
    examples = labelled(language, directory)
    results, latencies = parse_all(agent, [e["text"] for e in examples])
    gold = [e["intent"] for e in examples]
    predicted = scored_intents(gold, results)
    figures = {
        "examples": len(examples),
        "intent_accuracy": round(
            sum(g == p for g, p in zip(gold, predicted, strict=True)) / len(gold), 3
        ),
        "intent_macro_f1": round(macro_f1(gold, predicted), 3),
        "entities": entity_scores(
            [e["entities"] for e in examples], [predicted_entities(r) for r in results]
        ),
    }
    return figures, list(zip(examples, predicted, strict=True)), latencies


def validation(agent: Any) -> dict[str, Any]:
    return {language: scored_set(agent, language, VALIDATION)[0] for language in LANGUAGES}


def evaluate(agent: Any) -> dict[str, Any]:
    report: dict[str, Any] = {"languages": {}, "out_of_scope": {}}
    all_latencies: list[float] = []
    for language in LANGUAGES:
        figures, predicted, latencies = scored_set(agent, language, HELD_OUT)
        all_latencies += latencies
        confusions = Counter((e["intent"], p) for e, p in predicted if e["intent"] != p)
        mistakes = defaultdict(list)
        for example, p in predicted:
            if example["intent"] != p:
                mistakes[f"{example['intent']} → {p}"].append(example["text"])
        report["languages"][language] = {
            **figures,
            "confusions": [
                {"gold": g, "predicted": p, "count": n, "examples": mistakes[f"{g} → {p}"][:3]}
                for (g, p), n in confusions.most_common(15)
            ],
        }
    for name, load in OUT_OF_SCOPE_SETS.items():
        texts = load()
        results, latencies = parse_all(agent, texts)
        all_latencies += latencies
        answered = Counter(
            r["intent"]["name"] for r in results if r["intent"]["name"] not in REJECTED
        )
        rejected = sum(r["intent"]["name"] in REJECTED for r in results)
        report["out_of_scope"][name] = {
            "utterances": len(texts),
            "rejection": round(rejected / len(texts), 3),
            "taken_for": dict(answered.most_common(5)),
        }
    report["validation"] = validation(agent)
    report["language_identification"] = language_identification()
    report["parse_ms"] = {
        "p50": round(statistics.median(all_latencies), 2),
        "p95": round(sorted(all_latencies)[int(0.95 * len(all_latencies))], 2),
        "parses": len(all_latencies),
    }
    return report


def language_identification() -> dict[str, Any]:
    """How the assistant's language heuristic (bot.language) reads the held-out utterances:
    right, undecided, or wrong — wrong would switch a conversation's language by mistake."""
    sys.path.insert(0, str(ROOT))
    from bot.language import FIRST_MESSAGE_MARGIN, SWITCH_MARGIN, detect_language

    figures = {}
    for language in LANGUAGES:
        texts = [e["text"] for e in labelled(language)]
        for margin in (FIRST_MESSAGE_MARGIN, SWITCH_MARGIN):
            found = [detect_language(t, margin=margin) for t in texts]
            figures[f"{language}_margin_{margin:g}"] = {
                "right": round(sum(f == language for f in found) / len(texts), 3),
                "undecided": round(sum(f is None for f in found) / len(texts), 3),
                "wrong": round(sum(f not in (None, language) for f in found) / len(texts), 3),
            }
    return figures


def language_table(by_language: dict[str, Any]) -> list[str]:
    lines = [
        "| language | utterances | intent accuracy | intent macro-F1 | partner F1 | course_topic F1 |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
    ]
    for language, figures in by_language.items():
        entities = figures["entities"]
        lines.append(
            f"| {language} | {figures['examples']} | {figures['intent_accuracy']:.3f} "
            f"| {figures['intent_macro_f1']:.3f} | {entities['partner']['f1']:.3f} "
            f"| {entities['course_topic']['f1']:.3f} |"
        )
    return lines


def markdown(report: dict[str, Any]) -> str:
    lines = [
        *language_table(report["languages"]),
        "",
        "Validation set (bench/dev/, where choices are made):",
        "",
        *language_table(report["validation"]),
    ]
    lines += ["", "| out-of-scope set | utterances | rejected |", "| --- | ---: | ---: |"]
    for name, figures in report["out_of_scope"].items():
        lines.append(f"| {name} | {figures['utterances']} | {figures['rejection']:.3f} |")
    lines += [
        "",
        "Language of the held-out utterances as the heuristic reads it (first message, and switching a conversation: margins in nats of the word model, bot/language.py):",
        "",
        "| language, margin | right | undecided | wrong |",
        "| --- | ---: | ---: | ---: |",
    ]
    for name, f in report["language_identification"].items():
        lines.append(f"| {name} | {f['right']:.3f} | {f['undecided']:.3f} | {f['wrong']:.3f} |")
    parse = report["parse_ms"]
    lines += [
        "",
        f"Parse latency: p50 {parse['p50']} ms, p95 {parse['p95']} ms ({parse['parses']} parses).",
    ]
    lines += ["", "Most frequent confusions (gold → predicted):", ""]
    for language, figures in report["languages"].items():
        for c in figures["confusions"][:5]:
            lines.append(
                f"- {language}: {c['gold']} → {c['predicted']} ×{c['count']} (e.g. “{c['examples'][0]}”)"
            )
    return "\n".join(lines) + "\n"


def raw_prediction(result: dict[str, Any]) -> dict[str, Any]:
    """What the fallback decided on: the two likeliest intents and the count of unknown words."""
    return {
        "ranking": [(i["name"], i["confidence"]) for i in result.get("intent_ranking", [])[:2]],
        "unknown_words": result.get("unknown_words", 0),
    }


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["evaluate", "measure", "confidences", "parse"])
    parser.add_argument("--model", default=str(ROOT / "models"))
    parser.add_argument("--out", type=Path)
    parser.add_argument("--markdown", type=Path)
    parser.add_argument("--data", type=Path, help="NLU file whose examples to parse (confidences)")
    parser.add_argument("--text", action="append", default=[], help="a message to parse (parse)")
    args = parser.parse_args()
    started = time.perf_counter()
    agent = load_agent(args.model)
    asyncio.run(agent.parse_message("hello"))
    load_seconds = time.perf_counter() - started
    if args.command == "parse":
        results, _ = parse_all(agent, args.text)
        sys.stdout.write(json.dumps(results, ensure_ascii=False) + "\n")
        return
    if args.command == "confidences":
        from rasa.shared.nlu.training_data.loading import load_data

        examples = [
            (m.get("text"), m.get("intent")) for m in load_data(str(args.data)).intent_examples
        ]
        texts = [t for t, _ in examples]
        oos = {name: load() for name, load in VALIDATION_OUT_OF_SCOPE.items()}
        in_scope, _ = parse_all(agent, texts)
        output: dict[str, Any] = {
            "in_scope": [
                {"gold": g, **raw_prediction(r)}
                for (_, g), r in zip(examples, in_scope, strict=True)
            ],
            "out_of_scope": {},
        }
        for name, texts_ in oos.items():
            results, _ = parse_all(agent, texts_)
            output["out_of_scope"][name] = [raw_prediction(r) for r in results]
        args.out.write_text(json.dumps(output), encoding="utf-8")
        return
    report = evaluate(agent)
    if args.command == "measure":
        report["load_seconds"] = round(load_seconds, 1)
        report["max_rss_mb"] = round(rss_mb())
    text = json.dumps(report, ensure_ascii=False, indent=2) + "\n"
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    if args.markdown:
        args.markdown.write_text(markdown(report), encoding="utf-8")
    print(markdown(report), file=sys.stderr)


if __name__ == "__main__":
    main()
