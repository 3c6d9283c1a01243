"""The benchmarked stages, each a query to time: capture, preprocess, inference, predict.

The same definitions serve ``cathnet bench`` (a device target, SDK only) and the
pytest-benchmark suites in ``benchmarks/``, so both time exactly the same work. Inputs
are decoded once: the stages time the SDK, not the file system.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt

from cathnet import backends, capture, image_input
from cathnet._arrays import u8
from cathnet.analyzer import Analyzer
from cathnet.bundle import ModelBundle
from cathnet.errors import CathNetError
from cathnet.preprocess import preprocess

CAPTURE_STAGES = ("capture_preview", "rectify", "capture")
MODEL_STAGES = ("invoke", "inference")
STAGES = (*CAPTURE_STAGES, "preprocess", *MODEL_STAGES, "predict", "end_to_end_photo")
PREVIEW_WH = (640, 480)  # a camera preview frame


@dataclass(frozen=True)
class Stage:
    """One thing to time.

    Attributes:
        name: one of ``STAGES``.
        variant: the bundle artifact that runs (None for stages without a model).
        backend: the runtime that runs it (None for stages without a model).
        threads: OpenCV and interpreter threads.
        query: one query; called repeatedly.
        macs: multiply-accumulates per query, for the roofline (model stages only).
    """

    name: str
    variant: str | None
    backend: str | None
    threads: int
    query: Callable[[], object]
    macs: int | None = None


@dataclass(frozen=True)
class Inputs:
    """Decoded inputs: digital frames, and monitor photos (with their preview frames)."""

    frames: tuple[npt.NDArray[Any], ...]
    photos: tuple[npt.NDArray[np.uint8], ...]
    previews: tuple[npt.NDArray[np.uint8], ...]
    names: dict[str, list[str]]

    @classmethod
    def load(cls, frames: Sequence[str | Path] | None = None, photos: Sequence[str | Path] | None = None) -> Inputs:
        """Reads the frames and photos (default: the SDK's samples and its sample monitor photo).

        Raises:
            InvalidImageError: a file is not a readable image.
            CathNetError: ``bench.no_screen``, a photo has no monitor in it.
        """
        samples = Path(str(resources.files("cathnet") / "samples"))
        frame_paths = [Path(p) for p in frames] if frames else sorted(samples.glob("*.png"))
        photo_paths = [Path(p) for p in photos] if photos else [samples / "photos" / "monitor_photo.jpg"]
        decoded_photos = []
        for path in photo_paths:
            photo = image_input.read_image(path)
            if photo.dtype != np.uint8 or not capture.find_screen(photo):
                raise CathNetError("bench.no_screen", f"expected an 8-bit photo of the angiogram monitor, got {path}")
            decoded_photos.append(u8(photo))
        return cls(
            frames=tuple(image_input.read_image(p) for p in frame_paths),
            photos=tuple(decoded_photos),
            previews=tuple(u8(cv2.resize(p, PREVIEW_WH, interpolation=cv2.INTER_AREA)) for p in decoded_photos),
            names={"frames": [p.name for p in frame_paths], "photos": [p.name for p in photo_paths]},
        )


def _cycle(fn: Callable[[Any], object], items: Sequence[Any]) -> Callable[[], object]:
    """A query that applies ``fn`` to the next item, round-robin."""
    it = itertools.cycle(items)
    return lambda: fn(next(it))


def capture_stages(inputs: Inputs, side: int, threads: int, wanted: Sequence[str]) -> Iterator[Stage]:
    """Screen detection on preview frames; rectification and the whole capture on photos.

    One locator network serves every stage, as an app's ``Analyzer`` and ``LiveTracker`` keep theirs.
    """
    locator = capture.Locator(num_threads=threads)
    if "capture_preview" in wanted:
        yield Stage(
            "capture_preview",
            None,
            None,
            threads,
            _cycle(lambda f: capture.find_screen(f, preview=True, locator=locator), inputs.previews),
        )
    if "rectify" in wanted:
        found = [(p, capture.find_screen(p, locator=locator).corners) for p in inputs.photos]  # type: ignore[union-attr]
        yield Stage("rectify", None, None, threads, _cycle(lambda pc: capture.rectify(*pc), found))
    if "capture" in wanted:
        yield Stage(
            "capture",
            None,
            None,
            threads,
            _cycle(lambda p: capture.capture_angiogram(p, side, locator), inputs.photos),
        )


def model_stages(
    bundle: ModelBundle, backend: str, variant: str, threads: int, inputs: Inputs, wanted: Sequence[str]
) -> Iterator[Stage]:
    """The raw interpreter ``invoke`` (TFLite backends) and ``inference`` (quantise, invoke,
    dequantise: ``Backend.run``) of one variant on one backend.

    Raises:
        BackendUnavailableError: the backend cannot run this variant here.
    """
    runner, _ = backends.create(bundle, backend, threads, variant)
    xs = [preprocess(f, bundle.input_spec)[0][None, ...] for f in inputs.frames]
    interpreter = getattr(runner, "interpreter", None)
    macs = None
    if interpreter is not None:
        from cathnet.bench.roofline import count_macs, undelegated

        macs = count_macs(undelegated(type(interpreter), bundle.artifacts[variant].path))
    try:
        if "invoke" in wanted and interpreter is not None:
            runner.set_input(xs[0])  # type: ignore[attr-defined]
            yield Stage("invoke", variant, backend, threads, interpreter.invoke, macs)
        if "inference" in wanted:
            yield Stage("inference", variant, backend, threads, _cycle(runner.run, xs), macs)
    finally:
        runner.close()


def pipeline_stages(
    model: str | Path | None, backend: str, variant: str | None, threads: int, inputs: Inputs, wanted: Sequence[str]
) -> Iterator[Stage]:
    """``preprocess`` (frame → model input), ``predict`` (the whole SDK call on a frame) and
    ``end_to_end_photo`` (photo → findings: capture, preprocess, inference, postprocess)."""
    analyzer = Analyzer(model, backend=backend, num_threads=threads, variant=variant)
    try:
        if "preprocess" in wanted:
            spec = analyzer.bundle.input_spec
            yield Stage("preprocess", None, None, threads, _cycle(lambda f: preprocess(f, spec), inputs.frames))
        if "predict" in wanted:
            yield Stage(
                "predict", analyzer.artifact, analyzer.backend, threads, _cycle(analyzer.predict, inputs.frames)
            )
        if "end_to_end_photo" in wanted:
            yield Stage(
                "end_to_end_photo",
                analyzer.artifact,
                analyzer.backend,
                threads,
                _cycle(lambda p: analyzer.predict(p, photo=True), inputs.photos),
            )
    finally:
        analyzer.close()
