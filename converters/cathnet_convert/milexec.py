"""A reference executor for Core ML ML Programs, in numpy, so a shipped ``.mlpackage`` is
checked on Linux, where Core ML itself cannot predict.

It reads the very files that ship (the package's protobuf program and its weight blob
file) and evaluates the program op by op. Only the ops CathNet's models use are
implemented; any other op fails loudly (``UnsupportedOpError``) instead of being guessed.
Each op computes in float32 and its result is stored in the type the program declares
for it (float16 where Core ML runs in float16), so the executor rounds where Core ML does.

The protobuf classes come from coremltools (``coremltools.proto``); the semantics of each
op follow the MIL op reference (coremltools.converters.mil.mil.ops.defs).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

_BLOB_SENTINEL = 0xDEADBEEF
_BLOB_DTYPES = {1: np.float16, 2: np.float32, 3: np.uint8, 4: np.int8}  # MILBlob BlobDataType
_TENSOR_DTYPES = {
    "BOOL": np.bool_,
    "FLOAT16": np.float16,
    "FLOAT32": np.float32,
    "FLOAT64": np.float64,
    "INT8": np.int8,
    "INT16": np.int16,
    "INT32": np.int32,
    "INT64": np.int64,
    "UINT8": np.uint8,
    "UINT16": np.uint16,
    "UINT32": np.uint32,
    "UINT64": np.uint64,
}
_CAST_DTYPES = {
    "fp16": np.float16,
    "fp32": np.float32,
    "int32": np.int32,
    "bool": np.bool_,
    "int8": np.int8,
    "uint8": np.uint8,
}


class UnsupportedOpError(RuntimeError):
    """The program uses an op (or an op's option) this executor does not implement."""


class ProgramError(ValueError):
    """The package is not a readable ML Program (missing files, bad blob, bad shapes)."""


@dataclass(frozen=True)
class TensorInfo:
    """A program input or output: name, shape and element type."""

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype


def _proto() -> tuple[Any, Any]:
    from coremltools.proto import MIL_pb2, Model_pb2  # protobuf classes only; nothing predicts

    return Model_pb2, MIL_pb2


class BlobFile:
    """A MIL blob storage file (``weights/weight.bin``): 64-byte header, then per blob a
    64-byte metadata record (sentinel, data type, size, data offset) and its data."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._data = path.read_bytes()
        if len(self._data) < 64:
            raise ProgramError(f"expected a MIL blob file at {path}, got {len(self._data)} bytes")
        count, version = struct.unpack_from("<II", self._data, 0)
        if version != 2:
            raise ProgramError(f"expected blob storage version 2 in {path}, got {version}")
        self.count = count

    def read(self, offset: int, dtype: np.dtype, shape: tuple[int, ...]) -> npt.NDArray[Any]:
        """The blob whose metadata starts at ``offset``, as ``dtype`` in ``shape``."""
        if offset + 64 > len(self._data):
            raise ProgramError(f"expected blob metadata at offset {offset} of {self.path}, past its end")
        sentinel, blob_type, size, data_offset = struct.unpack_from("<IIQQ", self._data, offset)
        if sentinel != _BLOB_SENTINEL:
            raise ProgramError(f"expected blob sentinel 0xDEADBEEF at offset {offset}, got {sentinel:#x}")
        stored = _BLOB_DTYPES.get(blob_type)
        if stored is None:
            raise UnsupportedOpError(f"blob data type {blob_type} at offset {offset} is not implemented")
        if np.dtype(stored) != np.dtype(dtype):
            raise ProgramError(
                f"expected a {np.dtype(dtype)} blob at offset {offset}, the file says {np.dtype(stored)}"
            )
        count = int(np.prod(shape)) if shape else 1
        if count * np.dtype(dtype).itemsize != size or data_offset + size > len(self._data):
            raise ProgramError(
                f"expected {count} {np.dtype(dtype)} values at offset {offset}, the blob holds {size} bytes"
            )
        return np.frombuffer(self._data, dtype=dtype, count=count, offset=data_offset).reshape(shape)


def _tensor_type(value_type: Any) -> tuple[np.dtype, tuple[int, ...] | None]:
    _, mil = _proto()
    kind = value_type.WhichOneof("type")
    if kind != "tensorType":
        raise UnsupportedOpError(f"value type {kind!r} is not implemented (tensors only)")
    tt = value_type.tensorType
    name = mil.DataType.Name(tt.dataType)
    if name not in _TENSOR_DTYPES and name != "STRING":
        raise UnsupportedOpError(f"tensor data type {name} is not implemented")
    dims = []
    for d in tt.dimensions:
        if d.WhichOneof("dimension") != "constant":
            return np.dtype(object if name == "STRING" else _TENSOR_DTYPES[name]), None
        dims.append(int(d.constant.size))
    return np.dtype(object if name == "STRING" else _TENSOR_DTYPES[name]), tuple(dims)


def _value(value: Any, blobs: Callable[[str], BlobFile]) -> Any:
    """A MIL ``Value`` (immediate or in the blob file) as a numpy array (or str)."""
    dtype, shape = _tensor_type(value.type)
    kind = value.WhichOneof("value")
    if kind == "blobFileValue":
        if shape is None:
            raise ProgramError("expected a blob value of constant shape")
        return blobs(value.blobFileValue.fileName).read(int(value.blobFileValue.offset), dtype, shape)
    if kind != "immediateValue" or value.immediateValue.WhichOneof("value") != "tensor":
        raise UnsupportedOpError(f"value kind {kind!r} is not implemented (tensors only)")
    tensor = value.immediateValue.tensor
    field = tensor.WhichOneof("value")
    if field == "strings":
        items = list(tensor.strings.values)
        return items[0] if shape == () else np.array(items, dtype=object)
    if field == "bytes":
        array = np.frombuffer(tensor.bytes.values, dtype=dtype)
    elif field in ("floats", "ints", "bools", "longInts", "doubles"):
        array = np.array(list(getattr(tensor, field).values)).astype(dtype)
    else:
        raise UnsupportedOpError(f"immediate tensor field {field!r} is not implemented")
    return array.reshape(shape if shape is not None else array.shape)


def _pads(
    pad_type: str,
    pad: npt.NDArray[Any] | None,
    size: tuple[int, ...],
    kernel: tuple[int, ...],
    strides: tuple[int, ...],
    dilations: tuple[int, ...],
    ceil_mode: bool = False,
) -> list[tuple[int, int]]:
    """(before, after) padding per spatial axis for MIL's pad types."""
    out = []
    for i, (n, k, s, d) in enumerate(zip(size, kernel, strides, dilations)):
        reach = (k - 1) * d + 1
        if pad_type == "valid":
            before = after = 0
            if ceil_mode:
                after = max(0, (-(-(n - reach) // s)) * s + reach - n)
        elif pad_type in ("same", "same_lower"):
            total = max((-(-n // s) - 1) * s + reach - n, 0)
            before = total // 2 if pad_type == "same" else total - total // 2
            after = total - before
        elif pad_type == "custom":
            if pad is None:
                raise ProgramError("expected 'pad' with pad_type 'custom'")
            before, after = int(pad[2 * i]), int(pad[2 * i + 1])
        else:
            raise UnsupportedOpError(f"pad_type {pad_type!r} is not implemented")
        out.append((before, after))
    return out


def _windows(
    x: npt.NDArray[np.float32], kernel: tuple[int, int], strides: tuple[int, int], dilations: tuple[int, int]
) -> npt.NDArray[np.float32]:
    """(N, C, Ho, Wo, kh, kw) strided view of a padded NCHW tensor."""
    reach = tuple((k - 1) * d + 1 for k, d in zip(kernel, dilations))
    if x.shape[2] < reach[0] or x.shape[3] < reach[1]:
        raise ProgramError(f"expected a spatial size of at least {reach}, got {x.shape[2:]}")
    view = np.lib.stride_tricks.sliding_window_view(x, reach, axis=(2, 3))
    return view[:, :, :: strides[0], :: strides[1], :: dilations[0], :: dilations[1]]


def _conv(a: dict[str, Any]) -> npt.NDArray[np.float32]:
    x, w = a["x"], a["weight"].astype(np.float32)
    if x.ndim != 4:
        raise UnsupportedOpError(f"conv on a rank-{x.ndim} input is not implemented (2-D only)")
    groups = int(a.get("groups", 1))
    strides = tuple(int(v) for v in a.get("strides", (1, 1)))
    dilations = tuple(int(v) for v in a.get("dilations", (1, 1)))
    kernel = (w.shape[2], w.shape[3])
    pads = _pads(str(a.get("pad_type", "valid")), a.get("pad"), x.shape[2:], kernel, strides, dilations)
    xp = np.pad(x, [(0, 0), (0, 0), *pads])
    cin = x.shape[1] // groups
    cout = w.shape[0] // groups
    if cin != w.shape[1] or x.shape[1] % groups or w.shape[0] % groups:
        raise ProgramError(f"expected {w.shape[1] * groups} input channels for weight {w.shape}, got {x.shape[1]}")
    parts = []
    for g in range(groups):
        win = _windows(xp[:, g * cin : (g + 1) * cin], kernel, strides, dilations)
        wg = w[g * cout : (g + 1) * cout]
        parts.append(np.einsum("nchwij,ocij->nohw", win, wg, optimize=True))
    y = np.concatenate(parts, axis=1) if groups > 1 else parts[0]
    if a.get("bias") is not None:
        y = y + a["bias"].astype(np.float32)[None, :, None, None]
    return y


def _pool(a: dict[str, Any], reduce: str) -> npt.NDArray[np.float32]:
    x = a["x"]
    kernel = tuple(int(v) for v in a["kernel_sizes"])
    strides = tuple(int(v) for v in a.get("strides", kernel))
    if x.ndim != 4 or len(kernel) != 2:
        raise UnsupportedOpError(f"pooling on a rank-{x.ndim} input is not implemented (2-D only)")
    pads = _pads(
        str(a.get("pad_type", "valid")),
        a.get("pad"),
        x.shape[2:],
        kernel,
        strides,
        (1, 1),
        bool(a.get("ceil_mode", False)),
    )
    fill = -np.inf if reduce == "max" else 0.0
    xp = np.pad(x, [(0, 0), (0, 0), *pads], constant_values=fill)
    win = _windows(xp, kernel, strides, (1, 1))
    if reduce == "max":
        return win.max(axis=(4, 5))
    total = win.sum(axis=(4, 5))
    if bool(a.get("exclude_padding_from_average", False)) and any(p != (0, 0) for p in pads):
        ones = np.pad(np.ones((1, 1, *x.shape[2:]), np.float32), [(0, 0), (0, 0), *pads])
        return total / _windows(ones, kernel, strides, (1, 1)).sum(axis=(4, 5))
    return total / float(kernel[0] * kernel[1])


def _reduce(a: dict[str, Any], fn: Callable[..., Any]) -> npt.NDArray[np.float32]:
    axes = a.get("axes")
    axes = None if axes is None else tuple(int(v) for v in np.atleast_1d(axes))
    return fn(a["x"], axis=axes, keepdims=bool(a.get("keep_dims", False)))


def _batch_norm(a: dict[str, Any]) -> npt.NDArray[np.float32]:
    x = a["x"]
    shape = (1, -1) + (1,) * (x.ndim - 2)
    scale = (a["gamma"] if a.get("gamma") is not None else 1.0) / np.sqrt(a["variance"] + float(a.get("epsilon", 1e-5)))
    beta = a["beta"] if a.get("beta") is not None else 0.0
    return (x - np.reshape(a["mean"], shape)) * np.reshape(scale, shape) + np.reshape(beta, shape)


def _linear(a: dict[str, Any]) -> npt.NDArray[np.float32]:
    y = a["x"] @ a["weight"].astype(np.float32).T
    return y + a["bias"].astype(np.float32) if a.get("bias") is not None else y


def _matmul(a: dict[str, Any]) -> npt.NDArray[np.float32]:
    x, y = a["x"], a["y"]
    if bool(a.get("transpose_x", False)):
        x = np.swapaxes(x, -1, -2)
    if bool(a.get("transpose_y", False)):
        y = np.swapaxes(y, -1, -2)
    return np.matmul(x, y)


def _affine_dequantize(a: dict[str, Any]) -> npt.NDArray[np.float32]:
    q, zero, scale, axis = a["quantized_data"], a["zero_point"], a["scale"], int(a["axis"])
    shape = [1] * q.ndim
    if np.ndim(scale):
        shape[axis] = -1
    return (q.astype(np.float32) - np.reshape(zero, shape).astype(np.float32)) * np.reshape(scale, shape).astype(
        np.float32
    )


def _blockwise_shift_scale(a: dict[str, Any]) -> npt.NDArray[np.float32]:
    data = a["data"].astype(np.float32)
    scale = a["scale"].astype(np.float32)
    offset = a.get("offset")
    # Each scale (and offset) entry covers a block: repeat them up to the data's shape.
    reps = [d // s for d, s in zip(data.shape, scale.shape)]
    if offset is not None:
        data = data - _expand(offset, reps)
    return data * _expand(scale, reps)


def _expand(values: npt.NDArray[Any], reps: list[int]) -> npt.NDArray[np.float32]:
    out = values.astype(np.float32)
    for axis, r in enumerate(reps):
        out = np.repeat(out, r, axis=axis)
    return out


def _concat(a: dict[str, Any]) -> npt.NDArray[np.float32]:
    if bool(a.get("interleave", False)):
        raise UnsupportedOpError("concat with interleave=True is not implemented")
    return np.concatenate(a["values"], axis=int(a["axis"]))


def _cast(a: dict[str, Any]) -> npt.NDArray[Any]:
    dtype = _CAST_DTYPES.get(str(a["dtype"]))
    if dtype is None:
        raise UnsupportedOpError(f"cast to {a['dtype']!r} is not implemented")
    return a["x"].astype(dtype)


def _softmax(a: dict[str, Any]) -> npt.NDArray[np.float32]:
    x = a["x"]
    axis = int(a.get("axis", -1))
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _reshape(a: dict[str, Any]) -> npt.NDArray[Any]:
    """MIL ``reshape``; a program is saved for one frame, and the executor runs a batch
    through it, so a leading 1 in the target shape stands for the batch."""
    x, shape = a["x"], [int(v) for v in a["shape"]]
    if shape and shape[0] == 1 and x.ndim and x.shape[0] > 1 and x.size == x.shape[0] * int(np.prod(shape[1:])):
        shape[0] = x.shape[0]
    return np.reshape(x, tuple(shape))


def _upsample_nearest(a: dict[str, Any]) -> npt.NDArray[np.float32]:
    """MIL ``upsample_nearest_neighbor`` (NCHW) for whole-number scale factors."""
    fh, fw = float(a.get("scale_factor_height", 1)), float(a.get("scale_factor_width", 1))
    if fh != int(fh) or fw != int(fw):
        raise UnsupportedOpError(f"upsample_nearest_neighbor by {fh} x {fw}: only whole factors are implemented")
    return np.repeat(np.repeat(a["x"], int(fh), axis=2), int(fw), axis=3)


# op type → implementation on its named inputs (float32 arrays, or python scalars / str).
_OPS: dict[str, Callable[[dict[str, Any]], Any]] = {
    "conv": _conv,
    "batch_norm": _batch_norm,
    "relu": lambda a: np.maximum(a["x"], 0),
    "sigmoid": lambda a: 1.0 / (1.0 + np.exp(-a["x"])),
    "softmax": _softmax,
    "avg_pool": lambda a: _pool(a, "avg"),
    "max_pool": lambda a: _pool(a, "max"),
    "reduce_max": lambda a: _reduce(a, np.max),
    "reduce_mean": lambda a: _reduce(a, np.mean),
    "concat": _concat,
    "upsample_nearest_neighbor": _upsample_nearest,
    # Keras's nearest UpSampling2D arrives as a repeat: expand_dims, tile, reshape.
    "expand_dims": lambda a: np.expand_dims(a["x"], tuple(int(v) for v in a["axes"])),
    "tile": lambda a: np.tile(a["x"], tuple(int(v) for v in a["reps"])),
    "linear": _linear,
    "matmul": _matmul,
    "mul": lambda a: a["x"] * a["y"],
    "add": lambda a: a["x"] + a["y"],
    "sub": lambda a: a["x"] - a["y"],
    "transpose": lambda a: np.transpose(a["x"], tuple(int(v) for v in a["perm"])),
    "reshape": _reshape,
    "squeeze": lambda a: np.squeeze(a["x"], axis=None if a.get("axes") is None else tuple(int(v) for v in a["axes"])),
    "cast": _cast,
    "constexpr_affine_dequantize": _affine_dequantize,
    "constexpr_blockwise_shift_scale": _blockwise_shift_scale,
}
SUPPORTED_OPS = frozenset(_OPS) | {"const"}


@dataclass(frozen=True)
class _Op:
    type: str
    inputs: dict[str, list[str | Any]]  # parameter → bound names (str) or constants
    outputs: list[tuple[str, np.dtype, tuple[int, ...] | None]]


class MLProgram:
    """A loaded ML Program: ``run({"image": x})`` → ``{output name: array}``."""

    def __init__(
        self,
        inputs: list[TensorInfo],
        outputs: list[TensorInfo],
        ops: list[_Op],
        constants: dict[str, Any],
        metadata: dict[str, str],
        opset: str,
    ) -> None:
        self.inputs, self.outputs, self.metadata, self.opset = inputs, outputs, metadata, opset
        self._ops, self._constants = ops, constants

    @property
    def op_types(self) -> dict[str, int]:
        """Op type → count, constants included."""
        counts: dict[str, int] = {"const": len(self._constants)}
        for op in self._ops:
            counts[op.type] = counts.get(op.type, 0) + 1
        return counts

    @classmethod
    def load(cls, package: Path) -> MLProgram:
        """Reads an ``.mlpackage`` folder (or a bare ``model.mlmodel`` beside ``weights/``).

        Raises:
            ProgramError: not an ML Program package, or its weights do not match it.
            UnsupportedOpError: it uses an op this executor does not implement.
        """
        model_pb2, _ = _proto()
        spec_path = _spec_path(Path(package))
        spec = model_pb2.Model()
        try:
            spec.ParseFromString(spec_path.read_bytes())
        except Exception as exc:
            raise ProgramError(
                f"expected a Core ML model protobuf at {spec_path}, got {type(exc).__name__}: {exc}"
            ) from exc
        if spec.WhichOneof("Type") != "mlProgram":
            raise ProgramError(f"expected an ML Program in {spec_path}, got {spec.WhichOneof('Type')!r}")
        program = spec.mlProgram
        if "main" not in program.functions:
            raise ProgramError(f"expected a 'main' function in {spec_path}")
        main = program.functions["main"]
        block = main.block_specializations[main.opset]
        files: dict[str, BlobFile] = {}

        def blobs(name: str) -> BlobFile:
            if name not in files:
                relative = name.replace("@model_path/", "", 1)
                path = spec_path.parent / relative
                if not path.is_file():
                    raise ProgramError(f"expected the weight file {relative} beside {spec_path.name}")
                files[name] = BlobFile(path)
            return files[name]

        unsupported = sorted({op.type for op in block.operations} - SUPPORTED_OPS)
        if unsupported:
            raise UnsupportedOpError(f"the program uses ops this executor does not implement: {', '.join(unsupported)}")
        constants: dict[str, Any] = {}
        ops: list[_Op] = []
        for op in block.operations:
            if op.type == "const":
                constants[op.outputs[0].name] = _value(op.attributes["val"], blobs)
                continue
            bound: dict[str, list[str | Any]] = {}
            for param, arg in op.inputs.items():
                bound[param] = [
                    b.name if b.WhichOneof("binding") == "name" else _Const(_value(b.value, blobs))
                    for b in arg.arguments
                ]
            for param, attr in op.attributes.items():  # iOS16 constexpr ops keep their data here
                if param != "name":
                    bound[param] = [_Const(_value(attr, blobs))]
            outs = [(o.name, *_tensor_type(o.type)) for o in op.outputs]
            ops.append(_Op(op.type, bound, outs))
        inputs = [TensorInfo(i.name, *_shape_dtype(i.type)) for i in main.inputs]
        out_types = {name: (dtype, shape) for op in ops for name, dtype, shape in op.outputs}
        outputs = []
        for name in block.outputs:
            dtype, shape = out_types.get(name, (np.dtype(np.float32), None))
            outputs.append(TensorInfo(name, shape or (), dtype))
        metadata = dict(spec.description.metadata.userDefined)
        return cls(inputs, outputs, ops, constants, metadata, main.opset)

    def run(self, feeds: dict[str, npt.NDArray[Any]]) -> dict[str, npt.NDArray[np.float32]]:
        """Evaluates the program; ``feeds`` maps each input name to an array of its shape
        (the batch axis may differ from the declared one)."""
        env: dict[str, Any] = dict(self._constants)
        for info in self.inputs:
            if info.name not in feeds:
                raise ProgramError(f"expected an input named {info.name!r}, got {sorted(feeds)}")
            x = np.asarray(feeds[info.name])
            if x.shape[1:] != info.shape[1:]:
                raise ProgramError(
                    f"expected {info.name!r} of shape (N, {', '.join(map(str, info.shape[1:]))}), got {x.shape}"
                )
            env[info.name] = x.astype(info.dtype)
        for op in self._ops:
            args: dict[str, Any] = {}
            for param, items in op.inputs.items():
                values = [item.value if isinstance(item, _Const) else env[item] for item in items]
                values = [_scalar(_as_compute(v)) for v in values]
                args[param] = values if param == "values" else values[0]
            result = _OPS[op.type](args)
            results = result if isinstance(result, tuple) else (result,)
            for (name, dtype, _), value in zip(op.outputs, results):
                env[name] = np.asarray(value).astype(dtype)
        return {o.name: np.asarray(env[o.name], dtype=np.float32) for o in self.outputs}


@dataclass(frozen=True)
class _Const:
    value: Any


def _as_compute(v: Any) -> Any:
    """Floating tensors compute in float32 (stored as declared, e.g. float16)."""
    if isinstance(v, np.ndarray) and v.dtype.kind == "f":
        return v.astype(np.float32)
    return v


def _scalar(v: Any) -> Any:
    if isinstance(v, np.ndarray) and v.dtype == object:
        return v.item() if v.ndim == 0 else v
    return v


def _shape_dtype(value_type: Any) -> tuple[tuple[int, ...], np.dtype]:
    dtype, shape = _tensor_type(value_type)
    if shape is None:
        raise UnsupportedOpError("flexible input shapes are not implemented")
    return shape, dtype


def _spec_path(package: Path) -> Path:
    """The protobuf inside an ``.mlpackage`` (through its Manifest.json) or the path itself."""
    if package.is_file():
        return package
    manifest = package / "Manifest.json"
    if not manifest.is_file():
        raise ProgramError(f"expected an .mlpackage folder with Manifest.json, got {package}")
    try:
        info = json.loads(manifest.read_text())
        entry = info["itemInfoEntries"][info["rootModelIdentifier"]]
    except (ValueError, KeyError) as exc:
        raise ProgramError(
            f"expected a Core ML package manifest in {manifest}, got {type(exc).__name__}: {exc}"
        ) from exc
    path = package / "Data" / entry["path"]
    if not path.is_file():
        raise ProgramError(f"expected the model specification at {path}")
    return path
