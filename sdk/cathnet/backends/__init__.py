"""Runtime backends and the ordered choice between them (ONNX Runtime's providers idea)."""

from __future__ import annotations

import importlib.util

from cathnet.backends.base import Backend
from cathnet.backends.coreml import CoreMLBackend
from cathnet.backends.coreml import unavailable_reason as coreml_unavailable_reason
from cathnet.backends.tflite import RUNTIMES, TFLiteBackend, import_interpreter
from cathnet.bundle import ModelBundle
from cathnet.errors import BackendUnavailableError, ModelIntegrityError
from cathnet.preprocess import InputSpec

# "auto" tries these in order and takes the first that loads.
AUTO_ORDER = ("coreml", "litert", "tflite-runtime", "tensorflow")
BACKENDS = AUTO_ORDER


def available_backends() -> dict[str, str | None]:
    """Each backend → None if its runtime is installed here, else the reason it is not.

    LiteRT and tflite-runtime are imported (cheap); TensorFlow is only looked up,
    since importing it takes seconds. Importability is not the whole story:
    tflite-runtime 2.14 under numpy 2 imports and fails only when it builds an
    interpreter, which ``create`` reports.
    """
    out: dict[str, str | None] = {"coreml": coreml_unavailable_reason()}
    for name, (module, _) in RUNTIMES.items():
        if name == "tensorflow":
            found = importlib.util.find_spec(module) is not None
            out[name] = None if found else "tensorflow is not installed (the 'train' extra)"
            continue
        try:
            import_interpreter(name)
            out[name] = None
        except BackendUnavailableError as exc:
            out[name] = exc.message
    return out


KIND_OF_BACKEND = {"coreml": "mlpackage", "litert": "tflite", "tflite-runtime": "tflite", "tensorflow": "tflite"}
DEFAULT_VARIANT = {"tflite": "tflite_int8", "mlpackage": "coreml"}


def _artifact_for(bundle: ModelBundle, kind: str, variant: str | None) -> str | None:
    """The artifact a backend of ``kind`` runs: ``variant`` if given (``create`` checked
    its kind), else the default variant for the kind, else the first artifact of the kind."""
    if variant is not None:
        return variant
    default = bundle.artifacts.get(DEFAULT_VARIANT[kind])
    if default is not None and default.kind == kind:
        return DEFAULT_VARIANT[kind]
    return next((name for name, art in bundle.artifacts.items() if art.kind == kind), None)


def create(
    bundle: ModelBundle, backend: str, num_threads: int | None, variant: str | None = None
) -> tuple[Backend, str]:
    """Builds the backend; returns it with the name of the artifact it runs.

    Args:
        bundle: a verified bundle.
        backend: one of ``BACKENDS`` or ``"auto"``.
        num_threads: interpreter threads (None: runtime default).
        variant: the artifact to run; None for the backend's default. With "auto",
            only backends that can run this artifact's kind are tried.

    Raises:
        BackendUnavailableError: unknown name (``backend.unknown``), unknown variant
            or one this backend cannot run (``backend.bad_variant``), or the backend
            (every backend, for "auto") cannot run here (``backend.unavailable``).
        ModelIntegrityError: the model's input or outputs are not the card's
            (``model.integrity``; never skipped over by "auto").
    """
    if backend != "auto" and backend not in BACKENDS:
        raise BackendUnavailableError(
            "backend.unknown", f"expected one of {', '.join(('auto', *BACKENDS))}, got {backend!r}"
        )
    runnable = {name: art.kind for name, art in bundle.artifacts.items() if art.kind in DEFAULT_VARIANT}
    if variant is not None and variant not in runnable:
        raise BackendUnavailableError(
            "backend.bad_variant", f"expected one of the bundle's variants ({', '.join(runnable)}), got {variant!r}"
        )
    names: tuple[str, ...] = AUTO_ORDER if backend == "auto" else (backend,)
    if variant is not None:
        names = tuple(n for n in names if KIND_OF_BACKEND[n] == runnable[variant])
        if not names:
            raise BackendUnavailableError(
                "backend.bad_variant",
                f"expected a {runnable[variant]} backend for variant {variant!r}, got {backend!r}",
            )
    reasons: list[str] = []
    for name in names:
        try:
            return _create_one(bundle, name, num_threads, variant)
        except BackendUnavailableError as exc:
            if backend != "auto":
                raise
            reasons.append(f"{name}: {exc.message}")
    raise BackendUnavailableError(
        "backend.unavailable", "expected one backend to run here, got none: " + "; ".join(reasons)
    )


def _create_one(bundle: ModelBundle, name: str, num_threads: int | None, variant: str | None) -> tuple[Backend, str]:
    backend: Backend
    if name == "coreml":
        art = _artifact_for(bundle, "mlpackage", variant)
        backend = CoreMLBackend(bundle.artifacts[art].path if art else None, num_threads)
    else:
        art = _artifact_for(bundle, "tflite", variant)
        if art is None:
            raise BackendUnavailableError("backend.unavailable", "the bundle has no TFLite artifact")
        outputs = {k: v["shape"] for k, v in bundle.card["outputs"].items()}
        backend = TFLiteBackend(name, bundle.artifacts[art].path, outputs, num_threads)
    try:
        check_input_shape(backend.input_shape, bundle.input_spec, art or "")
    except ModelIntegrityError:
        backend.close()
        raise
    return backend, art or ""


def check_input_shape(shape: tuple[int, ...], spec: InputSpec, artifact: str) -> None:
    """Refuses a model whose input is not the card's (1, height, width, channels).

    Raises:
        ModelIntegrityError: ``model.integrity``.
    """
    expected = (1, spec.height, spec.width, spec.channels)
    if tuple(shape) != expected:
        raise ModelIntegrityError(
            "model.integrity",
            f"expected {artifact!r} to take input {expected}, as the card says, got {tuple(shape)}: "
            "the card does not match the model",
        )


__all__ = [
    "BACKENDS",
    "Backend",
    "available_backends",
    "check_input_shape",
    "create",
]
