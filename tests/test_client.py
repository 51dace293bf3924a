"""The running app, driven as a program drives it: gradio_client against `python app.py`."""

import cv2
import numpy as np
import pytest
from gradio_client import Client, handle_file
from strokes import draw, draw_number


@pytest.fixture(scope="module")
def client(server):
    return Client(server, verbose=False)


def save(tmp_path, name, rgba):
    path = tmp_path / name
    cv2.imwrite(str(path), cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA))
    return handle_file(str(path))


@pytest.mark.parametrize("digit", range(10))
def test_classify_reads_each_digit_with_five_confidences(client, tmp_path, digit):
    label = client.predict(save(tmp_path, f"{digit}.png", draw(digit)), api_name="/classify")
    assert label["label"] == str(digit)
    assert len(label["confidences"]) == 5
    confidences = [c["confidence"] for c in label["confidences"]]
    assert confidences == sorted(confidences, reverse=True) and 0.5 < confidences[0] <= 1.0


@pytest.mark.parametrize("suffix", [".jpg", ".webp"])
def test_classify_takes_jpeg_and_webp_dark_on_light(client, tmp_path, suffix):
    path = tmp_path / f"four{suffix}"
    cv2.imwrite(str(path), cv2.cvtColor(draw(4, width=16, background=(255, 255, 255)), cv2.COLOR_RGBA2BGR))
    assert client.predict(handle_file(str(path)), api_name="/classify")["label"] == "4"


def test_classify_on_an_empty_canvas_is_empty(client, tmp_path):
    assert client.predict(save(tmp_path, "empty.png", np.zeros((600, 600, 4), np.uint8)), api_name="/classify") == {}


def test_sketchpad_endpoint_takes_the_browser_dict(client, tmp_path):
    stroke = save(tmp_path, "layer.png", draw(2))
    blank = save(tmp_path, "background.png", np.zeros((600, 600, 4), np.uint8))
    label, view, hint = client.predict({"background": blank, "layers": [stroke], "composite": stroke},
                                       api_name="/read_drawing")
    assert label["label"] == "2" and len(label["confidences"]) == 5
    assert cv2.imread(view, cv2.IMREAD_GRAYSCALE).shape == (224, 224) and hint == ""
    empty = client.predict({"background": blank, "layers": [], "composite": blank}, api_name="/read_drawing")
    assert empty[0] == {} and empty[1] is None and "Nothing drawn" in empty[2]


@pytest.mark.parametrize("written", ["2026", "3145", "1234567890"])
def test_read_number_reads_the_number_with_per_digit_details(client, tmp_path, written):
    number, details, *_ = client.predict(save(tmp_path, "number.png", draw_number(written)), api_name="/read_number")
    assert number == written
    assert [detail["label"] for detail in details] == list(written)
    assert all(len(detail["confidences"]) == 5 for detail in details)
    boxes = [detail["box"] for detail in details]
    assert all(a["x"] + a["width"] <= b["x"] for a, b in zip(boxes[:-1], boxes[1:], strict=True)), "left to right"


def test_read_number_takes_a_jpeg_scan(client, tmp_path):
    path = tmp_path / "number.jpg"
    cv2.imwrite(str(path), cv2.cvtColor(draw_number("907", width=12, background=(255, 255, 255)), cv2.COLOR_RGBA2BGR))
    assert client.predict(handle_file(str(path)), api_name="/read_number")[0] == "907"


def test_read_number_reads_a_lone_digit_as_one_digit(client, tmp_path):
    number, details, *_ = client.predict(save(tmp_path, "seven.png", draw(7)), api_name="/read_number")
    assert number == "7" and len(details) == 1


def test_read_number_on_an_empty_canvas_is_empty(client, tmp_path):
    blank = save(tmp_path, "empty.png", np.zeros((400, 1200, 4), np.uint8))
    number, details, *_, hint = client.predict(blank, api_name="/read_number")
    assert number == "" and details == [] and "Nothing written" in hint
