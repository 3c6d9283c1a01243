"""The numpy ML Program executor: the saved .mlpackage against Keras and TensorFlow.

Core ML cannot predict on Linux, so this executor is what checks the packages we ship;
it must agree with independent implementations op by op and refuse what it cannot run.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

ct = pytest.importorskip("coremltools", reason="Core ML conversion needs the 'convert' extra (coremltools)")
keras = pytest.importorskip("keras", reason="conversion needs the 'convert' extra (TensorFlow)")

from cathnet.preprocess import InputSpec  # noqa: E402
from cathnet_convert.coreml import to_mlpackage  # noqa: E402
from cathnet_convert.milexec import MLProgram, ProgramError, UnsupportedOpError  # noqa: E402
from cathnet_train import dataset  # noqa: E402
from cathnet_train.model import build_model  # noqa: E402

pytestmark = pytest.mark.slow
META = {"id": "test-model", "version": "9.9.9", "threshold": 0.42, "input": {"width": 256}}


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> tuple[keras.Model, Path, Path]:
    keras.utils.set_random_seed(3)
    model = build_model(InputSpec(), growth=4)
    folder = tmp_path_factory.mktemp("coreml")
    fp16 = to_mlpackage(model, folder / "m.mlpackage", META, "2026-11-29T00:00:00Z")
    int8w = to_mlpackage(model, folder / "q.mlpackage", META, "2026-11-29T00:00:00Z", int8_weights=True)
    return model, fp16, int8w


@pytest.fixture(scope="module")
def frames() -> np.ndarray:
    return dataset.build(dataset.seeds("test", 6), InputSpec(), workers=1).x


def test_the_saved_program_matches_keras(converted: tuple, frames: np.ndarray) -> None:
    model, fp16, _ = converted
    program = MLProgram.load(fp16)
    assert [i.name for i in program.inputs] == ["image"]
    assert sorted(o.name for o in program.outputs) == ["lesion_map", "probability"]
    assert program.metadata["cathnet.id"] == "test-model" and program.metadata["cathnet.version"] == "9.9.9"
    assert float(program.metadata["cathnet.threshold"]) == 0.42
    assert program.metadata["com.github.apple.coremltools.conversion_date"] == "2026-11-29T00:00:00Z"
    assert {"conv", "concat", "relu", "avg_pool"} <= program.op_types.keys()
    got = program.run({"image": frames})
    want = model.predict(frames, verbose=0)
    # float16 compute against float32: a few float16 steps.
    assert np.abs(got["probability"] - want["probability"]).max() < 0.01
    assert np.abs(got["lesion_map"] - want["lesion_map"]).max() < 0.02
    assert got["probability"].dtype == np.float32 and got["lesion_map"].shape == (6, 32, 32, 2)


def test_int8_weights_are_dequantised(converted: tuple, frames: np.ndarray) -> None:
    model, _, int8w = converted
    program = MLProgram.load(int8w)
    assert program.op_types.get("constexpr_affine_dequantize", 0) > 0
    got = program.run({"image": frames})
    want = model.predict(frames, verbose=0)
    assert np.abs(got["probability"] - want["probability"]).max() < 0.03


def test_blob_reader_agrees_with_coremltools(converted: tuple) -> None:
    from coremltools.libmilstoragepython import _BlobStorageReader

    from cathnet_convert.milexec import BlobFile

    _, fp16, _ = converted
    weights = next(fp16.rglob("weight.bin"))
    ours, theirs = BlobFile(weights), _BlobStorageReader(str(weights))
    spec = ct.utils.load_spec(str(fp16))
    main = spec.mlProgram.functions["main"]
    checked = 0
    for op in main.block_specializations[main.opset].operations:
        value = op.attributes["val"] if op.type == "const" else None
        if value is not None and value.WhichOneof("value") == "blobFileValue":
            offset = value.blobFileValue.offset
            expected = np.asarray(theirs.read_fp16_data(offset)).view(np.float16)
            got = ours.read(offset, np.dtype(np.float16), (expected.size,))
            np.testing.assert_array_equal(got, expected)
            checked += 1
    assert checked > 10


def _mil_package(tmp_path: Path, body, shape=(1, 3, 11, 11)) -> Path:
    from coremltools.converters.mil import Builder as mb

    @mb.program(input_specs=[mb.TensorSpec(shape=shape)], opset_version=ct.target.iOS16)
    def program(x):
        return body(mb, x)

    mlmodel = ct.convert(
        program,
        convert_to="mlprogram",
        compute_precision=ct.precision.FLOAT32,
        minimum_deployment_target=ct.target.iOS16,
    )
    path = tmp_path / "p.mlpackage"
    mlmodel.save(str(path))
    return path


@pytest.mark.parametrize("stride,pad_type", [(1, "same"), (2, "same"), (2, "valid"), (3, "same")])
def test_conv_and_pooling_follow_tensorflow(tmp_path: Path, stride: int, pad_type: str) -> None:
    import tensorflow as tf

    rng = np.random.default_rng(stride)
    w = rng.normal(size=(4, 3, 3, 3)).astype(np.float32)
    b = rng.normal(size=4).astype(np.float32)

    def body(mb, x):
        y = mb.conv(x=x, weight=w, bias=b, strides=[stride, stride], pad_type=pad_type)
        y = mb.avg_pool(x=y, kernel_sizes=[2, 2], strides=[2, 2], pad_type="same", exclude_padding_from_average=True)
        m = mb.max_pool(x=x, kernel_sizes=[3, 3], strides=[2, 2], pad_type="valid")
        return y, mb.reduce_mean(x=m, axes=[2, 3], keep_dims=False)

    program = MLProgram.load(_mil_package(tmp_path, body))
    x = rng.normal(size=(1, 3, 11, 11)).astype(np.float32)
    got = list(program.run({program.inputs[0].name: x}).values())
    nhwc = tf.constant(x.transpose(0, 2, 3, 1))
    conv = tf.nn.conv2d(nhwc, w.transpose(2, 3, 1, 0), stride, pad_type.upper()) + b
    pooled = tf.nn.avg_pool2d(conv, 2, 2, "SAME").numpy().transpose(0, 3, 1, 2)
    maxed = tf.nn.max_pool2d(nhwc, 3, 2, "VALID").numpy().mean(axis=(1, 2))
    np.testing.assert_allclose(got[0], pooled, atol=1e-4)
    np.testing.assert_allclose(got[1], maxed, atol=1e-5)


def test_an_op_it_does_not_implement_fails_loudly(tmp_path: Path) -> None:
    path = _mil_package(tmp_path, lambda mb, x: mb.tanh(x=x))
    with pytest.raises(UnsupportedOpError, match="tanh"):
        MLProgram.load(path)


def test_damaged_weights_are_refused(converted: tuple, tmp_path: Path) -> None:
    _, fp16, _ = converted
    copy = tmp_path / "damaged.mlpackage"
    shutil.copytree(fp16, copy)
    weights = next(copy.rglob("weight.bin"))
    data = bytearray(weights.read_bytes())
    weights.write_bytes(bytes(data[: len(data) // 2]))
    with pytest.raises(ProgramError):
        MLProgram.load(copy)
    data[64:68] = b"\0\0\0\0"  # the first blob's sentinel
    weights.write_bytes(bytes(data))
    with pytest.raises(ProgramError, match="sentinel"):
        MLProgram.load(copy)
    with pytest.raises(ProgramError, match="Manifest"):
        MLProgram.load(tmp_path)


def test_inputs_of_the_wrong_shape_are_refused(converted: tuple) -> None:
    program = MLProgram.load(converted[1])
    with pytest.raises(ProgramError, match="shape"):
        program.run({"image": np.zeros((1, 128, 128, 1), np.float32)})
    with pytest.raises(ProgramError, match="named 'image'"):
        program.run({"x": np.zeros((1, 256, 256, 1), np.float32)})


def test_the_region_model_with_its_upsampling_matches_keras(tmp_path: Path, frames: np.ndarray) -> None:
    from cathnet_train.region_model import build_region_model

    keras.utils.set_random_seed(4)
    model = build_region_model(InputSpec(), widths=(8, 8, 16, 16))
    program = MLProgram.load(to_mlpackage(model, tmp_path / "r.mlpackage", META, "2026-11-29T00:00:00Z"))
    assert {"tile", "expand_dims"} <= program.op_types.keys()  # nearest UpSampling2D, as Core ML receives it
    got = program.run({"image": frames})
    want = model.predict(frames, verbose=0)
    assert got["lesion_map"].shape == (6, 128, 128, 3)
    assert np.abs(got["probability"] - want["probability"]).max() < 0.01
    assert np.abs(got["lesion_map"] - want["lesion_map"]).max() < 0.02
