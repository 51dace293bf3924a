import gzip
import shutil

import cv2
import numpy as np
import pytest
from conftest import SAMPLE
from PIL import Image
from strokes import draw

import preprocess
from preprocess import DataError, load_mnist, prepare

WHITE, BLACK = (255, 255, 255), (0, 0, 0)
ALIKE = 0.07  # mean absolute difference under which two 28x28 digits look the same


# --- MNIST readers ---------------------------------------------------------------


def test_idx_sample_reads_as_mnist(sample):
    (x_train, y_train), (x_test, y_test) = sample
    assert x_train.shape == x_test.shape == (500, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == y_test.shape == (500,)
    # MNIST's first training digit is a 5 and its first test digit a 7.
    assert (y_train[0], y_test[0]) == (5, 7)
    assert set(np.unique(y_test)) == set(range(10))
    assert x_test.max() == 255 and x_test[:, 0, :].max() == 0  # ink inside, empty border


def test_uncompressed_idx_and_npz_give_the_same_arrays(sample, tmp_path):
    for gz in SAMPLE.glob("*.gz"):
        (tmp_path / gz.stem).write_bytes(gzip.decompress(gz.read_bytes()))
    raw = load_mnist(tmp_path)
    (x_train, y_train), (x_test, y_test) = sample
    np.savez(tmp_path / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    for loaded in (raw, load_mnist(tmp_path / "mnist.npz")):
        for got, want in zip(sum(loaded, ()), sum(sample, ()), strict=True):
            np.testing.assert_array_equal(got, want)


def test_missing_file_is_named(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "mnist")
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte"):
        load_mnist(tmp_path / "mnist")


def test_corrupt_files_are_named(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "mnist")
    images = tmp_path / "mnist" / "train-images-idx3-ubyte.gz"
    images.write_bytes(images.read_bytes()[:1000])  # a cut-off download
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz"):
        load_mnist(tmp_path / "mnist")
    labels = tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz"
    with gzip.open(labels, "wb") as f:
        f.write(b"not an idx file")
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz: not an IDX"):
        preprocess.read_idx(labels)
    (tmp_path / "broken.npz").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(DataError, match="broken.npz"):
        load_mnist(tmp_path / "broken.npz")


# --- prepare(): a drawing -> MNIST-like 28x28 --------------------------------------


def centre_of_mass(digit):
    moments = cv2.moments(digit[..., 0])
    return moments["m10"] / moments["m00"], moments["m01"] / moments["m00"]


def ink_box(digit):
    x, y, w, h = cv2.boundingRect((digit[..., 0] > 0.1).astype(np.uint8))
    return w, h


DRAWINGS = {
    "transparent": dict(),
    "in a corner": dict(scale=0.5, offset=(-0.3, 0.3)),
    "tiny": dict(scale=0.15, width=5, offset=(0.35, -0.35)),
    "huge": dict(scale=1.15, width=40),
    "hairline": dict(width=1),
    "very bold": dict(width=70),
    "white background": dict(background=WHITE),
    "black background": dict(background=BLACK, ink=WHITE),
    "grey on grey": dict(background=(150, 150, 150), ink=(60, 60, 60)),
}


@pytest.mark.parametrize("digit", [1, 4, 8])
@pytest.mark.parametrize("case", DRAWINGS)
def test_drawing_is_centred_like_mnist(case, digit):
    prepared = prepare(draw(digit, **DRAWINGS[case]))
    assert prepared.shape == (28, 28, 1) and prepared.dtype == np.float32
    assert 0.0 <= prepared.min() and prepared.max() <= 1.0 and prepared.max() > 0.9
    assert np.allclose(centre_of_mass(prepared), (14, 14), atol=0.6)
    assert 18 <= max(ink_box(prepared)) <= 22  # scaled into MNIST's 20-pixel box
    reference = prepare(draw(digit))
    assert np.abs(prepared - reference).mean() < ALIKE, "same digit, different drawing, should look alike"


def test_different_digits_stay_different():
    one, seven = prepare(draw(1)), prepare(draw(7))
    assert np.abs(one - seven).mean() > ALIKE


def test_stroke_width_is_normalised():
    widths = [preprocess.stroke_width((prepare(draw(8, width=w))[..., 0] > 0.5).astype(np.uint8)) for w in (1, 70)]
    assert abs(widths[0] - widths[1]) < 1.0


def test_aspect_ratio_is_kept():
    w, h = ink_box(prepare(draw(1)))
    assert h >= 18 and w <= 6  # a 1 stays narrow, not stretched into a blob


def test_specks_are_dropped():
    canvas = draw(3)
    cv2.circle(canvas, (40, 560), 4, (0, 0, 0, 255), -1)  # a stray click in a corner
    np.testing.assert_allclose(prepare(canvas), prepare(draw(3)), atol=1e-6)


@pytest.mark.parametrize(
    "blank",
    [
        np.zeros((600, 600, 4), np.uint8),  # the empty Sketchpad
        np.full((600, 600, 3), 255, np.uint8),
        np.zeros((280, 280), np.uint8),
        np.full((28, 28), 0.5, np.float32),
        np.zeros((0, 0, 4), np.uint8),
        None,
    ],
)
def test_nothing_drawn_is_none(blank):
    assert prepare(blank) is None


def test_sketchpad_value_pil_and_path_read_alike(tmp_path):
    canvas = draw(5)
    expected = prepare(canvas)
    sketch = {"background": np.zeros_like(canvas), "layers": [canvas], "composite": canvas}
    np.testing.assert_array_equal(prepare(sketch), expected)
    assert prepare({"background": None, "layers": [], "composite": None}) is None
    image = Image.fromarray(canvas)
    np.testing.assert_allclose(prepare(image), expected, atol=1e-6)
    image.save(tmp_path / "five.png")
    np.testing.assert_allclose(prepare(str(tmp_path / "five.png")), expected, atol=1e-6)


def test_float_and_uint8_read_alike():
    canvas = draw(2, background=WHITE)[..., :3]
    np.testing.assert_allclose(prepare(canvas.astype(np.float32) / 255), prepare(canvas), atol=1e-5)


def test_an_mnist_digit_passes_almost_unchanged(sample):
    _, (x_test, _) = sample
    changes = [np.abs(prepare(image)[..., 0] - image / 255).mean() for image in x_test[:100]]
    assert np.median(changes) < 0.08
