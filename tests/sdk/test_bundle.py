from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import cathnet
from cathnet.bundle import ModelBundle, default_bundle_path
from cathnet.cli import main


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
        # every figure names its test set: real (ARCADE val) or synthetic, said so
        assert "synthetic" in metric["test_set"] or "ARCADE stenosis val" in metric["test_set"]


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


@pytest.mark.parametrize(
    "mutate",
    [
        lambda card: card["input"].update(height=224, width=224),  # the card's input is not the model's
        lambda card: card["outputs"]["probability"].update(shape=[2]),  # nor an output
    ],
)
def test_a_card_that_does_not_match_its_model_is_refused(
    tmp_path: Path,
    mutate,
    capsys,  # type: ignore[no-untyped-def]
    sample_paths: list[Path],
) -> None:
    """The files verify (sha256), but the model does not take or give what the card says:
    refused when the analyzer is built, and the CLI exits 2 with the code."""
    dst = _copy(tmp_path)
    card = json.loads((dst / "model.json").read_text())
    mutate(card)
    (dst / "model.json").write_text(json.dumps(card))
    ModelBundle.load(dst)  # the card itself is well formed and its files verify
    with pytest.raises(cathnet.ModelIntegrityError) as err:
        cathnet.Analyzer(dst, backend="litert")
    assert err.value.code == "model.integrity" and "card" in err.value.message
    with pytest.raises(cathnet.ModelIntegrityError):
        cathnet.Analyzer(dst)  # "auto" does not fall back to another backend past it
    assert main(["analyze", "--model", str(dst), str(sample_paths[0])]) == 2
    assert "model.integrity" in capsys.readouterr().err


def test_tampered_and_truncated_bundles_exit_the_cli_with_2(
    tmp_path: Path,
    capsys,  # type: ignore[no-untyped-def]
    sample_paths: list[Path],
) -> None:
    for damage in ("tamper", "truncate"):
        dst = _copy(tmp_path / damage)
        model = dst / json.loads((dst / "model.json").read_text())["artifacts"]["tflite_int8"]["file"]
        data = bytearray(model.read_bytes())
        if damage == "tamper":
            data[len(data) // 3] ^= 0x5A
        else:
            data = data[: len(data) // 2]
        model.write_bytes(bytes(data))
        assert main(["analyze", "--model", str(dst), str(sample_paths[0])]) == 2
        assert "error model.integrity" in capsys.readouterr().err


def test_the_core_ml_packages_input_is_checked_against_the_card() -> None:
    """Core ML predicts only on macOS, where the backend checks its package's declared
    input against the card before any prediction. The same check, on the shipped
    packages' real specs, runs here: each matches the card, and a card that says
    otherwise is refused."""
    pytest.importorskip("coremltools", reason="reading a package's spec needs coremltools (the 'convert' extra)")
    from cathnet.backends import check_input_shape
    from cathnet.backends.coreml import declared_input_shape
    from cathnet.preprocess import InputSpec

    bundle = ModelBundle.load()
    packages = {name: a.path for name, a in bundle.artifacts.items() if a.kind == "mlpackage"}
    assert packages
    wrong = InputSpec.from_card({**bundle.card["input"], "height": 224, "width": 224})
    for name, path in packages.items():
        shape = declared_input_shape(path)
        check_input_shape(shape, bundle.input_spec, name)
        with pytest.raises(cathnet.ModelIntegrityError) as err:
            check_input_shape(shape, wrong, name)
        assert err.value.code == "model.integrity" and "(1, 224, 224, 1)" in err.value.message
