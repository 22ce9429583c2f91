"""`make tune`: choose the FallbackClassifier threshold on validation data, never on test sets.

Reads the trained model's raw top intent and its confidence for the validation set bench/dev/
(written apart from nlu/ and tests/nlu/, in scope) and for the public validation sets that are
all out of scope (CLINC150 oos_train and oos_val, xSID nl.valid). For each threshold: the in-scope share
answered with the right intent, and the out-of-scope share declined. The threshold only acts
after the classifier, so the model in models/ serves for every threshold. Writes
bench/results/fallback.md.
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
REJECTION_TARGET = 0.90


def top(ranking: list[list]) -> tuple[str, float]:
    """The classifier's own best guess, before the fallback rewrote it."""
    for name, confidence in ranking:
        if name != "nlu_fallback":
            return name, confidence
    return "nlu_fallback", 0.0


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="guidance-tune-") as tmp:
        confidences = Path(tmp) / "confidences.json"
        subprocess.run(
            [str(ROOT / ".venv-rasa" / "bin" / "python"), str(ROOT / "bench" / "nlu_eval.py"),
             "confidences", "--model", str(ROOT / "models"), "--data", str(VALIDATION),
             "--out", str(confidences)],
            cwd=ROOT, env=ENV, check=True, capture_output=True, text=True,
        )  # fmt: skip
        raw = json.loads(confidences.read_text(encoding="utf-8"))
    in_scope = [(item["gold"], *top(item["ranking"])) for item in raw["in_scope"]]
    out_of_scope = {
        name: [top(r) for r in rankings] for name, rankings in raw["out_of_scope"].items()
    }
    rows = []
    for step in range(5, 96, 5):
        threshold = step / 100

        def decided(name: str, confidence: float, threshold: float = threshold) -> str:
            return "nlu_fallback" if confidence < threshold else name

        right = sum(
            decided(n, c) == g or (g == "out_of_scope" and decided(n, c) in REJECTED)
            for g, n, c in in_scope
        )
        declined = [
            sum(decided(n, c) in REJECTED for n, c in tops) / len(tops)
            for tops in out_of_scope.values()
        ]
        rows.append((threshold, right / len(in_scope), declined))
    # The rejection target, 0.90 on every out-of-scope set, at the least cost in scope;
    # if no threshold reaches it, the best balance.
    reaching = [r for r in rows if min(r[2]) >= REJECTION_TARGET]
    if reaching:
        best = max(reaching, key=lambda r: (r[1], -r[0]))
        rule = f"the most in-scope answers right with every set declined ≥ {REJECTION_TARGET}"
    else:
        best = max(rows, key=lambda r: min(r[1], *r[2]))
        rule = "no threshold declines every set enough; highest of the minima"
    lines = [
        f"Validation: {len(in_scope)} in-scope utterances (bench/dev/) and out-of-scope ones: "
        + ", ".join(f"{name} ({len(tops)})" for name, tops in out_of_scope.items())
        + ".",
        "",
        "| threshold | in scope answered right | "
        + " | ".join(f"{name} declined" for name in out_of_scope)
        + " |",
        "| ---: | ---: | " + " | ".join("---:" for _ in out_of_scope) + " |",
        *(
            f"| {t:.2f} | {a:.3f} | " + " | ".join(f"{d:.3f}" for d in declined) + " |"
            for t, a, declined in rows
        ),
        "",
        f"Chosen ({rule}): threshold {best[0]:.2f}.",
    ]
    out = ROOT / "bench" / "results" / "fallback.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
