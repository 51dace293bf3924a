"""explanation.py: the evidence maps and feature maps, on small stand-in models and one digit of the committed one."""

import gradio as gr
import keras
import numpy as np
import pytest
from conftest import ROOT
from strokes import draw

import explanation
import preprocess

NOT_A_DIGIT = 10  # the 11th output of a model that also says "not a digit"


def stand_in(outputs, smooth=False):
    """A small CNN of the app's kind (convolutions, pooling, dense, softmax), with random weights; smooth:
    with no ReLU's or max pooling's kinks, for finite differences."""
    keras.utils.set_random_seed(0)
    activation, pooling = ("tanh", keras.layers.AveragePooling2D) if smooth else ("relu", keras.layers.MaxPooling2D)
    model = keras.Sequential([
        keras.Input((28, 28, 1)),
        keras.layers.Conv2D(4, 3, activation=activation),
        pooling(2),
        keras.layers.Conv2D(6, 3, activation=activation),
        keras.layers.Flatten(),
        keras.layers.Dense(outputs, activation="softmax"),
    ])
    return model


@pytest.fixture(scope="module")
def eleven_outputs():
    """A stand-in whose likeliest output is "not a digit": the map must still be between two digits."""
    model = stand_in(11)
    scores = model.layers[-1]
    bias = scores.bias.numpy()
    bias[NOT_A_DIGIT] = 30.0
    scores.bias.assign(bias)
    return model


def margin(model, digits, top, runner_up):
    """The two digits' scores before the softmax, apart: the log of their probabilities' ratio (float64)."""
    probabilities = model.predict(digits, verbose=0).astype(np.float64)
    return np.log(probabilities[:, top]) - np.log(probabilities[:, runner_up])


def test_the_map_is_between_the_two_likeliest_digits_not_the_11th_output(eleven_outputs):
    digits = np.stack([preprocess.prepare(draw(digit)) for digit in (3, 7)])
    probabilities = eleven_outputs.predict(digits, verbose=0)
    assert (probabilities.argmax(axis=1) == NOT_A_DIGIT).all()
    _, top, runner_up = explanation.Explainer(eleven_outputs).evidence(digits)
    ranked = np.argsort(probabilities[:, :10], axis=1)[:, ::-1]
    np.testing.assert_array_equal(top, ranked[:, 0])
    np.testing.assert_array_equal(runner_up, ranked[:, 1])


def test_the_map_is_gradient_times_input_of_the_margin():
    """Each pixel's value: how the margin changes as the pixel's ink is nudged, times its ink (finite differences)."""
    model = stand_in(10, smooth=True)
    digit = preprocess.prepare(draw(4))
    maps, top, runner_up = explanation.Explainer(model).evidence(digit[np.newaxis])
    assert not maps[0][digit[..., 0] == 0].any(), "no evidence off the ink"
    strongest = np.argsort(np.abs(maps[0]).ravel())[::-1][:5]
    step = 1e-3
    rows, columns = np.unravel_index(strongest, (28, 28))
    up, down = (np.repeat(digit[np.newaxis], len(strongest), axis=0) for _ in range(2))
    up[np.arange(len(strongest)), rows, columns, 0] += step
    down[np.arange(len(strongest)), rows, columns, 0] -= step
    slopes = (margin(model, up, top[0], runner_up[0]) - margin(model, down, top[0], runner_up[0])) / (2 * step)
    np.testing.assert_allclose(maps[0][rows, columns], slopes * digit[rows, columns, 0], rtol=0.05)


def test_the_committed_model_reads_the_bar_of_a_7_as_its_evidence_against_a_1():
    model = keras.saving.load_model(ROOT / "model.keras", safe_mode=True)
    digit = preprocess.prepare(draw(7))
    maps, top, runner_up = explanation.Explainer(model).evidence(digit[np.newaxis])
    assert (top[0], runner_up[0]) == (7, 1)
    bar = np.zeros((28, 28), bool)
    bar[: 28 // 3] = True  # the top third: a 7's bar, which a 1 lacks
    hottest = np.argsort(maps[0].ravel())[::-1][:20]
    assert bar.ravel()[hottest].mean() >= 0.5
    assert (digit[..., 0].ravel()[hottest] > 0).all(), "the hottest pixels lie on the ink"


def test_feature_maps_are_each_convolutions_output(eleven_outputs):
    digit = preprocess.prepare(draw(5))
    layers = explanation.Explainer(eleven_outputs).feature_maps(digit)
    first, second = (layer for layer in eleven_outputs.layers if isinstance(layer, keras.layers.Conv2D))
    assert [name for name, _ in layers] == [first.name, second.name]
    expected_first = first(digit[np.newaxis]).numpy()[0]
    expected_second = second(eleven_outputs.layers[1](expected_first[np.newaxis])).numpy()[0]
    np.testing.assert_allclose(layers[0][1], expected_first, atol=1e-5)
    np.testing.assert_allclose(layers[1][1], expected_second, atol=1e-5)


def test_inside_shows_one_sheet_per_convolution_with_every_map(eleven_outputs):
    sheets = explanation.Explainer(eleven_outputs).inside(draw(5))
    assert [caption for _, caption in sheets] == ["Convolution 1 of 2: 4 maps of 26×26",
                                                  "Convolution 2 of 2: 6 maps of 11×11"]
    first = sheets[0][0]  # 4 maps in one row of TILE_COLUMNS: 4 tiles wide with their gaps, the rest grey
    tile = 26 * explanation.TILE_SCALE
    assert first.shape[0] == tile and first.dtype == np.uint8
    beyond = first[:, 4 * (tile + explanation.TILE_GAP * explanation.TILE_SCALE) :]
    assert (beyond == explanation.GAP_GREY).all()


def test_render_evidence_is_red_for_blue_against_white_off_the_ink():
    digit = np.zeros((28, 28), np.float32)
    digit[10:12, 5:20] = 1.0
    evidence = np.zeros((28, 28), np.float32)
    evidence[10, 5:20], evidence[11, 5:20] = 2.0, -1.0
    image = explanation.render_evidence(digit, evidence).astype(int)
    red, blue = image[..., 0], image[..., 2]
    assert (red[10, 5:20] > blue[10, 5:20] + 100).all() and (blue[11, 5:20] > red[11, 5:20] + 50).all()
    assert (image[0] == 255).all(), "paper white where there is no ink"


def test_why_names_the_two_digits_or_says_why_there_is_no_map(eleven_outputs):
    explainer = explanation.Explainer(eleven_outputs)
    image, legend = explainer.why(draw(7))
    probabilities = eleven_outputs.predict(preprocess.prepare(draw(7))[np.newaxis], verbose=0)[0, :10]
    top, runner_up = np.argsort(probabilities)[::-1][:2]
    assert image.shape == (28, 28, 3) and legend == explanation.legend(top, runner_up)
    assert f"made it a {top} rather than a {runner_up}" in legend
    assert explainer.why(np.zeros((600, 600, 4), np.uint8)) == (None, explanation.NOTHING_TO_EXPLAIN)
    assert explainer.inside(np.zeros((600, 600, 4), np.uint8)) == []
    noise = np.random.default_rng(0).integers(0, 256, (200, 200, 4), dtype=np.uint8)
    with pytest.raises(preprocess.NotADigitError) as refused:
        preprocess.prepare(noise)
    assert explainer.why(noise) == (None, str(refused.value))
    with pytest.raises(gr.Error, match="Cannot read this file"):
        explainer.why(str(ROOT / "README.md"))


def test_the_page_explains_the_28x28_it_shows_as_the_digit_the_model_read(eleven_outputs):
    explainer = explanation.Explainer(eleven_outputs)
    digit = preprocess.prepare(draw(2))
    shown = np.repeat(np.round(digit * 255).astype(np.uint8), 3, axis=2)  # app.model_view's, read back as RGB
    image, legend = explainer.why_seen(shown)
    assert legend == explainer.why(draw(2))[1]
    maps = explainer.evidence(np.stack([digit, shown[..., :1] / 255]))[0]  # the digit read, the digit shown
    assert np.corrcoef(maps[0].ravel(), maps[1].ravel())[0, 1] > 0.99
    expected = explanation.render_evidence(shown[..., 0] / 255, maps[1])
    np.testing.assert_allclose(image.astype(int), expected.astype(int), atol=1)
    sheets = explainer.inside_seen(shown)
    assert [caption for _, caption in sheets] == [caption for _, caption in explainer.inside(draw(2))]
    assert explainer.why_seen(None) == (None, explanation.NOTHING_TO_EXPLAIN) and explainer.inside_seen(None) == []
