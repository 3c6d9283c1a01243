from __future__ import annotations

import pytest

from cathnet_train.evaluate import evaluate


def test_evaluate_measures_the_shipped_bundle_on_held_out_seeds() -> None:
    result = evaluate(n=40, split="test")
    assert result["n"] == 40 and 0 < result["positives"] < 40
    assert "never used in training" in result["test_set"] and "synthetic" in result["test_set"]
    assert result["auc"] >= 0.8  # the shipped model measures ~0.96 on 1000 such frames
    assert result["backend"] in {"litert", "tflite-runtime", "tensorflow"}
    assert result["command"].startswith("cathnet-train evaluate")


def test_level_4_reads_photos_of_the_monitor_through_the_sdk_photo_path() -> None:
    result = evaluate(n=12, split="test", level=4)
    assert result["n"] + result["refused_photos"] == 12 and result["n"] >= 8
    assert "photographed on a simulated monitor" in result["test_set"] and "9050000" in result["test_set"]
    assert result["lesion_hit_rate"] is None or 0.0 <= result["lesion_hit_rate"] <= 1.0
    assert result["command"].startswith("cathnet-train evaluate --n 12 --split test --level 4 --look")


def test_only_levels_3_and_4_are_evaluated() -> None:
    with pytest.raises(ValueError, match="level 3"):
        evaluate(n=4, level=2)


def test_the_look_defaults_to_the_one_the_model_was_trained_on() -> None:
    from cathnet import ModelBundle
    from cathnet_train.dataset import trained_look

    assert trained_look({}) == "v1"  # cards from before the looks
    assert trained_look({"training": {"config": {"look": "real"}}}) == "real"
    result = evaluate(n=8, split="test")
    assert result["look"] == trained_look(ModelBundle.load().card)
    assert result["command"].endswith(f"--look {result['look']}")
