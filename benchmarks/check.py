"""Checks a benchmark run against a device target's budgets, and against a saved baseline.

    python -m benchmarks.check RESULTS.json --target x86-dev
    python -m benchmarks.check RESULTS.json --baseline benchmarks/results/x86-dev.json

RESULTS.json is a ``cathnet bench --json`` document or a pytest-benchmark
``--benchmark-json`` file (its ``extra_info`` names the stage). A budget names a stage
and optionally its variant, backend and threads; every matching result must be within
each of its limits (p50_ms, p90_ms, p99_ms). Against a baseline, a result whose p50
exceeds the baseline's by more than ``--tolerance`` is a regression.

Exit status: 0 within budget, 1 a breach, a regression or a budgeted stage that was
not measured, 2 usage errors (unreadable file, unknown target).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

TARGETS = Path(__file__).with_name("targets.toml")
KEYS = ("name", "variant", "backend", "threads")
LIMITS = ("p50_ms", "p90_ms", "p99_ms")


class CheckError(Exception):
    """A usage error: the message says what was expected."""


def load_results(path: Path) -> list[dict[str, Any]]:
    """Results (``name``, ``variant``, ``backend``, ``threads``, ``p50_ms``…) from either format."""
    try:
        doc = json.loads(path.read_text())
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise CheckError(f"expected a JSON results file at {path}, got {exc}") from None
    if isinstance(doc, dict) and isinstance(doc.get("results"), list):
        return doc["results"]
    if isinstance(doc, dict) and isinstance(doc.get("benchmarks"), list):  # pytest-benchmark
        out = []
        for bench in doc["benchmarks"]:
            info = bench.get("extra_info", {})
            if "stage" in info and "p50_ms" in info:
                out.append(
                    {key: info.get(key) for key in KEYS[1:]}
                    | {"name": info["stage"]}
                    | {k: info[k] for k in LIMITS if k in info}
                )
        return out
    raise CheckError(f"expected a cathnet bench document or a pytest-benchmark JSON file at {path}")


def load_target(name: str, path: Path = TARGETS) -> dict[str, Any]:
    """The target's table from ``targets.toml``."""
    try:
        targets = tomllib.loads(path.read_text())["targets"]
    except (OSError, KeyError, tomllib.TOMLDecodeError) as exc:
        raise CheckError(f"expected a targets file with a [targets] table at {path}, got {exc}") from None
    if name not in targets:
        raise CheckError(f"expected a target among {', '.join(targets)}, got {name!r}")
    return targets[name]


def _matches(result: dict[str, Any], budget: dict[str, Any]) -> bool:
    return all(budget.get(key) is None or result.get(key) == budget[key] for key in KEYS)


def _label(entry: dict[str, Any]) -> str:
    return " ".join(str(entry[k]) if k != "threads" else f"{entry[k]}t" for k in KEYS if entry.get(k) is not None)


def check_budgets(results: Sequence[dict[str, Any]], target: dict[str, Any]) -> list[tuple[str, str]]:
    """(status, line) per budget limit: status ``ok``, ``breach`` or ``missing``."""
    lines = []
    for budget in target.get("budgets", []):
        matched = [r for r in results if _matches(r, budget)]
        if not matched:
            lines.append(("missing", f"{_label(budget)}: not measured in this run"))
            continue
        for result in matched:
            for limit in LIMITS:
                if limit not in budget:
                    continue
                got, most = float(result[limit]), float(budget[limit])
                status = "ok" if got <= most else "breach"
                lines.append((status, f"{_label(result)}: {limit[:3]} {got:.2f} ms (budget {most:g} ms)"))
    return lines


def check_baseline(
    results: Sequence[dict[str, Any]], baseline: Sequence[dict[str, Any]], tolerance: float
) -> list[tuple[str, str]]:
    """(status, line) per result present in both runs: ``ok`` or ``regression`` on p50."""
    lines = []
    for result in results:
        old = next((b for b in baseline if all(b.get(k) == result.get(k) for k in KEYS)), None)
        if old is None:
            continue
        ratio = float(result["p50_ms"]) / max(float(old["p50_ms"]), 1e-9)
        status = "ok" if ratio <= 1.0 + tolerance else "regression"
        lines.append(
            (status, f"{_label(result)}: p50 {result['p50_ms']:.2f} ms vs {old['p50_ms']:.2f} ms ({ratio:.2f}x)")
        )
    return lines


def main(argv: list[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser = argparse.ArgumentParser(prog="python -m benchmarks.check", description=__doc__.split("\n")[0])
    parser.add_argument("results", type=Path, help="cathnet bench --json output or pytest-benchmark JSON")
    parser.add_argument("--target", help="a target in targets.toml (x86-dev, rpi4, rpi5, android-tablet)")
    parser.add_argument("--targets", type=Path, default=TARGETS, help="the targets file")
    parser.add_argument("--baseline", type=Path, help="an earlier run on the same machine")
    parser.add_argument("--tolerance", type=float, default=0.25, help="allowed p50 growth over the baseline")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if not args.target and not args.baseline:
        out.write("check: expected --target NAME and/or --baseline FILE\n")
        return 2
    try:
        results = load_results(args.results)
        lines = []
        if args.target:
            lines += check_budgets(results, load_target(args.target, args.targets))
        if args.baseline:
            lines += check_baseline(results, load_results(args.baseline), args.tolerance)
    except CheckError as exc:
        out.write(f"check: {exc}\n")
        return 2
    for status, line in lines:
        out.write(f"{status.upper():<10} {line}\n")
    failed = [s for s, _ in lines if s != "ok"]
    out.write(f"{len(lines) - len(failed)} within, {len(failed)} failed\n")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
