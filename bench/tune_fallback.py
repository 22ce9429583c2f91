"""`make tune`: choose the FallbackClassifier threshold on validation data, never on test sets.

Reads the trained model's raw top intent and its confidence for the validation set bench/dev/
(written apart from nlu/ and tests/nlu/, in scope) and for the public validation sets that are
all out of scope (CLINC150 oos_val, xSID nl.valid). For each threshold: the in-scope share
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
    out_of_scope = [top(r) for rankings in raw["out_of_scope"].values() for r in rankings]
    rows = []
    for step in range(5, 96, 5):
        threshold = step / 100

        def decided(name: str, confidence: float, threshold: float = threshold) -> str:
            return "nlu_fallback" if confidence < threshold else name

        right = sum(
            decided(n, c) == g or (g == "out_of_scope" and decided(n, c) in REJECTED)
            for g, n, c in in_scope
        )
        declined = sum(decided(n, c) in REJECTED for n, c in out_of_scope)
        rows.append((threshold, right / len(in_scope), declined / len(out_of_scope)))
    best = max(rows, key=lambda r: min(r[1], r[2]))
    lines = [
        f"Validation: {len(in_scope)} in-scope utterances (bench/dev/) and "
        f"{len(out_of_scope)} out-of-scope ones (CLINC150 oos_val, xSID nl.valid).",
        "",
        "| threshold | in scope answered right | out of scope declined |",
        "| ---: | ---: | ---: |",
        *(f"| {t:.2f} | {a:.3f} | {d:.3f} |" for t, a, d in rows),
        "",
        f"Best balance (highest of the two minima): threshold {best[0]:.2f}.",
    ]
    out = ROOT / "bench" / "results" / "fallback.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
