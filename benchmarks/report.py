"""One run, every runtime side by side, and the latency table of docs/benchmarks.md regenerated.

    python -m benchmarks.report            # full plan (~10 min on the 2-core x86 machine)
    python -m benchmarks.report --quick    # under a minute, for a look
    python -m benchmarks.report --from benchmarks/results/x86-dev.json   # the table only

Runs ``cathnet bench`` in this process (LiteRT, TensorFlow Lite when TensorFlow is
installed), tflite-runtime in its own venv (``--tflite-python``, default
``.venv-tflite/bin/python``) and the Keras model, all in one run on one machine. Writes
the document to ``benchmarks/results/<target>.json`` (the saved baseline
``benchmarks.check --baseline`` compares against) and the table between docs/benchmarks.md's
``bench:begin`` / ``bench:end`` markers.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np

from cathnet import bench
from cathnet.bench.runner import threads
from cathnet.bench.stages import model_stages, pipeline_stages
from cathnet.bench.suite import time_stage
from cathnet.bundle import ModelBundle

REPO = Path(__file__).resolve().parent.parent
BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"
PIPELINE = ("capture_preview", "rectify", "capture", "preprocess", "predict", "end_to_end_photo")


def ratios(results: list[dict[str, Any]]) -> dict[str, float | None]:
    """The issue's three figures from the stage results at one thread (LiteRT): int8 vs fp32
    inference speed, predict p50 over the raw int8 invoke p50, the end-to-end photo p90.

    Stages run minutes apart; ``paired_ratios`` measures the first two interleaved."""

    def p(name: str, field: str, variant: str | None = None, backend: str | None = "litert") -> float | None:
        r = bench.select(results, name, variant, backend, 1)
        return None if r is None else float(r[field])

    fp32, int8, invoke = (
        p("inference", "p50_ms", "tflite_fp32"),
        p("inference", "p50_ms", "tflite_int8"),
        p("invoke", "p50_ms", "tflite_int8"),
    )
    predict = p("predict", "p50_ms", "tflite_int8")
    return {
        "int8_speedup_over_fp32_1t": round(fp32 / int8, 3) if fp32 and int8 else None,
        "predict_p50_over_int8_invoke_p50_1t": round(predict / invoke, 3) if predict and invoke else None,
        "end_to_end_photo_p90_ms_1t": p("end_to_end_photo", "p90_ms", "tflite_int8"),
    }


def paired_ratios(plan: bench.Plan) -> dict[str, Any]:
    """The two speed ratios measured interleaved (one query of each per round), one thread,
    LiteRT: drift between separate stages on a shared 2-core VM is ±25 %."""
    bundle, inputs = ModelBundle.load(), bench.Inputs.load()
    with contextlib.ExitStack() as stack:

        def stage(name: str, variant: str) -> bench.Stage:
            stages = stack.enter_context(contextlib.closing(model_stages(bundle, "litert", variant, 1, inputs, [name])))
            return next(stages)

        int8, fp32, invoke = (
            stage("inference", "tflite_int8"),
            stage("inference", "tflite_fp32"),
            stage("invoke", "tflite_int8"),
        )
        pipeline = stack.enter_context(
            contextlib.closing(pipeline_stages(None, "litert", "tflite_int8", 1, inputs, ["predict"]))
        )
        predict = next(pipeline)
        with threads(1):
            t_int8, t_fp32 = bench.measure_paired([int8.query, fp32.query], plan)
            t_predict, t_invoke = bench.measure_paired([predict.query, invoke.query], plan)
    med = {
        k: float(np.median(v))
        for k, v in (("int8", t_int8), ("fp32", t_fp32), ("predict", t_predict), ("invoke", t_invoke))
    }
    return {
        "int8_inference_p50_ms": round(med["int8"], 3),
        "fp32_inference_p50_ms": round(med["fp32"], 3),
        "int8_speedup_over_fp32_1t": round(med["fp32"] / med["int8"], 3),
        "predict_p50_ms": round(med["predict"], 3),
        "int8_invoke_p50_ms": round(med["invoke"], 3),
        "predict_p50_over_int8_invoke_p50_1t": round(med["predict"] / med["invoke"], 3),
        "n": len(t_int8),
    }


def _keras(doc: dict[str, Any], plan: bench.Plan) -> dict[str, Any] | None:
    if importlib.util.find_spec("tensorflow") is None:
        doc["skipped"].append({"backend": "keras", "reason": "TensorFlow is not installed (the 'train' extra)"})
        return None
    from benchmarks.keras_stage import keras_stage

    macs = doc["roofline"]["macs"] if isinstance(doc["roofline"]["macs"], int) else None
    return time_stage(keras_stage(ModelBundle.load(), bench.Inputs.load(), macs), plan, doc["roofline"]["peak"])


def _row(r: dict[str, Any], cells: tuple[str, ...]) -> str:
    values = {
        "stage": f"`{r['name']}`",
        "variant": r["variant"] or "—",
        "backend": r["backend"] or "—",
        "threads": str(r["threads"]),
        "p50": f"{r['p50_ms']:.2f}",
        "p90": f"{r['p90_ms']:.2f}",
        "p99": f"{r['p99_ms']:.2f}",
        "spread": f"{r['min_ms']:.2f}–{r['max_ms']:.2f} (IQR {r['iqr_ms']:.2f})",
        "n": str(r["n"]),
        "roofline": (
            f"{r['gmacs_per_s']:.1f} ({100 * r['fraction_of_peak']:.0f} %)" if "fraction_of_peak" in r else "—"
        ),
    }
    return "| " + " | ".join(values[c] for c in cells) + " |"


def table(doc: dict[str, Any], target: str) -> str:
    """The README section: machine, the side-by-side inference table, the pipeline table, the ratios."""
    m, rt, peak = doc["machine"], doc["runtimes"], doc["roofline"]["peak"]
    versions = ", ".join(f"{k} {v}" for k, v in rt.items() if v)
    tflite_env = next((r["env"]["runtimes"] for r in doc["results"] if "env" in r), None)
    lines = [
        f"Measured on **{target}**: {m['cpu']}, {m['arch']}, {m['cores_usable']} cores, {m['os']}, Python "
        f"{m['python']}; {versions}"
        + (
            f"; tflite-runtime {tflite_env.get('tflite-runtime')} with numpy {tflite_env.get('numpy')} in its venv"
            if tflite_env
            else ""
        )
        + f". `{doc['mode']}` plan, {doc['created']}, model {doc['model']['id']} {doc['model']['version']}. "
        f"Inputs: frames {', '.join(doc['inputs']['frames'])}; photo {', '.join(doc['inputs']['photos'])} (1600×1200). "
        "The SDK's sample images (ARCADE val frames, generated frames, a simulated photo of the monitor); "
        "times in ms per query, one query at a time.",
        "",
        f"Inference (the model alone; roofline: {doc['roofline']['macs']:,} MACs per inference, GMAC/s achieved at p50 "
        f"and its share of the measured peak, {peak.get('gflops', '?')} GFLOP/s = "
        f"{peak.get('method', 'not measured')}, "
        "times the threads):",
        "",
        "| stage | variant | backend | threads | p50 | p90 | p99 | n | GMAC/s (of peak) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    cells = ("stage", "variant", "backend", "threads", "p50", "p90", "p99", "n", "roofline")
    model_rows = sorted(
        (r for r in doc["results"] if r["name"] in ("invoke", "inference")),
        key=lambda r: (r["threads"], r["name"] != "invoke", r["backend"], r["variant"]),
    )
    lines += [_row(r, cells) for r in model_rows]
    lines += [
        "",
        "The pipeline (capture stages on the photo, `preprocess` and `predict` on the frames):",
        "",
        "| stage | variant | backend | threads | p50 | p90 | p99 | min–max (IQR) | n |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    cells = ("stage", "variant", "backend", "threads", "p50", "p90", "p99", "spread", "n")
    pipe = sorted(
        (r for r in doc["results"] if r["name"] in PIPELINE), key=lambda r: (r["threads"], PIPELINE.index(r["name"]))
    )
    lines += [_row(r, cells) for r in pipe]
    q, paired = doc["ratios"], doc.get("paired")
    if paired:
        lines += [
            "",
            f"Ratios in this run (1 thread, LiteRT), measured interleaved ({paired['n']} rounds of one query "
            f"each): int8 inference is **{paired['int8_speedup_over_fp32_1t']}×** the speed of fp32 "
            f"(p50 {paired['int8_inference_p50_ms']} vs {paired['fp32_inference_p50_ms']} ms); `predict()` p50 is "
            f"**{paired['predict_p50_over_int8_invoke_p50_1t']}×** the raw int8 `invoke` p50 "
            f"({paired['predict_p50_ms']} vs {paired['int8_invoke_p50_ms']} ms). From the separate stages above: "
            f"{q['int8_speedup_over_fp32_1t']}× and {q['predict_p50_over_int8_invoke_p50_1t']}×. "
            f"End-to-end photo → findings p90 **{q['end_to_end_photo_p90_ms_1t']} ms**.",
        ]
    else:
        lines += [
            "",
            f"Ratios in this run (1 thread, LiteRT): int8 is {q['int8_speedup_over_fp32_1t']}× the speed of "
            f"fp32; `predict()` p50 is {q['predict_p50_over_int8_invoke_p50_1t']}× the raw int8 `invoke` p50; "
            f"end-to-end photo → findings p90 {q['end_to_end_photo_p90_ms_1t']} ms.",
        ]
    return "\n".join(lines)


def write_readme(readme: Path, section: str) -> None:
    text = readme.read_text()
    if BEGIN not in text or END not in text:
        raise SystemExit(f"report: expected {BEGIN} and {END} in {readme}")
    head, rest = text.split(BEGIN, 1)
    readme.write_text(head + BEGIN + "\n" + section + "\n" + END + rest.split(END, 1)[1])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.report", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--target", default="x86-dev", help="the machine's name in targets.toml")
    parser.add_argument("--tflite-python", default=str(REPO / ".venv-tflite" / "bin" / "python"))
    parser.add_argument("--out", type=Path, help="default: benchmarks/results/<target>.json")
    parser.add_argument(
        "--readme",
        type=Path,
        default=REPO / "docs" / "benchmarks.md",
        help="the page holding the bench:begin/end markers ('-' to leave it alone)",
    )
    parser.add_argument("--from", dest="saved", type=Path, help="re-render the table from a saved run; run nothing")
    args = parser.parse_args(argv)
    if args.saved:
        write_readme(args.readme, table(json.loads(args.saved.read_text()), args.target))
        print(f"updated {args.readme} from {args.saved}")
        return 0
    if importlib.util.find_spec("tensorflow") is not None:
        from benchmarks.keras_stage import one_thread_tensorflow

        one_thread_tensorflow()  # before any TensorFlow op runs in this process
    envs = ((args.tflite_python, "tflite-runtime"),) if Path(args.tflite_python).is_file() else ()
    options = bench.BenchOptions(quick=args.quick, other_envs=envs)
    doc = bench.run(options, progress=print)
    if not envs:
        doc["skipped"].append({"backend": "tflite-runtime", "reason": f"no venv at {args.tflite_python}"})
    plan = bench.QUICK if args.quick else bench.FULL
    keras = _keras(doc, plan)
    if keras is not None:
        doc["results"].append(keras)
        print(bench.format_result(keras))
    doc["ratios"] = ratios(doc["results"])
    doc["paired"] = paired_ratios(plan)
    print(f"paired: {doc['paired']}")
    out = args.out or REPO / "benchmarks" / "results" / f"{args.target}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(doc, indent=1) + "\n")
    print(f"wrote {out}; ratios {doc['ratios']}")
    if str(args.readme) != "-":
        write_readme(args.readme, table(doc, args.target))
        print(f"updated {args.readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
