"""inference.forward gives the Keras model's own scores, and refuses what it cannot run."""

import keras
import numpy as np
import pytest
from conftest import ROOT

import datasets
import inference


@pytest.fixture(scope="module")
def model():
    return keras.saving.load_model(ROOT / "model.keras", safe_mode=True)


def test_forward_gives_the_keras_scores_on_the_sample(model, sample):
    _, (x_test, _) = sample
    digits = datasets.scale_pixels(x_test)
    expected = model.predict(digits, verbose=0)
    scores = inference.forward(model)(digits)
    np.testing.assert_allclose(scores, expected, atol=1e-5)
    assert np.array_equal(scores.argmax(axis=1), expected.argmax(axis=1))


def test_forward_reads_one_digit_as_the_batch_does(model, sample):
    _, (x_test, _) = sample
    digits = datasets.scale_pixels(x_test[:20])
    classify = inference.forward(model)
    batch = classify(digits)
    for digit, scores in zip(digits, batch, strict=True):
        np.testing.assert_allclose(classify(digit[np.newaxis])[0], scores, atol=1e-6)


def test_forward_runs_other_sizes_of_the_same_layer_kinds():
    keras.utils.set_random_seed(0)
    model = keras.Sequential([
        keras.Input((17, 15, 2)),
        keras.layers.Conv2D(12, (3, 2), activation="relu"),  # fewer channels than columns: patches copied by row
        keras.layers.MaxPooling2D(2),  # run before the bias and relu, which it commutes with
        keras.layers.Conv2D(5, (2, 3), activation="softmax"),  # more: patches copied by channel
        keras.layers.MaxPooling2D(2),  # after the softmax, which it does not commute with
        keras.layers.Conv2D(4, 1),
        keras.layers.MaxPooling2D((1, 2)),  # before the bias
        keras.layers.Dropout(0.5),
        keras.layers.Flatten(),
        keras.layers.Dense(7),
        keras.layers.Dense(4, activation="softmax"),
    ])
    batch = np.random.default_rng(0).random((6, 17, 15, 2), dtype=np.float32)
    np.testing.assert_allclose(inference.forward(model)(batch), model(batch), atol=1e-5)


@pytest.mark.parametrize("layer, named", [
    (keras.layers.BatchNormalization(name="norm"), "norm: a BatchNormalization layer"),
    (keras.layers.Conv2D(4, 3, padding="same", name="same"), "same: padding='same'"),
    (keras.layers.Conv2D(4, 3, activation="tanh", name="tanh"), "tanh: activation 'tanh'"),
    (keras.layers.Flatten(data_format="channels_first", name="flat"), "flat: data_format='channels_first'"),
])
def test_forward_refuses_what_it_does_not_run(layer, named):
    model = keras.Sequential([keras.Input((28, 28, 1)), layer])
    with pytest.raises(inference.UnsupportedLayerError, match=named):
        inference.forward(model)
