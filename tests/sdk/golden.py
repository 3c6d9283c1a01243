"""Golden outputs of the shipped bundle on the shipped samples.

Regenerate after retraining with ``CATHNET_WRITE_GOLDEN=1 pytest tests/sdk/test_golden.py``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

GOLDEN = Path(__file__).with_name("golden_samples.json")
# One int8 output step is 1/256; runtimes may round differently by a step or two.
PROBABILITY_TOLERANCE = 0.03
# tflite-runtime 2.14 runs the same int8 model with other kernels than LiteRT's: on
# verify's 280 golden frames its probability moves by up to 0.19 (bundles 0.4.0 and
# 0.5.0); on the samples by up to 0.035 (0.4.0) and 0.039 (0.5.0, 10 output steps).
OTHER_RUNTIME_PROBABILITY_TOLERANCE = 0.05
POSITION_TOLERANCE_PX = 6.0
DS_TOLERANCE_POINTS = 5.0


def load() -> dict[str, Any]:
    return json.loads(GOLDEN.read_text())


def compare(
    expected: dict[str, Any], got: dict[str, Any], probability_tolerance: float = PROBABILITY_TOLERANCE
) -> list[str]:
    """Differences beyond quantisation tolerance between two records (empty if none)."""
    problems = []
    dp = abs(expected["stenosis_probability"] - got["stenosis_probability"])
    if dp > probability_tolerance:
        problems.append(f"probability {got['stenosis_probability']} vs {expected['stenosis_probability']}")
    if expected["stenosis"] != got["stenosis"] and dp > 1e-3:
        problems.append(f"stenosis {got['stenosis']} vs {expected['stenosis']}")
    if expected["lesions"]:
        if not got["lesions"]:
            problems.append("no lesion reported")
        else:
            e, g = expected["lesions"][0], got["lesions"][0]
            if abs(e["x"] - g["x"]) > POSITION_TOLERANCE_PX or abs(e["y"] - g["y"]) > POSITION_TOLERANCE_PX:
                problems.append(f"top lesion at ({g['x']}, {g['y']}) vs ({e['x']}, {e['y']})")
            if abs(e["diameter_stenosis_percent"] - g["diameter_stenosis_percent"]) > DS_TOLERANCE_POINTS:
                problems.append(f"%DS {g['diameter_stenosis_percent']} vs {e['diameter_stenosis_percent']}")
    return problems
