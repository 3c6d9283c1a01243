"""The model on the real angiograms in ../shared: does it run, and what does it say?

The real frames have vessel masks but no stenosis labels, so nothing here is an
accuracy: it is the distribution of the probabilities the shipped product gives them
(through ``cathnet.Analyzer.predict`` on the files, as a user would call it). Nothing
is tuned on these frames.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from cathnet import Analyzer, CathNetError
from cathnet_train.realism import real_frame_paths


def read_real_frames(real_dir: Path, bundle: Path | None = None) -> dict[str, Any]:
    """Every frame under ``real_dir`` (``*/N.png``; masks ``*_gt.png`` skipped) through the SDK.

    Returns:
        How many frames ran and which failed (with their error codes), and the
        distribution of the stenosis probability: quantiles, a histogram over tenths,
        the share called positive at the bundle's threshold, per folder too.
    """
    paths = real_frame_paths(real_dir)
    if not paths:
        raise FileNotFoundError(f"expected angiogram frames as {real_dir}/*/N.png, found none")
    analyzer = Analyzer(bundle)
    scores: dict[str, float] = {}
    errors: dict[str, str] = {}
    for path in paths:
        name = f"{path.parent.name}/{path.name}"
        try:
            scores[name] = analyzer.predict(path).stenosis_probability
        except CathNetError as err:
            errors[name] = err.code
    threshold = analyzer.bundle.threshold
    model = f"{analyzer.bundle.id} {analyzer.bundle.version}"
    analyzer.close()

    def spread(values: list[float]) -> dict[str, Any]:
        v = np.array(values)
        return {
            "frames": len(v),
            "quartiles": [round(float(q), 3) for q in np.percentile(v, [25, 50, 75])],
            "mean": round(float(v.mean()), 3),
            "called_positive": round(float((v >= threshold).mean()), 3),
        }

    folders = sorted({name.split("/")[0] for name in scores})
    return {
        "what": f"{len(paths)} real angiogram frames from {real_dir} (no stenosis labels: a distribution, "
        "not an accuracy)",
        "model": model,
        "threshold": threshold,
        "ran": len(scores),
        "errors": errors,
        **spread(list(scores.values())),
        "histogram_tenths": np.histogram(list(scores.values()), bins=10, range=(0.0, 1.0))[0].tolist(),
        "by_folder": {f: spread([s for n, s in scores.items() if n.startswith(f"{f}/")]) for f in folders},
        "command": f"cathnet-train real-frames --real-dir {real_dir}"
        + ("" if bundle is None else f" --model {bundle}"),
    }
