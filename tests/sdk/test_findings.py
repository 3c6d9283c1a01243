from __future__ import annotations

from contextlib import nullcontext as does_not_raise
from typing import Any

import pytest

from cathnet import Findings, Lesion, severity_for


@pytest.mark.parametrize(
    ("ds", "severity"),
    [(0.0, "mild"), (49.9, "mild"), (50.0, "moderate"), (69.9, "moderate"), (70.0, "severe"), (100.0, "severe")],
)
def test_severity_bins(ds: float, severity: str) -> None:
    assert severity_for(ds) == severity
    assert Lesion(10, 10, (0, 0, 20, 20), 0.9, ds).severity == severity


@pytest.mark.parametrize(
    ("kwargs", "expectation"),
    [
        ({}, does_not_raise()),
        ({"box": (11, 0, 20, 20)}, pytest.raises(ValueError, match="contain")),
        ({"score": 1.5}, pytest.raises(ValueError, match="score")),
        ({"diameter_stenosis_percent": 120.0}, pytest.raises(ValueError)),
        ({"x": float("nan")}, pytest.raises(ValueError, match="finite")),
        ({"severity": "severe"}, pytest.raises(ValueError, match="severity")),
    ],
)
def test_lesion_validation(kwargs: dict[str, Any], expectation: Any) -> None:
    args: dict[str, Any] = {
        "x": 10.0,
        "y": 10.0,
        "box": (0, 0, 20, 20),
        "score": 0.5,
        "diameter_stenosis_percent": 30.0,
    }
    with expectation:
        Lesion(**(args | kwargs))


def test_findings_flag_must_follow_threshold() -> None:
    ok = Findings(0.7, True, 0.5, (), (256, 256))
    assert ok.to_dict()["stenosis"] is True
    with pytest.raises(ValueError, match="threshold"):
        Findings(0.4, True, 0.5, (), (256, 256))
    with pytest.raises(ValueError, match="probability"):
        Findings(1.4, True, 0.5, (), (256, 256))


def test_to_dict_keys_follow_the_contract() -> None:
    lesion = Lesion(10.0, 12.0, (0.0, 0.0, 20.0, 24.0), 0.8, 72.0)
    d = Findings(0.9, True, 0.5, (lesion,), (64, 64), backend="litert").to_dict()
    assert {
        "stenosis_probability",
        "stenosis",
        "threshold",
        "lesions",
        "screen",
        "timing_ms",
        "model",
        "backend",
    } <= d.keys()
    assert set(d["lesions"][0]) == {"x", "y", "box", "score", "diameter_stenosis_percent", "severity", "outline"}
    assert d["lesions"][0]["outline"] is None  # a lesion from a model that does not outline
