"""What a region model (bundle 1.0 on) is calibrated on: real frames, kept apart by split.

- int8 activation ranges: ARCADE *train* frames (stenosis and SYNTAX), the generator's
  calibration frames and photos of a monitor (the capture path's input);
- the decoder's thresholds (``region_threshold``, ``lesion_threshold``): tuned on
  ARCADE *train* frames through the int8 model, so that ARCADE val, where the product
  is reported, is never tuned on;
- the frame threshold: Youden's J on the int8 model's probabilities for ARCADE *train*
  frames (positives: ARCADE holds almost no stenosis-free frames) against generated
  validation frames of both classes (the only stenosis-free frames with exact truth).
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from cathnet.backends.tflite import TFLiteBackend
from cathnet.postprocess import PostprocessConfig
from cathnet.preprocess import InputSpec
from cathnet_train import arcade, dataset, real_data
from cathnet_train.arcade_eval import score_outputs
from cathnet_train.metrics import youden_threshold

TUNING_FRAMES = 300  # ARCADE train frames the decoder's thresholds are chosen on
REGION_THRESHOLDS = (0.3, 0.4, 0.5, 0.6)
LESION_THRESHOLDS = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def representative(spec: InputSpec, root: Path, stenosis: int = 150, syntax: int = 50) -> npt.NDArray[np.float32]:
    """Preprocessed ARCADE train frames for int8 calibration (the first of each task)."""
    s = real_data.arcade_stenosis("train", spec, root)
    v = real_data.arcade_vessels("train", spec, root)
    return np.concatenate([s.x[:stenosis], v.x[:syntax]]).astype(np.float32)


def _outputs(backend: TFLiteBackend, x: npt.NDArray[Any]) -> list[dict[str, npt.NDArray[np.float32]]]:
    return [backend.run(frame[None].astype(np.float32)) for frame in x]


def tune_decoder(backend: TFLiteBackend, spec: InputSpec, root: Path, stride: int, threshold: float) -> dict[str, Any]:
    """The (region, lesion) thresholds with the best ARCADE score + F1 on ARCADE train frames.

    Returns:
        ``region_threshold``, ``lesion_threshold``, the figures they gave and on what.
    """
    all_frames = arcade.load("train", "stenosis", root)
    index = [i for i, f in enumerate(all_frames) if f.regions][:TUNING_FRAMES]
    frames = [all_frames[i] for i in index]
    outs = _outputs(backend, real_data.arcade_stenosis("train", spec, root).x[index])
    probabilities = [o["probability"].reshape(-1)[0] for o in outs]
    maps = [o["lesion_map"][0] for o in outs]
    best: tuple[float, dict[str, Any]] = (-1.0, {})
    for region_t, lesion_t in itertools.product(REGION_THRESHOLDS, LESION_THRESHOLDS):
        if lesion_t < region_t:
            continue
        config = PostprocessConfig(
            threshold=threshold, lesion_threshold=lesion_t, stride=stride, decoder="regions", region_threshold=region_t
        )
        figures = score_outputs(frames, probabilities, maps, spec, config)
        objective = figures["arcade_score"] + figures["f1"]
        if objective > best[0]:
            best = (objective, {"region_threshold": region_t, "lesion_threshold": lesion_t, "figures": figures})
    return {
        **best[1],
        "tuned_on": f"{len(frames)} ARCADE stenosis train frames (int8 model), best ARCADE score + point-in-box F1",
    }


def frame_threshold(
    backend: TFLiteBackend, spec: InputSpec, root: Path, synthetic: int, look: dataset.LookSpec
) -> tuple[float, str]:
    """Youden's J threshold on ARCADE train positives against generated validation frames."""
    real = real_data.arcade_stenosis("train", spec, root)
    keep = real.p[:, 0] == 1
    real_scores = [o["probability"].reshape(-1)[0] for o in _outputs(backend, real.x[keep][:300])]
    val = dataset.build(dataset.seeds("validation", synthetic), spec, look=look)
    synth_scores = [o["probability"].reshape(-1)[0] for o in _outputs(backend, val.x)]
    labels = np.concatenate([np.ones(len(real_scores)), val.probability[:, 0]])
    scores = np.array(real_scores + synth_scores)
    method = (
        f"Youden's J on {len(real_scores)} ARCADE stenosis train frames (positives) and {synthetic} "
        "generated validation frames of both classes (int8 model)"
    )
    return youden_threshold(labels, scores), method
