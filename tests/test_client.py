"""The running app, driven as a program drives it: gradio_client against `python app.py`."""

import re
import urllib.error
import urllib.request
from pathlib import Path

import cv2
import numpy as np
import pytest
from awkward import CASES
from gradio_client import Client, handle_file
from gradio_client.exceptions import AppError
from strokes import draw, draw_number

import preprocess

ANSWER_WITHIN = 60  # seconds: every input gets its answer, none hangs the Space
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


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
    view = cv2.imread(view, cv2.IMREAD_GRAYSCALE)
    assert view.shape == (28, 28) and hint == ""
    np.testing.assert_allclose(view, preprocess.prepare(draw(2))[..., 0] * 255, atol=0.5)  # the digit seen
    empty = client.predict({"background": blank, "layers": [], "composite": blank}, api_name="/read_drawing")
    assert empty[0] == {} and empty[1] is None and "Nothing drawn" in empty[2]


def test_a_star_is_answered_not_a_digit_with_the_digits_scores(client, tmp_path):
    label = client.predict(save(tmp_path, "star.png", draw("star")), api_name="/classify")
    assert label["label"] == "not a digit"  # the README's API table: what a program tests for
    names = [c["label"] for c in label["confidences"]]
    assert names[0] == "not a digit" and len(names) == 5 and set(names[1:]) <= {str(d) for d in range(10)}
    stroke = save(tmp_path, "layer.png", draw("star"))
    blank = save(tmp_path, "background.png", np.zeros((600, 600, 4), np.uint8))
    _, _, hint = client.predict({"background": blank, "layers": [stroke], "composite": stroke},
                                api_name="/read_drawing")
    assert "does not look like a digit" in hint


def test_a_number_with_a_star_in_it_reads_with_a_question_mark(client, tmp_path):
    number, digits, _, _, hint = client.predict(save(tmp_path, "n.png", draw_number("1*4", pitch=0.7)),
                                                api_name="/read_number")
    assert number == "1?4" and [d["label"] for d in digits] == ["1", "not a digit", "4"]
    assert "2nd mark" in hint


def test_explain_maps_what_made_it_the_top_digit_rather_than_the_second(client, tmp_path):
    seven = save(tmp_path, "7.png", draw(7))
    digits = [c["label"] for c in client.predict(seven, api_name="/classify")["confidences"] if c["label"].isdigit()]
    first, second = digits[:2]  # "Why?" weighs the top digit against the runner-up digit
    path, legend = client.predict(seven, api_name="/explain")
    assert f"made it a {first} rather than a {second}" in legend
    evidence = cv2.cvtColor(cv2.imread(path), cv2.COLOR_BGR2RGB).astype(int)
    assert evidence.shape == (28, 28, 3)
    redness = evidence[..., 0] - evidence[..., 2]
    hottest = np.argsort(redness.ravel())[::-1][:20]
    assert (preprocess.prepare(draw(7))[..., 0].ravel()[hottest] > 0).all(), "the reddest pixels lie on the ink"
    assert client.predict(save(tmp_path, "empty.png", np.zeros((600, 600, 4), np.uint8)),
                          api_name="/explain") == (None, "Nothing to explain yet: draw a digit from 0 to 9.")


# --- Every input answered clearly, and the Space serving on ----------------------------


# One input of each kind of answer in awkward.py: test_app.py runs every case in-process; here they
# cross HTTP, an upload and a reply each.
ONE_OF_EACH_KIND = ["truncated PNG", "random noise", "all white", "phone photo with EXIF rotation"]


def still_serving(client, tmp_path):
    return client.predict(save(tmp_path, "check.png", draw(3)), api_name="/classify")["label"] == "3"


@pytest.mark.parametrize("case", ONE_OF_EACH_KIND)
def test_classify_answers_each_kind_of_input_clearly(client, awkward_files, tmp_path, case):
    job = client.submit(handle_file(str(awkward_files[case])), api_name="/classify")
    kind, expected = CASES[case][2]
    if kind in ("unreadable", "not a digit"):
        with pytest.raises(AppError) as error:
            job.result(timeout=ANSWER_WITHIN)
        assert re.search(expected, error.value.message), error.value.message  # the app's words, not Gradio's generic
    elif kind == "blank":
        assert job.result(timeout=ANSWER_WITHIN) == {}
    else:
        assert job.result(timeout=ANSWER_WITHIN)["label"] == str(expected)
    assert still_serving(client, tmp_path)


@pytest.mark.parametrize("case", ONE_OF_EACH_KIND)
def test_read_drawing_answers_each_kind_of_input_clearly(client, awkward_files, tmp_path, case):
    composite = handle_file(str(awkward_files[case]))
    job = client.submit({"background": None, "layers": [], "composite": composite}, api_name="/read_drawing")
    kind, expected = CASES[case][2]
    if kind == "unreadable":
        with pytest.raises(AppError) as error:
            job.result(timeout=ANSWER_WITHIN)
        assert re.search(expected, error.value.message), error.value.message
    else:
        label, view, hint = job.result(timeout=ANSWER_WITHIN)
        if kind == "digit":
            assert label["label"] == str(expected) and view is not None and hint == ""
        else:  # blank, or not a digit: nothing guessed, and the hint says why
            assert label == {} and view is None
            assert re.search(expected, hint) if kind == "not a digit" else "Nothing drawn" in hint
    assert still_serving(client, tmp_path)


@pytest.mark.parametrize("case", ONE_OF_EACH_KIND)
def test_read_number_answers_each_kind_of_input_clearly(client, awkward_files, tmp_path, case):
    job = client.submit(handle_file(str(awkward_files[case])), api_name="/read_number")
    kind, expected = CASES[case][2]
    if kind in ("unreadable", "not a digit"):
        with pytest.raises(AppError) as error:
            job.result(timeout=ANSWER_WITHIN)
        assert re.search(expected, error.value.message), error.value.message
    else:
        number, details, *_, hint = job.result(timeout=ANSWER_WITHIN)
        if kind == "digit":
            assert (number, len(details), hint) == (str(expected), 1, "")
        else:
            assert (number, details) == ("", []) and "Nothing written" in hint
    assert still_serving(client, tmp_path)


def test_uploads_over_the_size_limit_are_refused(client, server, tmp_path):
    limit = client.config["max_file_size"]
    assert limit == 20 * 1024**2  # app.MAX_FILE_SIZE, "20mb" in Gradio's units
    big = tmp_path / "big.png"
    with open(big, "wb") as f:
        f.truncate(limit + 1)
    with pytest.raises(ValueError, match=f"exceeds the maximum file size of {limit} bytes"):
        client.predict(handle_file(str(big)), api_name="/classify")  # gradio_client reads the limit from the app
    boundary = "limit"
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.png\"\r\n"
            "Content-Type: image/png\r\n\r\n").encode() + big.read_bytes() + f"\r\n--{boundary}--\r\n".encode()
    request = urllib.request.Request(f"{server}gradio_api/upload", data=body, method="POST",
                                     headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with pytest.raises(urllib.error.HTTPError) as refused:  # and the server itself refuses it, whoever sends it
        urllib.request.urlopen(request, timeout=ANSWER_WITHIN)
    assert refused.value.code == 413 and b"maximum allowed size" in refused.value.read()
    assert still_serving(client, tmp_path)

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


# --- Photos of digits on paper (examples/photo_*.jpg, made by examples/make_photos.py) --------


@pytest.mark.parametrize(("name", "digit"), [("photo_ruled_7", 7), ("photo_squared_2", 2),
                                             ("photo_pencil_shadow_5", 5), ("photo_red_ink_ruled_4", 4)])
def test_classify_reads_a_photo_of_a_digit_on_paper(client, name, digit):
    label = client.predict(handle_file(str(EXAMPLES / f"{name}.jpg")), api_name="/classify")
    assert label["label"] == str(digit)


def test_classify_finds_no_digit_on_a_ruled_sheet_and_says_so(client):
    job = client.submit(handle_file(str(EXAMPLES / "photo_ruled_blank.jpg")), api_name="/classify")
    with pytest.raises(AppError) as error:
        job.result(timeout=ANSWER_WITHIN)
    assert "No digit found" in error.value.message or "noise or scattered marks" in error.value.message


def test_read_number_reads_a_number_photographed_on_ruled_paper(client):
    number, details, *_ = client.predict(handle_file(str(EXAMPLES / "photo_ruled_number_2026.jpg")),
                                         api_name="/read_number")
    assert number == "2026" and len(details) == 4
