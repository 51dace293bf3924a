"""drawn_mnist re-draws an MNIST digit as a person draws it: the same digit, in as few pieces as its ink."""

import keras
import numpy as np
import pytest
from conftest import ROOT

import preprocess
import sketchpad
from benchmarks import drawn_mnist

CANVAS = 300


@pytest.fixture(scope="module")
def paths(sample):
    _, (x_test, y_test) = sample
    return [drawn_mnist.pen_path(image) for image in x_test], x_test, y_test


def redrawn(path, brush):
    canvas = sketchpad.blank_canvas(CANVAS)
    return sketchpad.draw_path(canvas, path, (CANVAS / 2, CANVAS / 2), CANVAS * 0.6, brush)


def test_pen_paths_keep_the_digit_in_as_few_pieces_as_its_ink(paths):
    pen_paths, images, _ = paths
    broken = 0
    for path, image in zip(pen_paths, images, strict=True):
        ink = redrawn(path, 3)[..., 3] > 0
        broken += drawn_mnist.count_pieces(ink) > drawn_mnist.count_pieces(image > drawn_mnist.PIECE_LEVEL)
    assert broken <= len(images) // 100


@pytest.mark.parametrize("brush", [2, 12, 40])
def test_redrawn_digits_read_as_their_originals(paths, brush):
    pen_paths, _, labels = paths
    model = keras.saving.load_model(ROOT / "model.keras", safe_mode=True)
    digits = np.stack([preprocess.prepare(redrawn(path, brush)) for path in pen_paths])
    accuracy = np.mean(np.argmax(model.predict(digits, verbose=0), axis=1) == labels)
    assert accuracy >= 0.95


def test_pen_path_is_centred_with_its_longer_side_one(paths):
    for path in paths[0][:50]:
        points = path.reshape(-1, 2)
        low, high = points.min(0), points.max(0)
        np.testing.assert_allclose((low + high) / 2, 0, atol=1e-6)
        assert max(high - low) == pytest.approx(1.0)
