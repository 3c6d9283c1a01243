"""The ``cathnet`` command: ``analyze``, ``info`` and ``bench`` (contract in ARCHITECTURE.md).

Exit status: 0 every input analysed, 1 one or more inputs failed (each still has its
record), 2 usage or model errors. Errors are reported, never raised as tracebacks.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, TextIO

import cv2

from cathnet import __version__, bench, image_input
from cathnet.analyzer import Analyzer
from cathnet.backends import BACKENDS, available_backends
from cathnet.bench.stages import STAGES
from cathnet.errors import CathNetError
from cathnet.findings import DISCLAIMER
from cathnet.overlay import render

EXIT_OK, EXIT_INPUT_FAILED, EXIT_USAGE = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cathnet",
        description="Stenosis findings on coronary angiograms. " + DISCLAIMER,
    )
    parser.add_argument("--version", action="version", version=f"cathnet {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--model", help="model bundle folder (default: the bundled model)")
    common.add_argument("--backend", default="auto", choices=("auto", *BACKENDS))
    common.add_argument("--threads", type=int, default=None, help="interpreter threads")
    common.add_argument(
        "--variant",
        default=None,
        help="bundle artifact to run, e.g. tflite_fp32 (default: int8 TFLite, or Core ML on macOS)",
    )
    common.add_argument("--json", action="store_true", help="machine-readable output")

    analyze = sub.add_parser("analyze", parents=[common], help="analyse image files or folders")
    analyze.add_argument("paths", nargs="+", metavar="PATH", help="image files or directories")
    analyze.add_argument("--overlay", metavar="DIR", help="write each image with findings drawn")
    path = analyze.add_mutually_exclusive_group()
    path.add_argument(
        "--photo",
        action="store_const",
        const=True,
        dest="photo",
        help="inputs are photos of the monitor: find and rectify the screen first",
    )
    path.add_argument(
        "--frame",
        action="store_const",
        const=False,
        dest="photo",
        help="inputs are angiogram frames, even in colour (default: a colour photo with a monitor in it is captured)",
    )
    sub.add_parser("info", parents=[common], help="model card, artifacts and backends")
    bench = sub.add_parser("bench", help="time every stage on this machine (single-stream, p50/p90/p99)")
    bench.add_argument("--json", action="store_true", help="print the bench document as JSON")
    bench.add_argument("--quick", action="store_true", help="a short run (under a minute) instead of the full one")
    bench.add_argument("--model", help="model bundle folder (default: the bundled model)")
    bench.add_argument("--backends", type=_names, help="model-stage backends, comma-separated (default: all here)")
    bench.add_argument("--variants", type=_names, help="bundle artifacts, comma-separated (default: all)")
    bench.add_argument("--threads", type=_counts, default=(1, 2), help="thread counts, comma-separated (default: 1,2)")
    bench.add_argument("--stages", type=_names, default=STAGES, help=f"comma-separated, among {','.join(STAGES)}")
    bench.add_argument("--frame", action="append", metavar="PATH", help="a digital frame to use (repeatable)")
    bench.add_argument("--photo", action="append", metavar="PATH", help="a monitor photo to use (repeatable)")
    bench.add_argument(
        "--with-env",
        action="append",
        default=[],
        type=_env,
        metavar="PYTHON:BACKEND",
        help="also time BACKEND's model stages under another Python, e.g. "
        ".venv-tflite/bin/python:tflite-runtime (repeatable)",
    )
    bench.add_argument("--queries", type=int, help="override the plan: timed queries per stage")
    bench.add_argument("--no-peak", action="store_true", help="skip the GEMM peak (the roofline's fraction)")
    return parser


def _names(text: str) -> tuple[str, ...]:
    return tuple(n.strip() for n in text.split(",") if n.strip())


def _counts(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(n) for n in _names(text))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated thread counts, got {text!r}") from None


def _env(text: str) -> tuple[str, str]:
    python, sep, backend = text.rpartition(":")
    if not sep or not python or backend not in BACKENDS:
        raise argparse.ArgumentTypeError(f"expected PYTHON:BACKEND with BACKEND in {', '.join(BACKENDS)}, got {text!r}")
    return python, backend


def _failure_record(path: str, error: dict[str, str], analyzer: Analyzer) -> dict[str, Any]:
    return {
        "path": path,
        "ok": False,
        "error": error,
        "stenosis_probability": None,
        "stenosis": None,
        "threshold": analyzer.bundle.threshold,
        "lesions": [],
        "image_size": None,
        "screen": None,
        "warnings": [],
        "timing_ms": {},
        "model": analyzer.model,
        "backend": analyzer.backend,
    }


def _analyze_one(
    analyzer: Analyzer, path: str, overlay_dir: Path | None, used: set[str], photo: bool | None = None
) -> dict[str, Any]:
    try:
        t0 = time.perf_counter()
        pixels = image_input.read_image(path)
        decode_ms = (time.perf_counter() - t0) * 1e3
        findings = analyzer.predict(pixels, photo=photo)
    except CathNetError as exc:
        return _failure_record(path, exc.to_dict(), analyzer)
    except Exception as exc:
        return _failure_record(path, {"code": "internal.error", "message": f"{type(exc).__name__}: {exc}"}, analyzer)
    record: dict[str, Any] = {"path": path, "ok": True, "error": None, **findings.to_dict()}
    # predict() got decoded pixels (the overlay needs them): account for the file decode here.
    timing = record["timing_ms"]
    timing["decode"] = round(timing["decode"] + decode_ms, 2)
    timing["total"] = round(timing["total"] + decode_ms, 2)
    if overlay_dir is not None:
        name = f"{Path(path).stem}_overlay.png"
        n = 1
        while name in used:
            n += 1
            name = f"{Path(path).stem}_overlay_{n}.png"
        used.add(name)
        target = overlay_dir / name
        if cv2.imwrite(str(target), render(pixels, findings)):
            record["overlay"] = str(target)
    return record


def _human_line(record: dict[str, Any], out: TextIO) -> None:
    if not record["ok"]:
        err = record["error"]
        out.write(f"{record['path']}\n  ERROR {err['code']}: {err['message']}\n")
        return
    verdict = "STENOSIS" if record["stenosis"] else "no significant stenosis"
    out.write(
        f"{record['path']}\n  {verdict}  P={record['stenosis_probability']:.3f} "
        f"(threshold {record['threshold']:.3f})  {record['timing_ms'].get('total', 0):.0f} ms\n"
    )
    for lesion in record["lesions"]:
        out.write(
            f"    lesion at ({lesion['x']:.0f}, {lesion['y']:.0f})  "
            f"{lesion['diameter_stenosis_percent']:.0f}% DS  {lesion['severity']:<8}  "
            f"score {lesion['score']:.2f}\n"
        )
    screen = record.get("screen") or {}
    for issue in screen.get("quality", {}).get("issues", []):
        out.write(f"    warning {issue['code']}: {issue['message']}\n")


def _cmd_analyze(args: argparse.Namespace, out: TextIO) -> int:
    analyzer = Analyzer(args.model, backend=args.backend, num_threads=args.threads, variant=args.variant)
    paths = image_input.expand_paths(args.paths)
    if not paths:
        raise CathNetError("usage.no_inputs", f"expected image files, found none in {args.paths}")
    overlay_dir = Path(args.overlay) if args.overlay else None
    if overlay_dir is not None:
        try:
            overlay_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CathNetError(
                "usage.overlay_dir", f"expected a writable overlay folder, got {overlay_dir}: {exc}"
            ) from None
    if not args.json:
        bundle = analyzer.bundle
        note = bundle.card.get("data_note", "")
        out.write(
            f"{DISCLAIMER}\nmodel {bundle.id} {bundle.version}{note and ' (' + note + ')'}, "
            f"backend {analyzer.backend}\n"
        )
    failed = 0
    used: set[str] = set()
    for path in paths:
        record = _analyze_one(analyzer, path, overlay_dir, used, args.photo)
        failed += not record["ok"]
        if args.json:
            out.write(json.dumps(record) + "\n")
        else:
            _human_line(record, out)
        out.flush()
    if not args.json:
        out.write(f"{len(paths) - failed} analysed, {failed} failed. {DISCLAIMER}\n")
    analyzer.close()
    return EXIT_INPUT_FAILED if failed else EXIT_OK


def _cmd_info(args: argparse.Namespace, out: TextIO) -> int:
    with Analyzer(args.model, backend=args.backend, num_threads=args.threads, variant=args.variant) as analyzer:
        bundle = analyzer.bundle
        info: dict[str, Any] = {
            "card": bundle.card,
            "artifacts": {name: str(a.path) for name, a in bundle.artifacts.items()},
            "backends": available_backends(),
            "backend": analyzer.backend,
            "disclaimer": DISCLAIMER,
        }
    if args.json:
        out.write(json.dumps(info, indent=2) + "\n")
        return EXIT_OK
    card = bundle.card
    out.write(f"{DISCLAIMER}\n{card['id']} {card['version']} ({bundle.path})\n")
    out.write(f"input {card['input']['width']}x{card['input']['height']}, threshold {bundle.threshold:.3f}\n")
    for name, metric in card.get("metrics", {}).items():
        out.write(f"  {name}: {json.dumps(metric)}\n")
    for name, art in bundle.artifacts.items():
        out.write(
            f"  artifact {name}: {art.path.name} ({art.kind}, {art.bytes} bytes)"
            f"{' — running' if name == analyzer.artifact else ''}\n"
        )
    for name, reason in info["backends"].items():
        out.write(f"  backend {name}: {'available' if reason is None else 'unavailable: ' + reason}\n")
    return EXIT_OK


def _cmd_bench(args: argparse.Namespace, out: TextIO) -> int:
    plan = None
    if args.queries is not None:
        if args.queries < 1:
            raise CathNetError("usage.bad_queries", f"expected --queries >= 1, got {args.queries}")
        base = bench.QUICK if args.quick else bench.FULL
        plan = bench.Plan(
            queries=args.queries,
            seconds=base.seconds,
            min_queries=min(base.min_queries, args.queries),
            warmup=base.warmup,
        )
    options = bench.BenchOptions(
        quick=args.quick,
        model=args.model,
        backends=args.backends,
        variants=args.variants,
        threads=args.threads,
        stages=args.stages,
        frames=tuple(args.frame) if args.frame else None,
        photos=tuple(args.photo) if args.photo else None,
        other_envs=tuple(args.with_env),
        peak=not args.no_peak,
        plan=plan,
    )
    if not args.json:
        out.write(
            f"{DISCLAIMER}\ncathnet bench ({'quick' if args.quick else 'full'}): one query at a time; "
            "times in ms per query\n"
        )
        out.flush()

    def progress(line: str) -> None:
        out.write(line + "\n")
        out.flush()

    doc = bench.run(options, progress=None if args.json else progress)
    if args.json:
        out.write(json.dumps(doc) + "\n")
        return EXIT_OK
    m, peak = doc["machine"], doc["roofline"]["peak"]
    out.write(f"machine: {m['cpu']} ({m['arch']}, {m['cores_usable']} cores usable), {m['os']}\n")
    if "gflops" in peak:
        out.write(
            f"roofline: {doc['roofline']['macs']} MACs per inference; peak {peak['gflops']} GFLOP/s "
            f"({peak['method']})\n"
        )
    for skip in doc["skipped"]:
        out.write(f"skipped {skip['backend']}: {skip['reason']}\n")
    out.write(f"{len(doc['results'])} results in {doc['wall_s']} s\n")
    return EXIT_OK


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    """Entry point of the ``cathnet`` console script; returns the exit status."""
    out = out or sys.stdout
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse: --help/--version exit 0, usage errors 2
        return int(exc.code or 0)
    try:
        if args.command == "analyze":
            return _cmd_analyze(args, out)
        if args.command == "bench":
            return _cmd_bench(args, out)
        return _cmd_info(args, out)
    except CathNetError as exc:
        if getattr(args, "json", False):
            out.write(json.dumps({"ok": False, "error": exc.to_dict()}) + "\n")
        sys.stderr.write(f"cathnet: error {exc.code}: {exc.message}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


def entry() -> None:
    sys.exit(main())
