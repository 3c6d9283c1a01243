from __future__ import annotations

import numpy as np
import pytest

from cathnet.preprocess import InputSpec
from cathnet_train import dataset
from cathnet_train.synth import generate

keras = pytest.importorskip("keras", reason="training needs the 'train' extra (TensorFlow)")


def test_targets_put_the_heat_on_the_lesion() -> None:
    frame = generate(3, positive=True)
    x, target = dataset.targets(frame, InputSpec())
    assert x.shape == (256, 256, 1) and target.shape == (32, 32, 3)
    lesion = max(frame.lesions, key=lambda lesion: lesion.diameter_stenosis_percent)
    cy, cx = np.unravel_index(np.argmax(target[..., 0]), target.shape[:2])
    assert abs(cx * 8 + 3.5 - lesion.x) <= 8 and abs(cy * 8 + 3.5 - lesion.y) <= 8
    assert target[cy, cx, 2] == 1.0
    assert target[cy, cx, 1] == pytest.approx(lesion.diameter_stenosis_percent / 100, abs=0.5)


def test_model_outputs_match_the_card_contract() -> None:
    from cathnet_train.model import build_model

    model = build_model(InputSpec(), growth=4)
    out = model.predict(np.zeros((2, 256, 256, 1), np.float32), verbose=0)
    assert out["probability"].shape == (2, 1)
    assert out["lesion_map"].shape == (2, 32, 32, 2)


@pytest.mark.slow
def test_a_few_steps_reduce_the_loss() -> None:
    from cathnet_train.losses import lesion_map_loss
    from cathnet_train.model import build_model

    keras.utils.set_random_seed(0)
    batch = dataset.build(dataset.seeds("train", 32), InputSpec(), workers=1)
    model = build_model(InputSpec(), growth=4)
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss={"probability": "binary_crossentropy", "lesion_map": lesion_map_loss},
    )
    y = {"probability": batch.probability, "lesion_map": batch.lesion_map}
    hist = model.fit(batch.x, y, batch_size=16, epochs=6, verbose=0)
    assert hist.history["loss"][-1] < hist.history["loss"][0]


def test_deploy_keeps_the_trained_weights_and_drops_the_training_head() -> None:
    from cathnet_train.model import build_model, deployable

    trained = build_model(None, growth=4, vessel_head=True)
    product = deployable(trained, InputSpec(), growth=4)
    assert set(product.output_names) == {"probability", "lesion_map"}
    for layer in product.layers:
        for a, b in zip(layer.get_weights(), trained.get_layer(layer.name).get_weights()):
            np.testing.assert_array_equal(a, b)
