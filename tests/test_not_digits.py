"""'Not a digit', in-process: the model's eleventh class, and every door of the app saying so in words.
(Over HTTP: test_client.py; as MCP tools: test_mcp.py; on the page: test_browser.py.)"""

import gradio as gr
import numpy as np
import pytest
from conftest import OMNIGLOT_SAMPLE
from strokes import draw, draw_number

import answers
import app
import datasets
import feedback
import sketchpad


def sketch(canvas):
    return {"background": None, "layers": [], "composite": canvas}


@pytest.mark.parametrize("thing", ["star", "heart", "K"])
def test_the_draw_tab_says_a_drawing_is_not_a_digit_and_still_shows_the_digits_scores(thing):
    label, view, hint = app.read_drawing(sketch(draw(thing)))
    assert max(label, key=label.get) == answers.NOT_A_DIGIT  # the Label's answer is no digit ...
    assert {str(d) for d in range(10)} < set(label)  # ... and the digits' scores are there for the curious
    assert hint == answers.NOT_A_DIGIT_HINT and "does not look like a digit" in hint
    assert view.shape == (28, 28)


def test_characters_of_alphabets_never_trained_on_are_not_digits():
    characters = datasets.load_omniglot(datasets.omniglot_file(OMNIGLOT_SAMPLE), datasets.OMNIGLOT_HELD_OUT)
    rng = np.random.default_rng(0)
    flagged = [max(label, key=label.get) == answers.NOT_A_DIGIT for label in (
        app.predict(sketchpad.random_drawing(rng, sketchpad.unit_strokes(c.strokes), brush=sketchpad.APP_BRUSH))
        for c in characters)]
    # benchmarks/not_digits.py, every drawing of both alphabets: 83 %; these 38 of drawer 01: 79 %.
    assert len(flagged) == 38 and np.mean(flagged) >= 0.75


def test_the_upload_tab_says_it_and_classify_answers_not_a_digit(tmp_path):
    path = tmp_path / "star.png"
    app.preprocess.cv2.imwrite(str(path), 255 - draw("star", width=16)[..., 3])  # dark on white paper
    label = app.classify(str(path))
    assert max(label, key=label.get) == answers.NOT_A_DIGIT and len(label) == 11
    view, hint = app.show_model_view(str(path))
    assert hint == answers.NOT_A_DIGIT_PHOTO_HINT and view.shape == (28, 28)
    four = tmp_path / "four.png"
    app.preprocess.cv2.imwrite(str(four), 255 - draw(4, width=16)[..., 3])
    assert app.show_model_view(str(four))[1] == ""  # a digit: nothing to say


def test_a_number_shows_a_mark_that_is_no_digit_as_a_question_mark_and_names_its_place():
    number, details, crops, top5, hint = app.read_number(draw_number("1*4", pitch=0.7))
    assert number == "1?4"
    assert [d["label"] for d in details] == ["1", answers.NOT_A_DIGIT, "4"]
    assert "2nd mark" in hint and "?" in hint
    assert len(crops) == len(top5) == 3
    plain, _, _, _, plain_hint = app.read_number(draw_number("14", pitch=0.7))
    assert plain == "14" and plain_hint == ""


def test_the_number_hint_names_each_place_in_words():
    details = [{"label": label, "touching": False} for label in ["2", answers.NOT_A_DIGIT, "3", answers.NOT_A_DIGIT]]
    assert answers.number_text(details) == "2?3?"
    assert answers.number_hint(details).startswith("The 2nd and 4th mark from the left does not look like a digit")
    assert [answers.ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd"]


@pytest.fixture
def feedback_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(app, "feedback_store", feedback.Store(tmp_path, app.hub.sha256(app.MODEL_PATH)))
    return tmp_path


def test_not_a_digit_button_keeps_the_drawing_as_not_a_digit(feedback_folder):
    thanks = app.tell_the_digit(sketch(draw("star")), app.NOT_A_DIGIT_BUTTON, gr.Request(session_hash="s"))
    assert thanks == app.THANKS.format(what="not a digit")
    [record] = feedback.read_records(feedback_folder)
    assert record["label"] == feedback.NOT_A_DIGIT == 10
    assert record["top5"][0]["label"] == answers.NOT_A_DIGIT  # what the model read
    pixels, labels = feedback.digits_and_labels([record])
    assert labels.tolist() == [10] and pixels.shape == (1, 28, 28)
