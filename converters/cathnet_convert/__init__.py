"""Converters: a trained Keras CathNet model → the SDK's model bundle, and its parity checks.

``cathnet_convert.build`` and ``cathnet_convert.verify`` import TensorFlow / coremltools;
this package itself imports nothing, so ``cathnet_convert.runtime_worker`` runs in the
tflite-runtime environment, which has neither.
"""
