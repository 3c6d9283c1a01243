from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import cathnet
from cathnet.bundle import ModelBundle, default_bundle_path


def _copy(tmp_path: Path) -> Path:
    dst = tmp_path / "bundle"
    shutil.copytree(default_bundle_path(), dst)
    return dst


def test_shipped_bundle_verifies_and_is_lean() -> None:
    bundle = ModelBundle.load()
    assert bundle.artifacts and all(a.bytes > 0 for a in bundle.artifacts.values())
    total = sum(f.stat().st_size for f in default_bundle_path().rglob("*") if f.is_file())
    assert total <= 8 * 1024 * 1024
    for metric in bundle.card["metrics"].values():
        assert "synthetic" in metric["test_set"]  # every figure names its test set


def test_tampered_artifact_is_refused(tmp_path: Path) -> None:
    dst = _copy(tmp_path)
    model = next(dst.glob("*.tflite"))
    data = bytearray(model.read_bytes())
    data[len(data) // 2] ^= 0xFF
    model.write_bytes(bytes(data))
    with pytest.raises(cathnet.ModelIntegrityError) as err:
        cathnet.Analyzer(dst)
    assert err.value.code == "model.integrity" and "sha256" in err.value.message


def test_truncated_artifact_is_refused(tmp_path: Path) -> None:
    dst = _copy(tmp_path)
    model = next(dst.glob("*.tflite"))
    model.write_bytes(model.read_bytes()[:1000])
    with pytest.raises(cathnet.ModelIntegrityError, match="bytes"):
        ModelBundle.load(dst)


def test_missing_artifact_and_missing_bundle(tmp_path: Path) -> None:
    dst = _copy(tmp_path)
    next(dst.glob("*.tflite")).unlink()
    with pytest.raises(cathnet.ModelIntegrityError) as err:
        ModelBundle.load(dst)
    assert err.value.code == "model.artifact_missing"
    with pytest.raises(cathnet.ModelNotFoundError) as err2:
        ModelBundle.load(tmp_path / "nowhere")
    assert err2.value.code == "model.not_found"


@pytest.mark.parametrize(
    "mutate",
    [
        lambda card: card.pop("input"),
        lambda card: card["artifacts"]["tflite_int8"].update(file="../../etc/passwd"),
        lambda card: card["input"].update(channels=3),
    ],
)
def test_invalid_cards_are_refused(tmp_path: Path, mutate) -> None:  # type: ignore[no-untyped-def]
    dst = _copy(tmp_path)
    card = json.loads((dst / "model.json").read_text())
    mutate(card)
    (dst / "model.json").write_text(json.dumps(card))
    with pytest.raises(cathnet.ModelIntegrityError) as err:
        ModelBundle.load(dst)
    assert err.value.code == "model.card_invalid"


def test_unparseable_card(tmp_path: Path) -> None:
    dst = _copy(tmp_path)
    (dst / "model.json").write_text("{not json")
    with pytest.raises(cathnet.ModelIntegrityError, match="JSON"):
        ModelBundle.load(dst)
