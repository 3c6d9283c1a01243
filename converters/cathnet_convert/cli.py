"""``cathnet-convert build KERAS_MODEL --out BUNDLE`` and ``cathnet-convert verify [BUNDLE] --json``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

DISCLAIMER = "Research use only — not for clinical diagnosis."


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cathnet-convert", description="Build and verify CathNet model bundles.")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="Keras model → int8/fp16/fp32 TFLite + Core ML bundle with card")
    build.add_argument("keras_model", type=Path)
    build.add_argument("--out", type=Path, required=True, help="bundle folder to write (its artifacts are replaced)")
    build.add_argument("--id", default="cathnet-stenosis")
    build.add_argument("--version", default="0.1.0")
    build.add_argument(
        "--variants",
        default=None,
        help="comma-separated artifacts to write (default: all; 'shipped': what the repository ships)",
    )
    verify = sub.add_parser("verify", help="every variant against the float Keras model on a fixed golden set")
    verify.add_argument("bundle", type=Path, nargs="?", default=None, help="bundle folder (default: the shipped one)")
    verify.add_argument("--json", action="store_true", help="print the result as one JSON object")
    verify.add_argument("--n", type=int, default=200, help="synthetic golden frames (default 200)")
    verify.add_argument(
        "--real-dir",
        type=Path,
        default=Path("../shared/data/real-angiograms"),
        help="real frames added to the golden set when the folder exists",
    )
    verify.add_argument(
        "--tflite-runtime-python",
        type=Path,
        default=Path(".venv-tflite/bin/python"),
        help="Python of the tflite-runtime 2.14 environment (skipped when absent)",
    )
    return parser


def _human(result: dict[str, Any]) -> str:
    lines = [
        DISCLAIMER,
        f"bundle {result['bundle']} ({result['model']['id']} {result['model']['version']})",
        f"golden set: {result['golden_set']}",
        f"reference: {result['reference']}, AUC {result['reference_auc']}, threshold {result['threshold']}",
        f"agreement: calls on frames the reference scores more than {result['call_margin']} from the threshold "
        "(all frames in brackets)",
    ]
    for name, row in result["variants"].items():
        verdict = "ok" if row["passed"] else "FAIL: " + "; ".join(row["failures"])
        lines.append(
            f"  {name:28s} AUC {row['auc']:.4f}  agreement {row['agreement']:.4f} ({row['agreement_all']:.4f})  "
            f"max|dp| {row['max_abs_diff']:.4f}  map max|d| {row['lesion_map_max_abs_diff']:.4f}  "
            f"{row['bytes']:>8d} B  {verdict}"
        )
    for name, reason in result["skipped"].items():
        lines.append(f"  {name:28s} skipped: {reason}")
    lines.append("all variants pass" if result["passed"] else "some variants FAIL")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status (0 ok, 1 a variant failed verification, 2 usage/model error)."""
    args = _parser().parse_args(argv)
    if args.command == "build":
        if not args.keras_model.is_file():
            sys.stderr.write(f"cathnet-convert: expected a .keras file, got {args.keras_model}\n")
            return 2
        from cathnet_convert.build import (
            SHIPPED,
            VARIANTS,
            build_bundle,  # TensorFlow import is slow: only when needed
        )

        names = {None: tuple(VARIANTS), "shipped": SHIPPED}.get(args.variants) or tuple(args.variants.split(","))
        try:
            card = build_bundle(args.keras_model, args.out, args.id, args.version, variants=names)
        except ValueError as exc:
            sys.stderr.write(f"cathnet-convert: {exc}\n")
            return 2
        print(
            json.dumps({"bundle": str(args.out), "artifacts": card["artifacts"], "metrics": card["metrics"]}, indent=2)
        )
        return 0

    from cathnet.errors import CathNetError
    from cathnet_convert.verify import verify

    if args.n < 2:
        sys.stderr.write(f"cathnet-convert: expected --n >= 2 (both classes need frames), got {args.n}\n")
        return 2
    try:
        result = verify(args.bundle, args.n, args.real_dir, args.tflite_runtime_python)
    except (CathNetError, ValueError) as exc:
        code = getattr(exc, "code", "verify.bad_bundle")
        message = getattr(exc, "message", str(exc))
        if args.json:
            print(json.dumps({"error": {"code": code, "message": message}}))
        sys.stderr.write(f"cathnet-convert: {code}: {message}\n")
        return 2
    print(json.dumps(result, indent=2) if args.json else _human(result))
    return 0 if result["passed"] else 1


def entry() -> None:
    sys.exit(main())
