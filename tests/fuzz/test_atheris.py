"""The bounded atheris campaign over the file decoder (``tests/fuzz/atheris_decode.py``)."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fuzz.conftest import SCALE
from tests.paths import REPO

pytestmark = [pytest.mark.slow, pytest.mark.fuzz]
RUNS = 100_000 * SCALE


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None, reason="atheris has no wheel for this platform")
def test_atheris_finds_no_crash_in_the_decoder(tmp_path: Path) -> None:
    corpus, artifacts = tmp_path / "corpus", tmp_path / "crashes"
    artifacts.mkdir()
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "tests.fuzz.atheris_decode",
            str(corpus),
            f"-runs={RUNS}",
            "-seed=1",
            "-rss_limit_mb=2048",
            "-timeout=30",
            f"-artifact_prefix={artifacts}/",
            "-print_final_stats=1",
        ],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO)},
        capture_output=True,
        text=True,
        timeout=3600,
        check=False,
    )
    tail = run.stderr[-3000:]
    assert run.returncode == 0, tail
    assert not list(artifacts.iterdir()), tail
    done = re.search(r"Done (\d+) runs", run.stderr)
    assert done and int(done.group(1)) == RUNS, tail
    assert len(list(corpus.iterdir())) > 12, "libFuzzer found no input that reached new code"
