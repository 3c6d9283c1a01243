"""CathNet training: synthetic angiograms, the DenseNet, training and evaluation.

Importing this package does not import TensorFlow; ``model``, ``losses`` and
``train`` do.
"""

from __future__ import annotations

from cathnet_train.synth import Angiogram, LesionTruth, generate

__all__ = ["Angiogram", "LesionTruth", "generate"]
