"""Converters: a trained Keras CathNet model → the SDK's model bundle."""

from __future__ import annotations

from cathnet_convert.build import build_bundle

__all__ = ["build_bundle"]
