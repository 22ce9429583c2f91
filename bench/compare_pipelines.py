"""`make compare`: the NLU pipelines side by side, on the same data and the same held-out sets.

For config.yml (sparse features + logistic regression) and each file in bench/pipelines/:
training time, intent accuracy on the validation set (bench/dev, where the choice is made) and on
the held-out set, held-out macro-F1 (means of the three languages), entity F1,
out-of-scope rejection, parse latency, model load time ("cold start") and memory. Writes
bench/results/pipelines.json and .md.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
RESULTS = ROOT / "bench" / "results"
ENV = {
    **os.environ,
    "RASA_TELEMETRY_ENABLED": "false",
    "PYTHONWARNINGS": "ignore",
    "TF_CPP_MIN_LOG_LEVEL": "3",
}


def measure(config: Path, workdir: Path) -> dict:
    out = workdir / config.stem
    started = time.perf_counter()
    subprocess.run(
        [str(ROOT / ".venv-rasa" / "bin" / "rasa"), "train", "--data", "nlu", "--domain", "domain.yml",
         "--config", str(config), "--out", str(out), "--force", "--quiet"],
        cwd=ROOT, env=ENV, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    training = time.perf_counter() - started
    figures = workdir / f"{config.stem}.json"
    subprocess.run(
        [str(RASA_PYTHON), str(ROOT / "bench" / "nlu_eval.py"), "measure", "--model", str(out),
         "--out", str(figures)],
        cwd=ROOT, env=ENV, check=True, capture_output=True, text=True,
    )  # fmt: skip
    report = json.loads(figures.read_text(encoding="utf-8"))
    languages = report["languages"].values()
    return {
        "config": str(config.relative_to(ROOT)),
        "training_seconds": round(training, 1),
        "intent_accuracy": round(sum(x["intent_accuracy"] for x in languages) / 3, 3),
        "intent_macro_f1": round(sum(x["intent_macro_f1"] for x in languages) / 3, 3),
        "validation_accuracy": round(
            sum(x["intent_accuracy"] for x in report["validation"].values()) / 3, 3
        ),
        "entity_f1": round(
            sum(x["entities"][e]["f1"] for x in languages for e in ("partner", "course_topic")) / 6,
            3,
        ),
        "rejection": {k: v["rejection"] for k, v in report["out_of_scope"].items()},
        "parse_p95_ms": report["parse_ms"]["p95"],
        "cold_start_seconds": report["load_seconds"],
        "memory_mb": report["max_rss_mb"],
    }


def main() -> None:
    configs = [ROOT / "config.yml", *sorted((ROOT / "bench" / "pipelines").glob("*.yml"))]
    with tempfile.TemporaryDirectory(prefix="guidance-compare-") as tmp:
        rows = [measure(config, Path(tmp)) for config in configs]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "pipelines.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    lines = [
        "| pipeline | validation acc. | intent acc. | macro-F1 | entity F1 | CLINC oos | CLINC in-scope | xSID nl | xSID en "
        "| parse p95 (ms) | load (s) | memory (MB) | training (s) |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in rows:
        rej = list(r["rejection"].values())
        lines.append(
            f"| {r['config']} | {r['validation_accuracy']} | {r['intent_accuracy']} | {r['intent_macro_f1']} | {r['entity_f1']} "
            f"| {rej[0]} | {rej[1]} | {rej[2]} | {rej[3]} | {r['parse_p95_ms']} "
            f"| {r['cold_start_seconds']} | {r['memory_mb']} | {r['training_seconds']} |"
        )
    (RESULTS / "pipelines.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
