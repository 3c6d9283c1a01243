from __future__ import annotations

from pathlib import Path

import pytest

from cathnet_convert.cli import main


def test_missing_model_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", str(tmp_path / "nope.keras"), "--out", str(tmp_path / "b")]) == 2
    assert "expected a .keras file" in capsys.readouterr().err
