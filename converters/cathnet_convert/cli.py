"""``cathnet-convert build KERAS_MODEL --out BUNDLE``."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="cathnet-convert", description="Build a CathNet model bundle.")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="Keras model → int8 TFLite bundle with card")
    build.add_argument("keras_model", type=Path)
    build.add_argument("--out", type=Path, required=True, help="bundle folder to write")
    build.add_argument("--id", default="cathnet-stenosis")
    build.add_argument("--version", default="0.1.0")
    args = parser.parse_args(argv)
    if not args.keras_model.is_file():
        sys.stderr.write(f"cathnet-convert: expected a .keras file, got {args.keras_model}\n")
        return 2
    from cathnet_convert.build import build_bundle  # TensorFlow import is slow: only when needed

    card = build_bundle(args.keras_model, args.out, args.id, args.version)
    print(json.dumps({"bundle": str(args.out), "artifacts": card["artifacts"],
                      "metrics": card["metrics"]}, indent=2))
    return 0


def entry() -> None:
    sys.exit(main())
