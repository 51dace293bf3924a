import struct
import zlib

import cv2
import numpy as np
import pytest
from awkward import HUGE, draw_grey
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from PIL import Image
from strokes import draw

import preprocess
from preprocess import ImageError, NotADigitError, prepare

WHITE, BLACK = (255, 255, 255), (0, 0, 0)
ALIKE = 0.07  # mean absolute difference under which two 28x28 digits look the same


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
REFERENCE = dict(size=400, width=18, background=WHITE)  # unlike every case: another canvas, read as opaque


@pytest.mark.parametrize("digit", [1, 4, 8])
@pytest.mark.parametrize("case", DRAWINGS)
def test_drawing_is_centred_like_mnist(case, digit):
    prepared = prepare(draw(digit, **DRAWINGS[case]))
    assert prepared.shape == (28, 28, 1) and prepared.dtype == np.float32
    assert 0.0 <= prepared.min() and prepared.max() <= 1.0 and prepared.max() > 0.9
    assert np.allclose(centre_of_mass(prepared), (14, 14), atol=0.6)
    assert 18 <= max(ink_box(prepared)) <= 22  # scaled into MNIST's 20-pixel box
    reference = prepare(draw(digit, **REFERENCE))
    assert np.abs(prepared - reference).mean() < ALIKE, "same digit, different drawing, should look alike"


def test_different_digits_stay_different():
    one, seven = prepare(draw(1)), prepare(draw(7))
    assert np.abs(one - seven).mean() > ALIKE


def ridge_width(mask):
    """The stroke width of a 0/1 mask, measured apart from preprocess.stroke_width: twice the distance from
    the strokes' middle (the distance transform's ridge) to the background, the median over the ridge."""
    distance = cv2.distanceTransform(mask, cv2.DIST_L2, cv2.DIST_MASK_PRECISE)
    ridge = (distance > 0) & (distance >= cv2.dilate(distance, np.ones((3, 3), np.uint8)))
    return 2 * float(np.median(distance[ridge])) - 1  # a pixel on the edge lies 1 from the background


def digit_stroke_width(digit):
    """The stroke width of a 28x28 digit in [0, 1], in its pixels: measured enlarged 8 times (a stroke
    2 pixels wide spans 16, where ridge_width is exact to a pixel), cut at half ink."""
    enlarged = cv2.resize(np.float32(digit), None, fx=8, fy=8, interpolation=cv2.INTER_LINEAR)
    return ridge_width((enlarged > 0.5).astype(np.uint8)) / 8


def bar(width, angle, size=400):
    """A 0/1 mask holding a bar `width` pixels wide and 300 long, at `angle` radians, rasterised from its corners."""
    along = np.array([np.cos(angle), np.sin(angle)])
    across = np.array([-along[1], along[0]])
    corners = [size / 2 + a * 150 * along + b * width / 2 * across for a, b in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
    mask = np.zeros((size, size), np.uint8)
    cv2.fillConvexPoly(mask, np.round(np.array(corners) * 16).astype(np.int32), 1, shift=4)  # 1/16-pixel corners
    return mask


@pytest.mark.parametrize("width", [3, 8, 12.5, 19, 30])
def test_the_width_measure_reads_bars_of_known_width(width):
    for angle in np.linspace(0, np.pi / 2, 5):
        assert abs(ridge_width(bar(width, angle)) - width) <= max(1.0, 0.1 * width)


@pytest.mark.parametrize("digit", [3, 8])
def test_strokes_are_normalised_to_mnists_width(sample, digit):
    _, (x_test, _) = sample
    mnist = np.median([digit_stroke_width(image / 255) for image in x_test])  # about 2.1 pixels
    for width in (1, 70):  # a hairline and a marker on the 600-pixel canvas: about 0.05 and 2.8 pixels once reduced
        assert abs(digit_stroke_width(prepare(draw(digit, width=width))[..., 0]) - mnist) < 0.75


@pytest.mark.parametrize("step", [2, 3, 12])
def test_a_large_digit_is_reduced_keeping_every_pixel_of_ink(step):
    strokes = (np.random.default_rng(step).random((101, 203)) > 0.995).astype(np.uint8) * 255  # lone pixels
    padded = np.pad(strokes, ((0, -101 % step), (0, -203 % step)))
    any_ink = padded.reshape(padded.shape[0] // step, step, -1, step).max(axis=(1, 3))
    np.testing.assert_array_equal(preprocess.reduce_by(strokes, step), any_ink)


@pytest.mark.parametrize("channels", [2, 4])
def test_the_box_searched_for_ink_holds_every_pixel_with_a_byte_set(channels):
    for seed in range(20):
        rng = np.random.default_rng(seed)
        image = np.zeros((rng.integers(1, 60), rng.integers(1, 60), channels), np.uint8)
        for _ in range(rng.integers(0, 4)):  # a few lone bytes, any channel
            image[rng.integers(image.shape[0]), rng.integers(image.shape[1]), rng.integers(channels)] = 1
        expected = cv2.boundingRect(image.any(axis=2).astype(np.uint8))
        assert preprocess.nonzero_box(image) == expected


def test_a_canvas_whose_clear_pixels_are_coloured_reads_like_one_whose_are_black():
    canvas = draw(2)
    coloured = canvas.copy()
    coloured[canvas[..., 3] == 0] = (255, 255, 255, 0)  # clear, but white: every byte of RGB set
    np.testing.assert_array_equal(prepare(coloured), prepare(canvas))


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


# --- prepare(): whatever arrives ---------------------------------------------------

NUMBER_DTYPES = st.one_of(hnp.boolean_dtypes(), hnp.integer_dtypes(endianness="="),
                          hnp.unsigned_integer_dtypes(endianness="="), hnp.floating_dtypes(endianness="="))
SHAPES = st.one_of(
    st.tuples(st.integers(1, 64), st.integers(1, 64)),  # greyscale
    st.tuples(st.integers(1, 64), st.integers(1, 64), st.sampled_from([1, 2, 3, 4])),  # with channels
    hnp.array_shapes(min_dims=0, max_dims=4, min_side=0, max_side=8),  # mostly not images at all
)


@st.composite
def spoilt_drawings(draw_from):
    """A drawn digit as floats, with NaN, inf and out-of-range values scattered over it."""
    digit, size = draw_from(st.integers(0, 9)), draw_from(st.integers(8, 96))
    image = draw(digit, size=size, width=max(1, size // 20))[..., 3].astype(np.float64) / 255
    spoilt = draw_from(hnp.arrays(bool, image.shape))
    values = draw_from(hnp.arrays(np.float64, image.shape, elements=st.sampled_from([np.nan, np.inf, -np.inf, -3.0,
                                                                                      1e300, 7.5])))
    return np.where(spoilt, values, image)


@settings(max_examples=300, deadline=None)
@given(st.one_of(hnp.arrays(NUMBER_DTYPES, SHAPES), spoilt_drawings()))
@example(np.zeros((4, 1), bool))  # OpenCV once took a 4x1 image for a scalar and raised
@example(np.eye(4, 1, dtype=np.uint8) * 255)
def test_prepare_answers_any_array_with_none_or_a_finite_digit(image):
    try:
        digit = prepare(image)
    except ImageError as e:  # a message in words, for the user
        assert str(e)
        return
    if digit is not None:
        assert digit.shape == (28, 28, 1) and digit.dtype == np.float32
        assert np.isfinite(digit).all() and 0.0 <= digit.min() and digit.max() <= 1.0


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf])
def test_an_array_of_nan_or_inf_is_blank(value):
    assert prepare(np.full((28, 28), value, np.float32)) is None
    assert prepare(np.full((600, 600, 4), value)) is None


def test_nan_and_inf_scattered_over_a_digit_leave_the_digit():
    clean = draw(6)[..., 3].astype(np.float32) / 255
    spoilt = clean.copy()
    rng = np.random.default_rng(0)
    for value, share in ((np.nan, 0.05), (np.inf, 0.01), (-np.inf, 0.01)):
        spoilt[rng.random(spoilt.shape) < share] = value
    prepared = prepare(spoilt)
    assert np.isfinite(prepared).all()
    assert np.abs(prepared - prepare(clean)).mean() < ALIKE


def test_arrays_that_are_not_images_are_refused_in_words():
    for array, words in [(np.zeros(10), "shape"), (np.zeros((4, 4, 5)), "shape"),
                         (np.zeros((4, 4), complex), "complex"), (np.array([["a"]]), "values")]:
        with pytest.raises(ImageError, match=words):
            prepare(array)


def test_a_large_array_of_any_dtype_is_reduced():
    canvas = draw(1, size=2400, width=110)[..., 3] > 0  # bool, which cv2 cannot resize as it is
    assert np.abs(prepare(canvas) - prepare(draw(1))).mean() < ALIKE


# --- Noise and scribbles: no digit to read -------------------------------------------


@pytest.mark.parametrize(
    "noise",
    [
        np.random.default_rng(0).integers(0, 256, (600, 600, 3), np.uint8),  # colour noise
        np.random.default_rng(1).integers(0, 256, (28, 28), np.uint8),  # MNIST-sized noise
        np.where(np.random.default_rng(2).random((600, 600)) < 0.05, 0, 255).astype(np.uint8),  # salt and pepper
        np.clip(255 - np.abs(np.random.default_rng(3).normal(0, 60, (600, 600))), 0, 255).astype(np.uint8),
    ],
    ids=["colour", "28x28", "salt", "gaussian"],
)
def test_noise_is_not_a_digit(noise):
    with pytest.raises(NotADigitError, match="noise or scattered marks"):
        prepare(noise)


def test_a_canvas_coloured_in_is_not_a_digit():
    canvas = np.zeros((600, 600, 4), np.uint8)
    canvas[:, :420, 3] = 255  # 70 % painted
    with pytest.raises(NotADigitError, match="Ink covers 70% of the image"):
        prepare(canvas)


def test_no_mnist_digit_is_taken_for_noise(sample):
    (x_train, _), (x_test, _) = sample
    for image in np.concatenate([x_train, x_test]):
        assert prepare(image) is not None


def test_a_digit_with_a_few_strokes_apart_is_still_a_digit():
    canvas = draw(4)
    for x in (100, 200, 300, 400, 500):  # five separate dashes under the digit, each well above speck size
        cv2.line(canvas, (x, 570), (x + 40, 570), (0, 0, 0, 255), 8)
    assert prepare(canvas) is not None


# --- Files: read without decoding more than needed ------------------------------------


def png_header(width, height):
    """A PNG file that declares a width x height 8-bit greyscale image and holds no pixels."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)) + chunk(
        b"IEND", b"")


def test_a_huge_image_is_refused_before_decoding(tmp_path):
    path = tmp_path / "huge.png"
    path.write_bytes(png_header(HUGE, HUGE))  # had it been decoded, the missing pixels would be the complaint
    with pytest.raises(ImageError, match=f"{HUGE}×{HUGE} pixels, too large to read"):
        preprocess.read_image(path)
    path.write_bytes(png_header(20_000, 20_000))  # beyond PIL's own decompression-bomb limit
    with pytest.raises(ImageError, match="far too large"):
        preprocess.read_image(path)


def test_a_huge_jpeg_is_decoded_at_a_reduced_scale(tmp_path):
    Image.fromarray(draw_grey(4, HUGE, width=HUGE // 20)).save(tmp_path / "huge.jpg")
    assert preprocess.read_image(tmp_path / "huge.jpg").shape == (HUGE // 8, HUGE // 8)  # 1/8 scale, not 9000


@pytest.mark.parametrize("digit", [2, 3, 6, 9])
def test_a_canvas_sent_opaque_on_white_reads_as_the_same_canvas_transparent_without_a_photos_work(monkeypatch,
                                                                                                    digit):
    """The browser sends the Sketchpad on white paper, alpha 255 everywhere: read like its strokes' alpha,
    not as a photo of paper is (~20 ms, and a slightly different 28x28)."""
    transparent = prepare(draw(digit))
    monkeypatch.setattr(preprocess.photo, "photo_ink", lambda grey: pytest.fail("read as a photo"))
    np.testing.assert_array_equal(prepare(draw(digit, background=WHITE)), transparent)
    assert prepare(np.full((600, 600, 4), 255, np.uint8)) is None  # nothing drawn


def test_an_opaque_image_whose_paper_has_noise_is_still_read_as_a_photo(monkeypatch):
    canvas = draw(5, background=(230, 230, 230)).astype(np.float32)
    canvas[..., :3] += np.random.default_rng(0).normal(0, 2, canvas.shape[:2])[..., np.newaxis]  # a photo's paper
    canvas = np.clip(canvas, 0, 255).astype(np.uint8)
    read = []
    monkeypatch.setattr(preprocess.photo, "photo_ink", lambda grey, ink=preprocess.photo.photo_ink: read.append(1)
                        or ink(grey))
    assert prepare(canvas) is not None and read == [1]
