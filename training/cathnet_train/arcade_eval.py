"""Scores lesions against ARCADE's expert stenosis labels: a bundle through the SDK, or a Keras model.

``evaluate_bundle`` is what a user would run: every frame of one split goes through
``cathnet.Analyzer.predict`` (int8 LiteRT by default), and the lesions it reports are
scored with ``cathnet_train.arcade_score``: the ARCADE score on their outlines (a
lesion without one, from a bundle before 1.0, is scored by its box), point-in-box
precision, recall and F1, top-1 hit and frame sensitivity.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from cathnet import Analyzer, CaptureError
from cathnet.capture.rectify import lesion_through
from cathnet.findings import Findings, Lesion
from cathnet.geometry import Letterbox
from cathnet.postprocess import PostprocessConfig, find_regions
from cathnet.preprocess import InputSpec
from cathnet_train import arcade, real_photos
from cathnet_train.arcade_score import BoxMatch, image_score, match_points, recall_by_width, stretch_width, summarise
from cathnet_train.photo_sim import simulate


def lesion_mask(lesion: Lesion, size: tuple[int, int]) -> np.ndarray:
    """The lesion's region in a (H, W) boolean mask: its outline, or its box without one."""
    if lesion.outline is not None:
        polygon = np.asarray(lesion.outline, np.float32)
    else:
        x0, y0, x1, y1 = lesion.box
        polygon = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float32)
    return arcade.rasterise([polygon], size) > 0


def score_frame(frame: arcade.Frame, lesions: Sequence[Lesion]) -> tuple[float, BoxMatch]:
    """The ARCADE score and the point-in-box matching of one frame's lesions."""
    true = [arcade.rasterise([r.polygon], frame.size) > 0 for r in frame.regions]
    predicted = [lesion_mask(lesion, frame.size) for lesion in lesions]
    return (
        image_score(predicted, true),
        match_points([(lesion.x, lesion.y, lesion.score) for lesion in lesions], [r.box for r in frame.regions]),
    )


def score_outputs(
    frames: Sequence[arcade.Frame],
    probabilities: Sequence[float],
    lesion_maps: Sequence[np.ndarray],
    spec: InputSpec,
    config: PostprocessConfig,
) -> dict[str, Any]:
    """The figures of raw model outputs (one per frame), decoded by the SDK's ``find_regions``.

    Used where a model is scored before it is a bundle (training, the decoder's tuning).
    """
    scores, matches, called = [], [], []
    for frame, probability, lesion_map in zip(frames, probabilities, lesion_maps):
        box = Letterbox.fit(frame.size[0], frame.size[1], spec.width, spec.height)
        positive = bool(probability >= config.threshold)
        score, match = score_frame(frame, find_regions(lesion_map, box, config, force_top=positive))
        scores.append(score)
        matches.append(match)
        called.append(positive)
    return summarise(scores, matches, called)


def evaluate_bundle(
    split: str = "val",
    model: Path | None = None,
    backend: str = "auto",
    root: Path = arcade.DEFAULT_ROOT,
    limit: int | None = None,
    variant: str | None = None,
    photo: bool = False,
) -> dict[str, Any]:
    """Scores a bundle through the SDK on one ARCADE stenosis split.

    Args:
        split: "val" to report (the default), "train" to see the fit.
        model: a bundle folder; None for the shipped one.
        backend: as ``cathnet.Analyzer`` takes it.
        root: the ARCADE folder.
        limit: score only the first ``limit`` frames (a quick look; figures are on all).
        variant: the bundle artifact to run (e.g. ``tflite_fp32``); None for the default (int8).
        photo: photograph each frame on a simulated monitor (``real_photos``, 1600x1200
            tablet photos, seeds of the split's own) and analyse the photo with
            ``predict(photo=True)``; the lesions come back to the frame through the
            photo's known homography. Photos the capture refuses are counted, not scored.

    Returns:
        The figures of ``arcade_score.summarise``, with the model, backend, artifact,
        split and the command that reproduces them.
    """
    frames = arcade.load(split, "stenosis", root)[:limit]
    scores, matches, called = [], [], []
    refused: dict[str, int] = {}
    analysed: list[arcade.Frame] = []
    t0 = time.perf_counter()
    with Analyzer(model, backend=backend, variant=variant) as analyzer:
        for k, frame in enumerate(frames):
            seen = _through_photo(analyzer, frame, k, split, refused) if photo else analyzer.predict(frame.path)
            if seen is None:
                continue
            analysed.append(frame)
            score, match = score_frame(frame, seen.lesions)
            scores.append(score)
            matches.append(match)
            called.append(seen.stenosis)
        identity = analyzer.model
        ran = {"backend": analyzer.backend, "artifact": analyzer.artifact}
    command = f"cathnet-train arcade-eval --split {split}"
    command += "" if model is None else f" --model {model}"
    command += "" if backend == "auto" else f" --backend {backend}"
    command += "" if limit is None else f" --limit {limit}"
    command += "" if variant is None else f" --variant {variant}"
    command += " --photo" if photo else ""
    test_set = f"ARCADE stenosis {split} ({len(frames)} real frames, {root})"
    if photo:
        test_set += (
            f", each photographed on a simulated monitor (1600x1200, seeds {real_photos.seed_base(split)}+):"
            f" {len(scores)} analysed, {sum(refused.values())} refused by the capture {refused}"
        )
    return {
        "test_set": test_set,
        **summarise(scores, matches, called),
        "recall_by_stenosis_width": recall_by_width(
            [stretch_width(r.polygon) for f in analysed for r in f.regions], [m for x in matches for m in x.matched]
        ),
        "model": identity,
        **ran,
        "seconds": round(time.perf_counter() - t0, 1),
        "command": command,
    }


def _through_photo(
    analyzer: Analyzer, frame: arcade.Frame, k: int, split: str, refused: dict[str, int]
) -> Findings | None:
    """What ``analyzer`` finds in a photo of ``frame``, its lesions in the frame's pixels;
    None (and the refusal counted by its code) when the capture path refuses the photo."""
    shot = simulate(real_photos.seed_base(split) + k, frame.read())
    try:
        findings = analyzer.predict(shot.image, photo=True)
    except CaptureError as error:
        refused[error.code] = refused.get(error.code, 0) + 1
        return None
    assert shot.frame_to_photo is not None
    back = np.linalg.inv(shot.frame_to_photo)
    return dataclasses.replace(findings, lesions=tuple(lesion_through(lesion, back) for lesion in findings.lesions))
