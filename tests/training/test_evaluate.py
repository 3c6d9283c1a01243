from __future__ import annotations

from cathnet_train.evaluate import evaluate


def test_evaluate_measures_the_shipped_bundle_on_held_out_seeds() -> None:
    result = evaluate(n=40, split="test")
    assert result["n"] == 40 and 0 < result["positives"] < 40
    assert "never used in training" in result["test_set"] and "synthetic" in result["test_set"]
    assert result["auc"] >= 0.8  # the shipped model measures ~0.96 on 1000 such frames
    assert result["backend"] in {"litert", "tflite-runtime", "tensorflow"}
    assert result["command"].startswith("cathnet-train evaluate")
