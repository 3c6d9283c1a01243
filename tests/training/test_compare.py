from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("keras", reason="the comparison trains models: it needs the 'train' extra (TensorFlow)")

from cathnet_train.compare import CompareConfig, compare, to_markdown, verdict


def test_budget_is_split_over_the_levels_by_compute() -> None:
    config = CompareConfig(budget=101)
    steps = config.stage_steps()
    assert all(s > 0 for s in steps)
    # patch steps cost their pixels: 64x64 = 1/16 and 128x128 = 1/4 of a 256x256 frame step
    assert steps[0] == 16 * 30 and steps[1] == 4 * 20  # 30 and 20 of the 101 frame steps
    assert steps[2] + steps[3] == 101 - 30 - 20
    # the same compute in steps of 16 inputs is twice the steps
    assert CompareConfig(budget=101, batch=16).stage_steps() == [2 * s for s in steps]


@pytest.mark.slow
def test_both_arms_train_with_every_seed_and_are_judged_on_both_test_sets(tmp_path: Path) -> None:
    config = CompareConfig(
        seeds=(1,),
        look="v1",
        level1=64,
        level2=32,
        level3=32,
        level4=10,
        budget=4,
        validation=16,
        test3=24,
        test4=10,
        growth=4,
    )
    result = compare(config)
    assert [(r["arm"], r["seed"]) for r in result["runs"]] == [("curriculum", 1), ("direct", 1)]
    for run in result["runs"]:
        for test in ("level3", "level4"):
            assert 0.0 <= run[test]["auc"] <= 1.0 and 0.0 <= run[test]["f1"] <= 1.0
    assert set(result["summary"]) == {"curriculum", "direct"}
    text = to_markdown(result, "cathnet-train compare --budget 4")
    assert "synthetic" in text and text.count("| curriculum |") == 1 and "mean ± sd" in text
    assert text.count("mean AUC minus direct") == 2


def test_the_verdict_says_by_how_much_and_whether_every_seed_agrees() -> None:
    def run(arm: str, auc: float) -> dict:
        return {"arm": arm, "level3": {"auc": auc}, "level4": {"auc": auc}}

    lines = verdict([run("curriculum", 0.8), run("curriculum", 0.85), run("direct", 0.55), run("direct", 0.6)])
    assert "+0.250" in lines[0] and "every curriculum seed is above every direct seed" in lines[0]
    assert "overlap" in verdict([run("curriculum", 0.6), run("direct", 0.55), run("direct", 0.7)])[1]
