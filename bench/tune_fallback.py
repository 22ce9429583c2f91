"""`make tune`: choose the fallback thresholds on validation data, never on test sets.

The fallback (engine.components.UnknownWordsFallbackClassifier) has two thresholds: one for
messages whose words are all in the training data, a higher one for messages holding a word it
never uses. Reads the trained model's raw top intent, its confidence and the count of unknown
words for the validation set bench/dev/ (written apart from nlu/ and tests/nlu/, in scope) and
for the public validation sets that are all out of scope (CLINC150 oos_train and oos_val, xSID
nl.valid). For each pair of thresholds: the in-scope share answered with the right intent, and
the out-of-scope share declined. The thresholds only act after the classifier, so the model in
models/ serves for every pair. Writes bench/results/fallback.md.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VALIDATION = ROOT / "bench" / "dev"
ENV = {
    **os.environ,
    "RASA_TELEMETRY_ENABLED": "false",
    "PYTHONWARNINGS": "ignore",
    "TF_CPP_MIN_LOG_LEVEL": "3",
}
REJECTED = {"nlu_fallback", "out_of_scope"}
REJECTION_TARGET = 0.93
THRESHOLDS = [step / 100 for step in range(0, 96, 5)]

# (gold intent or None, top intent, its confidence, unknown words)
Prediction = tuple[str | None, str, float, int]
# (threshold, unknown-words threshold, in-scope share right, share declined per out-of-scope set)
Row = tuple[float, float, float, list[float]]


def top(ranking: list[list]) -> tuple[str, float]:
    """The classifier's own best guess, before the fallback rewrote it."""
    for name, confidence in ranking:
        if name != "nlu_fallback":
            return name, confidence
    return "nlu_fallback", 0.0


def predictions() -> tuple[list[Prediction], dict[str, list[Prediction]]]:
    with tempfile.TemporaryDirectory(prefix="guidance-tune-") as tmp:
        confidences = Path(tmp) / "confidences.json"
        subprocess.run(
            [str(ROOT / ".venv-rasa" / "bin" / "python"), str(ROOT / "bench" / "nlu_eval.py"),
             "confidences", "--model", str(ROOT / "models"), "--data", str(VALIDATION),
             "--out", str(confidences)],
            cwd=ROOT, env=ENV, check=True, capture_output=True, text=True,
        )  # fmt: skip
        raw = json.loads(confidences.read_text(encoding="utf-8"))
    in_scope = [
        (item["gold"], *top(item["ranking"]), item["unknown_words"]) for item in raw["in_scope"]
    ]
    out_of_scope = {
        name: [(None, *top(item["ranking"]), item["unknown_words"]) for item in items]
        for name, items in raw["out_of_scope"].items()
    }
    return in_scope, out_of_scope


def decided(prediction: Prediction, threshold: float, unknown_words_threshold: float) -> str:
    _, name, confidence, unknown = prediction
    return (
        "nlu_fallback" if confidence < (unknown_words_threshold if unknown else threshold) else name
    )


def scored(
    in_scope: list[Prediction], out_of_scope: dict[str, list[Prediction]], t: float, u: float
) -> Row:
    right = sum(
        decided(p, t, u) == p[0] or (p[0] == "out_of_scope" and decided(p, t, u) in REJECTED)
        for p in in_scope
    )
    declined = [
        sum(decided(p, t, u) in REJECTED for p in items) / len(items)
        for items in out_of_scope.values()
    ]
    return t, u, right / len(in_scope), declined


def choose(rows: list[Row]) -> tuple[Row, str]:
    """The issue's rejection target, 0.90 on every out-of-scope set, at the least cost in scope;
    between pairs that score the same, the one that declines the most, then the more cautious
    (higher thresholds). If no pair reaches the target, the best balance."""
    reaching = [r for r in rows if min(r[3]) >= REJECTION_TARGET]
    if reaching:
        best = max(reaching, key=lambda r: (round(r[2], 6), min(r[3]), r[0], r[1]))
        return best, f"the most in-scope answers right with every set declined ≥ {REJECTION_TARGET}"
    best = max(rows, key=lambda r: min(r[2], *r[3]))
    return best, "no pair declines every set enough; highest of the minima"


def table(rows: list[Row], names: list[str]) -> list[str]:
    return [
        "| threshold | unknown-words threshold | in scope answered right | "
        + " | ".join(f"{name} declined" for name in names)
        + " |",
        "| ---: | ---: | ---: | " + " | ".join("---:" for _ in names) + " |",
        *(
            f"| {t:.2f} | {u:.2f} | {a:.3f} | " + " | ".join(f"{d:.3f}" for d in declined) + " |"
            for t, u, a, declined in rows
        ),
    ]


def main() -> None:
    in_scope, out_of_scope = predictions()
    rows = [scored(in_scope, out_of_scope, t, u) for t in THRESHOLDS for u in THRESHOLDS if u >= t]
    best, rule = choose(rows)
    single = [r for r in rows if r[0] == r[1]]
    best_single, _ = choose(single)
    names = list(out_of_scope)
    unknown_share = {
        name: sum(bool(p[3]) for p in items) / len(items)
        for name, items in {"bench/dev": in_scope, **out_of_scope}.items()
    }
    lines = [
        f"Validation: {len(in_scope)} in-scope utterances (bench/dev/) and out-of-scope ones: "
        + ", ".join(f"{name} ({len(items)})" for name, items in out_of_scope.items())
        + ".",
        "",
        "Share of messages holding a word that the training data never uses: "
        + ", ".join(f"{name} {share:.3f}" for name, share in unknown_share.items())
        + ".",
        "",
        f"Chosen ({rule}): threshold {best[0]:.2f}, unknown-words threshold {best[1]:.2f}.",
        "",
        *table([best], names),
        "",
        "One threshold for every message (both equal), for comparison; the best of them: "
        f"{best_single[0]:.2f}.",
        "",
        *table(single, names),
        "",
        "For each threshold, the unknown-words threshold that the rule would choose with it:",
        "",
        *table(
            [choose([r for r in rows if r[0] == t])[0] for t in THRESHOLDS if t <= best[1]], names
        ),
    ]
    out = ROOT / "bench" / "results" / "fallback.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
