"""Paths the tests share."""

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sdk" / "cathnet" / "samples"
# The 80 real frames with vessel masks, beside the checkout (read at run time, never copied).
REAL = REPO.parent / "shared" / "data" / "real-angiograms"
# ARCADE train/val (stenosis and SYNTAX tasks), beside the checkout; absent on a user's machine.
ARCADE = REPO.parent / "shared" / "data" / "arcade"
