"""app.predict and its handlers, in-process."""

import re

import gradio as gr
import numpy as np
import pytest
from awkward import CASES
from gradio.data_classes import FileData
from strokes import draw

import app


@pytest.mark.parametrize("digit", range(10))
def test_predict_reads_each_drawn_digit(digit):
    probabilities = app.predict(draw(digit))
    assert set(probabilities) == {str(d) for d in range(10)}
    assert sum(probabilities.values()) == pytest.approx(1.0, abs=1e-4)
    assert max(probabilities, key=probabilities.get) == str(digit)


def test_predict_matches_the_keras_model():
    canvas = draw(3, width=12, offset=(0.2, 0.1), scale=0.6)
    expected = app.model.predict(app.preprocess.prepare(canvas)[np.newaxis], verbose=0)[0]
    got = app.predict(canvas)
    np.testing.assert_allclose([got[str(d)] for d in range(10)], expected, atol=1e-5)


def test_predict_on_a_blank_canvas_is_empty():
    assert app.predict(np.zeros((600, 600, 4), np.uint8)) == {}


def test_read_drawing_shows_what_the_model_saw():
    label, view, hint = app.read_drawing({"background": None, "layers": [], "composite": draw(7)})
    assert max(label, key=label.get) == "7" and hint == ""
    assert view.shape == (28 * app.PREVIEW_SCALE,) * 2 and view.dtype == np.uint8
    blocks = view.reshape(28, app.PREVIEW_SCALE, 28, app.PREVIEW_SCALE)
    assert (blocks == blocks[:, :1, :, :1]).all(), "each model pixel is a hard-edged block, not smoothed"


def test_read_drawing_on_an_empty_canvas_clears_and_hints():
    assert app.read_drawing(np.zeros((600, 600, 4), np.uint8)) == (None, None, app.EMPTY_HINT)
    assert app.read_drawing(None) == (None, None, app.EMPTY_HINT)


# --- Every input answered: the upload tab and /classify, the Sketchpad and /read_drawing ---


@pytest.mark.parametrize("case", CASES)
def test_classify_answers_every_input_clearly(awkward_files, case):
    upload = {"path": str(awkward_files[case])}  # as Gradio hands a file over with preprocess=False
    kind, expected = CASES[case][2]
    if kind in ("unreadable", "not a digit"):
        with pytest.raises(gr.Error) as error:
            app.classify(upload)
        assert re.search(expected, error.value.message)
        assert error.value.title == ("Cannot read this image" if kind == "unreadable" else "No single digit to read")
        view, hint = app.show_model_view(upload)
        assert view is None and re.search(expected, hint)
    elif kind == "blank":
        assert app.classify(upload) is None
        assert app.show_model_view(upload) == (None, app.BLANK_PHOTO_HINT)
    else:
        label = app.classify(upload)
        assert max(label, key=label.get) == str(expected)


def sketched(path):
    """read_drawing's input for a Sketchpad value with this composite: Gradio's preprocessing of it, done here."""
    return app.sketch.preprocess(app.sketch.data_model(background=None, layers=[], composite=FileData(path=str(path))))


@pytest.mark.parametrize("case", CASES)
def test_read_drawing_answers_every_input_clearly(awkward_files, case):
    kind, expected = CASES[case][2]
    if kind == "unreadable":  # refused while the Sketchpad's value is read
        with pytest.raises(gr.Error) as error:
            sketched(awkward_files[case])
        assert re.search(expected, error.value.message)
        return
    label, view, hint = app.read_drawing(sketched(awkward_files[case]))
    if kind == "not a digit":  # said beside the canvas, with nothing guessed
        assert label is None and view is None and re.search(expected, hint)
    elif kind == "blank":
        assert (label, view, hint) == (None, None, app.EMPTY_HINT)
    else:
        assert max(label, key=label.get) == str(expected) and view is not None and hint == ""


def test_the_browsers_chunks_are_read_like_files(awkward_files):
    """The browser sends the Sketchpad's images as bytes, which Gradio's preprocessing hands to the same reader."""
    with pytest.raises(gr.Error, match="too large"):
        app.sketch.convert_and_format_image(awkward_files["9000x9000 PNG"].read_bytes())
    photo = app.sketch.convert_and_format_image(awkward_files["phone photo with EXIF rotation"].read_bytes())
    assert photo.shape[0] > photo.shape[1], "turned upright: a portrait photo"
