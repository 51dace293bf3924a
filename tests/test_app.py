"""app.predict and its handlers, in-process."""

import inspect
import re

import gradio as gr
import numpy as np
import pytest
from awkward import CASES
from gradio.data_classes import FileData
from strokes import draw, draw_number

import app


@pytest.mark.parametrize("digit", range(10))
def test_predict_reads_each_drawn_digit(digit):
    probabilities = app.predict(draw(digit))
    assert set(probabilities) == {str(d) for d in range(10)} | {app.answers.NOT_A_DIGIT}
    assert sum(probabilities.values()) == pytest.approx(1.0, abs=1e-4)
    assert max(probabilities, key=probabilities.get) == str(digit)


def test_predict_matches_the_keras_model():
    canvas = draw(3, width=12, offset=(0.2, 0.1), scale=0.6)
    expected = app.model.predict(app.preprocess.prepare(canvas)[np.newaxis], verbose=0)[0]
    got = app.predict(canvas)
    np.testing.assert_allclose([got[app.answers.class_name(i)] for i in range(len(expected))], expected, atol=1e-5)


def test_predict_on_a_blank_canvas_is_empty():
    assert app.predict(np.zeros((600, 600, 4), np.uint8)) == {}


@pytest.mark.parametrize("example", [f"digit_{digit}.png" for digit in range(10)] + [
    "photo_pencil_shadow_5.jpg", "photo_red_ink_ruled_4.jpg", "photo_ruled_7.jpg", "photo_squared_2.jpg",
    "photo_desk_8.jpg", "photo_glare_2.jpg", "photo_marker_grey_0.jpg"])
def test_each_shipped_example_reads_as_its_digit(example):
    path = str(app.HERE / "examples" / example)
    assert path in app.EXAMPLES, "offered under the Upload tab"
    label = app.classify({"path": path})  # as the Upload tab hands a clicked example over
    assert max(label, key=label.get) == example.split(".")[0][-1]


def test_the_number_photo_is_offered_in_the_number_tab():
    assert app.NUMBER_EXAMPLES == [str(app.HERE / "examples" / "photo_ruled_number_2026.jpg")]


def test_read_drawing_shows_what_the_model_saw():
    canvas = draw(7)
    label, view, hint = app.read_drawing({"background": None, "layers": [], "composite": canvas})
    assert max(label, key=label.get) == "7" and hint == ""
    assert view.shape == (28, 28) and view.dtype == np.uint8  # sent as it is: the page enlarges it
    seen = app.preprocess.prepare(canvas)[..., 0] * 255
    np.testing.assert_allclose(view, seen, atol=0.5)  # the digit itself


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


def sketched(path, pad=app.sketch):
    """A handler's input for a Sketchpad value with this composite: Gradio's preprocessing of it, done here."""
    return pad.preprocess(pad.data_model(background=None, layers=[], composite=FileData(path=str(path))))


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


def test_gradio_still_decodes_the_sketchpad_with_the_method_the_app_replaces(awkward_files, monkeypatch):
    # drawing_pad replaces gr.ImageEditor.convert_and_format_image, a Gradio internal: no public option
    # bounds what the Sketchpad decodes. This fails the day Gradio renames it, changes its arguments or
    # stops calling it, and the app would decode any image the browser sends.
    assert list(inspect.signature(gr.ImageEditor.convert_and_format_image).parameters) == [
        "self", "file", "flatten_on_white"]
    for pad in (app.sketch, app.number_sketch):
        assert pad.convert_and_format_image is app.read_sketch_image
    read = []
    monkeypatch.setattr(app.sketch, "convert_and_format_image", lambda file, **options: read.append(file))
    sketched(awkward_files["9000x9000 PNG"])
    assert read, "Gradio's Sketchpad preprocessing no longer calls convert_and_format_image"


def test_the_browsers_chunks_are_read_like_files(awkward_files):
    """The browser sends the Sketchpad's images as bytes, which Gradio's preprocessing hands to the same reader."""
    with pytest.raises(gr.Error, match="too large"):
        app.sketch.convert_and_format_image(awkward_files["9000x9000 PNG"].read_bytes())
    photo = app.sketch.convert_and_format_image(awkward_files["phone photo with EXIF rotation"].read_bytes())
    assert photo.shape[0] > photo.shape[1], "turned upright: a portrait photo"

# --- A number ------------------------------------------------------------------


@pytest.mark.parametrize("written", ["2026", "907", "1234567890"])
def test_read_number_reads_a_written_number_left_to_right(written):
    number, details, views, top5, hint = app.read_number(draw_number(written))
    assert number == written and hint == ""
    assert [detail["label"] for detail in details] == list(written)
    lefts = [detail["box"]["x"] for detail in details]
    assert lefts == sorted(lefts) and not any(detail["touching"] for detail in details)
    assert all(len(detail["confidences"]) == 5 for detail in details)
    assert [caption for _, caption in views] == [f"{place}: {digit}" for place, digit in enumerate(written, 1)]
    assert all(view.shape == (28, 28) for view, _ in views)
    assert [row[0] for row in top5] == list(range(1, len(written) + 1))
    assert [row[1].split()[0] for row in top5] == list(written) and all(len(row) == 6 for row in top5)


def test_read_number_cuts_touching_digits_and_says_so():
    canvas = draw_number("8231", pitch=[0.55, 0.42, 0.55])
    number, details, _, _, hint = app.read_number(canvas)
    assert number == "8231"
    assert [detail["touching"] for detail in details] == [False, True, True, False]
    assert "Digits 2 and 3" in hint and "touched" in hint


@pytest.mark.parametrize("digit", range(10))
def test_read_number_reads_a_lone_digit_as_one_digit(digit):
    assert app.read_number(draw(digit))[0] == str(digit)


def test_read_number_asks_the_model_once_per_drawing(monkeypatch):
    calls = []
    model_call = app.classify_digits

    def counted(batch):
        calls.append(len(batch))
        return model_call(batch)

    monkeypatch.setattr(app, "classify_digits", counted)
    assert app.read_number(draw_number("31415"))[0] == "31415"
    assert len(calls) == 1 and calls[0] >= 5


def test_read_number_on_an_empty_canvas_is_empty():
    assert app.read_number(np.zeros((400, 1200, 4), np.uint8)) == ("", [], None, None, app.EMPTY_NUMBER_HINT)
    assert app.read_number(None) == ("", [], None, None, app.EMPTY_NUMBER_HINT)


def test_a_number_too_long_to_read_is_said_so():
    written = ("1234567890" * 2)[: app.splitting.MAX_DIGITS + 1]
    number, details, views, top5, hint = app.read_number_drawing(draw_number(written))
    assert (number, details, views, top5) == ("", [], None, None)
    assert f"at most {app.splitting.MAX_DIGITS} are read" in hint
    with pytest.raises(gr.Error, match=f"holds {len(written)} digits") as error:
        app.read_number(draw_number(written))
    assert error.value.title == "Too long a number"


@pytest.mark.parametrize("case", CASES)
def test_read_number_answers_every_input_clearly(awkward_files, case):
    upload = {"path": str(awkward_files[case])}  # the `/read_number` API and the Number tab's upload
    kind, expected = CASES[case][2]
    if kind in ("unreadable", "not a digit"):
        with pytest.raises(gr.Error) as error:
            app.read_number(upload)
        assert re.search(expected, error.value.message)
    elif kind == "blank":
        assert app.read_number(upload) == ("", [], None, None, app.EMPTY_NUMBER_HINT)
    else:
        assert app.read_number(upload)[0] == str(expected)


@pytest.mark.parametrize("case", CASES)
def test_the_number_canvas_answers_every_input_clearly(awkward_files, case):
    kind, expected = CASES[case][2]
    if kind == "unreadable":  # refused while the Sketchpad's value is read
        with pytest.raises(gr.Error) as error:
            sketched(awkward_files[case], app.number_sketch)
        assert re.search(expected, error.value.message)
        return
    number, details, views, top5, hint = app.read_number_drawing(sketched(awkward_files[case], app.number_sketch))
    if kind == "not a digit":  # said under the number, with nothing guessed: no pop-up at every stroke
        assert (number, details, views, top5) == ("", [], None, None) and re.search(expected, hint)
    elif kind == "blank":
        assert (number, details, views, top5, hint) == ("", [], None, None, app.EMPTY_NUMBER_HINT)
    else:
        assert number == str(expected) and hint == ""


# --- "Wrong? Tell it": the click that keeps a record ------------------------------------


@pytest.fixture
def feedback_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(app, "feedback_store", app.feedback.Store(tmp_path, app.hub.sha256(app.MODEL_PATH)))
    return tmp_path


def visitor(session="a-browser-session"):
    return gr.Request(session_hash=session)


def test_clicking_a_digit_keeps_the_drawing_with_the_model_s_reading(feedback_folder):
    canvas = {"background": None, "layers": [], "composite": draw(1)}
    assert app.tell_the_digit(canvas, "7", visitor()) == app.THANKS.format(what="a 7")
    [record] = app.feedback.read_records(feedback_folder)
    assert record["label"] == 7 and record["top5"][0]["label"] == "1"  # what it is said to be, what was read
    assert record["model_sha256"] == app.hub.sha256(app.MODEL_PATH)
    np.testing.assert_allclose(record["pixels"] / 255, app.preprocess.prepare(draw(1))[..., 0], atol=1 / 255)


@pytest.mark.parametrize("case", ["blank", "random noise"])
def test_a_blank_or_not_a_digit_drawing_is_refused_and_nothing_kept(feedback_folder, awkward_files, case):
    drawing = np.zeros((600, 600, 4), np.uint8) if case == "blank" else str(awkward_files[case])
    with pytest.raises(gr.Error):
        app.tell_the_digit(drawing, "3", visitor())
    assert app.feedback.folder_bytes(feedback_folder) == 0


@pytest.mark.parametrize("digit", ["10", "-1", "seven", ""])
def test_a_digit_no_button_sends_is_refused(feedback_folder, digit):
    with pytest.raises(gr.Error, match="0 to 9"):
        app.tell_the_digit(draw(7), digit, visitor())
    assert app.feedback.folder_bytes(feedback_folder) == 0


def test_a_disk_that_fails_while_saving_is_said_in_words(feedback_folder, monkeypatch):
    def full_disk(pictures, line):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(app.feedback_store, "write", full_disk)
    with pytest.raises(gr.Error, match="could not save your drawing") as raised:
        app.tell_the_digit(draw(2), "2", visitor())
    assert raised.value.title == "Not kept"


def test_a_visitor_past_the_rate_limit_is_told_so(feedback_folder):
    app.feedback_store.session_limit = 1
    app.tell_the_digit(draw(2), "2", visitor())
    with pytest.raises(gr.Error, match="wait a few minutes"):
        app.tell_the_digit(draw(2), "2", visitor())
    assert app.tell_the_digit(draw(2), "2", visitor("another")) == app.THANKS.format(what="a 2")


def test_the_page_says_what_is_kept_and_nothing_of_the_hub_without_a_repo():
    assert app.feedback_pusher is None  # the tests' environment names no FEEDBACK_REPO
    assert "nothing about you" in app.kept_line() and "Hub" not in app.kept_line()
