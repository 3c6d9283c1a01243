"""Runtime backends and the ordered choice between them (ONNX Runtime's providers idea)."""

from __future__ import annotations

import importlib.util

from cathnet.backends.base import Backend
from cathnet.backends.coreml import CoreMLBackend
from cathnet.backends.coreml import unavailable_reason as coreml_unavailable_reason
from cathnet.backends.tflite import RUNTIMES, TFLiteBackend, import_interpreter
from cathnet.bundle import ModelBundle
from cathnet.errors import BackendUnavailableError

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


def _artifact_for(bundle: ModelBundle, kind: str) -> str | None:
    for name, art in bundle.artifacts.items():
        if art.kind == kind:
            return name
    return None


def create(bundle: ModelBundle, backend: str, num_threads: int | None) -> tuple[Backend, str]:
    """Builds the backend; returns it with the name of the artifact it runs.

    Args:
        bundle: a verified bundle.
        backend: one of ``BACKENDS`` or ``"auto"``.
        num_threads: interpreter threads (None: runtime default).

    Raises:
        BackendUnavailableError: unknown name (``backend.unknown``), or the backend
            (every backend, for "auto") cannot run here (``backend.unavailable``).
    """
    if backend != "auto" and backend not in BACKENDS:
        raise BackendUnavailableError(
            "backend.unknown", f"expected one of {', '.join(('auto',) + BACKENDS)}, got {backend!r}"
        )
    names = AUTO_ORDER if backend == "auto" else (backend,)
    reasons: list[str] = []
    for name in names:
        try:
            return _create_one(bundle, name, num_threads)
        except BackendUnavailableError as exc:
            if backend != "auto":
                raise
            reasons.append(f"{name}: {exc.message}")
    raise BackendUnavailableError(
        "backend.unavailable", "expected one backend to run here, got none: " + "; ".join(reasons)
    )


def _create_one(bundle: ModelBundle, name: str, num_threads: int | None) -> tuple[Backend, str]:
    if name == "coreml":
        art = _artifact_for(bundle, "mlpackage")
        model = bundle.artifacts[art].path if art else None
        return CoreMLBackend(model, num_threads), art or ""
    art = _artifact_for(bundle, "tflite")
    if art is None:
        raise BackendUnavailableError("backend.unavailable", "the bundle has no TFLite artifact")
    outputs = {k: v["shape"] for k, v in bundle.card["outputs"].items()}
    return TFLiteBackend(name, bundle.artifacts[art].path, outputs, num_threads), art


__all__ = [
    "BACKENDS",
    "Backend",
    "available_backends",
    "create",
]
