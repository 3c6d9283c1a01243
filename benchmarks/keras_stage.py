"""The trained Keras model (the bundle's ``reference`` artifact) as a benchmark stage.

Not in the SDK, which never imports TensorFlow: this is the float model as training
leaves it, timed beside the on-device runtimes. It runs as a ``tf.function`` (graph
mode, as serving would), with TensorFlow's thread pools fixed to one thread.
"""

from __future__ import annotations

import itertools

from cathnet.bench import Inputs, Stage
from cathnet.bundle import ModelBundle
from cathnet.preprocess import preprocess


def one_thread_tensorflow() -> int:
    """Fixes TensorFlow's intra- and inter-op pools to one thread; returns the intra-op
    count in force (the pools cannot change once TensorFlow has run an op)."""
    import tensorflow as tf

    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:  # already initialised by an earlier op in this process
        pass
    return int(tf.config.threading.get_intra_op_parallelism_threads())


def keras_stage(bundle: ModelBundle, inputs: Inputs, macs: int | None = None) -> Stage:
    """``inference`` of the Keras reference model at one thread, variant ``reference``,
    backend ``keras``.

    Raises:
        KeyError: the bundle has no ``reference`` artifact.
    """
    import keras
    import tensorflow as tf

    threads = one_thread_tensorflow()
    model = keras.models.load_model(bundle.artifacts["reference"].path, compile=False)
    call = tf.function(lambda x: model(x, training=False))
    xs = itertools.cycle([tf.constant(preprocess(f, bundle.input_spec)[0][None, ...]) for f in inputs.frames])

    def query() -> object:
        return {name: value.numpy() for name, value in call(next(xs)).items()}  # .numpy(): wait for the result

    return Stage("inference", "reference", "keras", threads, query, macs)
