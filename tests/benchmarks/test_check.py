"""``python -m benchmarks.check``: budgets per device target and a saved baseline, on a
real (short) ``cathnet bench`` run and a real pytest-benchmark JSON file."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.check import TARGETS, load_results, main, tomllib
from cathnet.bench.stages import STAGES
from cathnet.cli import main as cathnet_main
from tests.paths import REPO


@pytest.fixture(scope="module")
def run_file(tmp_path_factory) -> Path:
    out = io.StringIO()
    assert (
        cathnet_main(
            [
                "bench",
                "--json",
                "--queries",
                "3",
                "--stages",
                "preprocess,inference",
                "--threads",
                "1",
                "--backends",
                "litert",
                "--variants",
                "tflite_int8",
                "--no-peak",
            ],
            out=out,
        )
        == 0
    )
    path = tmp_path_factory.mktemp("bench") / "run.json"
    path.write_text(out.getvalue())
    return path


def _targets(tmp_path: Path, budgets: str) -> Path:
    path = tmp_path / "targets.toml"
    path.write_text(f'[targets.here]\ndescription = "test"\n{budgets}')
    return path


def _check(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    return main([str(a) for a in args], out=out), out.getvalue()


def test_a_run_within_its_budgets_passes(run_file: Path, tmp_path: Path) -> None:
    targets = _targets(
        tmp_path,
        """
[[targets.here.budgets]]
name = "inference"
variant = "tflite_int8"
threads = 1
p50_ms = 10000
p90_ms = 10000
[[targets.here.budgets]]
name = "preprocess"
p99_ms = 10000
""",
    )
    code, text = _check(run_file, "--target", "here", "--targets", targets)
    assert code == 0, text
    assert "3 within, 0 failed" in text


def test_a_breach_and_an_unmeasured_stage_fail(run_file: Path, tmp_path: Path) -> None:
    targets = _targets(
        tmp_path,
        """
[[targets.here.budgets]]
name = "inference"
p50_ms = 0.0001
[[targets.here.budgets]]
name = "end_to_end_photo"
p90_ms = 40
""",
    )
    code, text = _check(run_file, "--target", "here", "--targets", targets)
    assert code == 1
    assert "BREACH     inference tflite_int8 litert 1t: p50" in text
    assert "MISSING    end_to_end_photo: not measured" in text


def test_a_regression_against_the_baseline_fails(run_file: Path, tmp_path: Path) -> None:
    code, text = _check(run_file, "--baseline", run_file)
    assert code == 0 and "REGRESSION" not in text
    slower = json.loads(run_file.read_text())
    for r in slower["results"]:
        r["p50_ms"] *= 2
    slow_file = tmp_path / "slow.json"
    slow_file.write_text(json.dumps(slower))
    code, text = _check(slow_file, "--baseline", run_file, "--tolerance", "0.25")
    assert code == 1 and text.count("REGRESSION") == 2 and "(2.00x)" in text


@pytest.mark.parametrize(
    "args,message",
    [
        (["--target", "moon-base"], "expected a target among"),
        ([], "expected --target NAME and/or --baseline FILE"),
    ],
)
def test_usage_errors_exit_2(run_file: Path, args: list[str], message: str) -> None:
    code, text = _check(run_file, *args)
    assert code == 2 and message in text


def test_an_unreadable_results_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b"\x89PNG not json")
    code, text = _check(bad, "--target", "x86-dev")
    assert code == 2 and "expected a JSON results file" in text


def test_the_shipped_targets_budget_known_stages_on_each_device() -> None:
    targets = tomllib.loads(TARGETS.read_text())["targets"]
    assert {"x86-dev", "rpi4", "rpi5", "android-tablet"} <= targets.keys()
    for name, target in targets.items():
        assert target["description"] and target["basis"]
        assert target["budgets"], name
        for budget in target["budgets"]:
            assert budget["name"] in STAGES
            assert any(k in budget for k in ("p50_ms", "p90_ms", "p99_ms"))


@pytest.mark.slow
def test_a_pytest_benchmark_file_is_read_by_its_stage_names(tmp_path: Path) -> None:
    out = tmp_path / "pb.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "benchmarks/test_model.py::test_pipeline[1-preprocess-300]",
            "--benchmark-only",
            f"--benchmark-json={out}",
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    (result,) = load_results(out)
    assert (result["name"], result["threads"], result["variant"]) == ("preprocess", 1, None)
    assert 0 < result["p50_ms"] <= result["p90_ms"] <= result["p99_ms"]
