"""The app as a person uses it: `python app.py` driven in a real Chromium through Playwright.

Digits are drawn with the mouse (or a finger, on a phone) along the strokes of
tests/strokes.py, on the page itself, in an <iframe> and in the <gradio-app> web
component of a page served from another port, and on a phone-sized touch screen;
a digit image is uploaded in the Upload tab. Each test saves a screenshot in the
folder named at the end of the run.

Chromium: $CHROMIUM, else `chromium` (or Chrome) on the PATH, else the one
`python -m playwright install chromium` downloads. Without one the tests skip,
except under CI=true, where a missing browser fails them.
"""

import functools
import http.server
import json
import os
import re
import shutil
import threading
import time
import urllib.request
from pathlib import Path

import cv2
import gradio
import numpy as np
import pytest
from conftest import free_port
from playwright.sync_api import expect, sync_playwright
from strokes import STYLES, draw, strokes

import answers
import feedback
import preprocess

CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
DESKTOP = {"viewport": {"width": 1280, "height": 1000}}
PHONE = "Pixel 7"  # a Playwright device: 412x839 CSS pixels, touch, mobile
# What the web component's CDN serves at https://gradio.s3-us-west-2.amazonaws.com/<version>/:
# gradio.js and the assets/ it imports; the installed package holds the same build.
GRADIO_FRONTEND = Path(gradio.__file__).parent / "templates" / "frontend"
# Software WebGL (no GPU) makes each pointer move take up to seconds on a busy machine.
READ_TIMEOUT_MS = 180_000
SAME_DIGIT = 0.8  # least correlation between the preview and the expected 28x28
NUMBER_PITCH = 0.55  # digits of a number this many heights apart: strokes.py's digits are ~0.4 wide


# --- The browser and the pages -------------------------------------------------


def find_chromium(playwright):
    """Chromium's path: $CHROMIUM, one on the PATH, or Playwright's own download; None if none."""
    candidates = [os.environ.get("CHROMIUM")]
    candidates += [shutil.which(name) for name in ("chromium", "chromium-browser", "google-chrome")]
    candidates.append(playwright.chromium.executable_path)
    return next((path for path in candidates if path and Path(path).is_file()), None)


@pytest.fixture(scope="session")
def playwright():
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="session")
def browser(playwright):
    chromium = find_chromium(playwright)
    if chromium is None:
        message = ("no Chromium found: install one (`apt install chromium` or "
                   "`python -m playwright install chromium`) or set CHROMIUM=/path/to/chrome")
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"CI requires the browser tests: {message}")
        pytest.skip(f"browser tests skipped, {message}")
    browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def canvas_size(server):
    """The Sketchpad's canvas side, in canvas pixels, from the app's own config."""
    with urllib.request.urlopen(server + "config") as response:
        config = json.load(response)
    sketchpad = next(c for c in config["components"] if c["props"].get("elem_id") == "sketchpad")
    width, height = sketchpad["props"]["canvas_size"]
    assert width == height, "the strokes are traced on a square canvas"
    return width


@pytest.fixture(scope="session")
def other_site(server, tmp_path_factory):
    """A plain site on another port that embeds the app twice: iframe.html and web-component.html."""
    site = tmp_path_factory.mktemp("site")
    (site / "iframe.html").write_text(
        f'<!doctype html><title>Embedded</title><h1>Another site</h1>\n'
        f'<iframe src="{server}" style="width: 100%; height: 1200px; border: 0"></iframe>\n')
    (site / "web-component.html").write_text(
        f'<!doctype html><title>Embedded</title><h1>Another site</h1>\n'
        f'<script type="module" src="gradio.js"></script>\n<gradio-app src="{server}"></gradio-app>\n')
    for name in ("gradio.js", "assets"):
        (site / name).symlink_to(GRADIO_FRONTEND / name)

    class QuietHandler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", free_port()),
                                            functools.partial(QuietHandler, directory=site))
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}/"
    httpd.shutdown()
    httpd.server_close()


class Visit:
    """One way into the app: a browser tab, where the app is in it (the page or an iframe), its traffic."""

    def __init__(self, browser, url, frame=None, brush="Brush", **context_options):
        self.page = browser.new_context(**context_options).new_page()
        self.brush = brush  # the brush button's label, in the browser's language
        self.requests_open, self.last_request = 0, time.monotonic()
        self.page.on("request", self._request_starts)
        self.page.on("requestfinished", self._request_ends)
        self.page.on("requestfailed", self._request_ends)
        self.page.goto(url)
        self.app = self.page.frame_locator(frame) if frame else self.page
        self.cleared = True  # nothing drawn since the page loaded or was cleared

    def _request_starts(self, request):
        self.requests_open += 1
        self.last_request = time.monotonic()

    def _request_ends(self, request):
        self.requests_open -= 1
        self.last_request = time.monotonic()

    def wait_until_quiet(self, seconds=2.0):
        """Wait for the page to finish its work: no request open, none for `seconds`.

        After each reading the Sketchpad exports the drawing again (seconds, on a slow
        machine); a Clear pressed meanwhile is undone when that export's reading lands.
        """
        deadline = time.monotonic() + READ_TIMEOUT_MS / 1000
        while self.requests_open > 0 or time.monotonic() - self.last_request < seconds:
            assert time.monotonic() < deadline, f"{self.requests_open} requests still open"
            self.page.wait_for_timeout(200)

    def close(self):
        self.page.context.close()


# --- Drawing and reading what the page shows -----------------------------------


def sketchpad_ready(visit, pad="sketchpad"):
    """The brush is picked without the visitor picking it, so the canvas takes strokes."""
    brush = visit.app.locator(f'#{pad} button[aria-label="{visit.brush}"]')
    expect(brush).to_have_class(re.compile(r"\bhighlight\b"), timeout=60_000)


def stroke_paths(app, canvas_size, digit):
    """The digit's strokes in page coordinates, where the Sketchpad shows its canvas.

    The canvas is displayed centred in its element, scaled by the zoom it shows ("90%").
    """
    canvas = app.locator("#sketchpad canvas").first
    canvas.scroll_into_view_if_needed()
    zoom = int(app.locator("#sketchpad .zoom-number").inner_text().strip().rstrip("%")) / 100
    box = canvas.bounding_box()
    side = canvas_size * zoom
    left, top = box["x"] + (box["width"] - side) / 2, box["y"] + (box["height"] - side) / 2
    return [[(left + x * side, top + y * side) for x, y in stroke] for stroke in strokes(digit)]


def draw_with_mouse(page, paths):
    """Press, move through each point of the stroke, release: one drag per stroke.

    One move per point: the brush inks the segment between two moves, and each move
    costs a render of the canvas.
    """
    for path in paths:
        page.mouse.move(*path[0])
        page.mouse.down()
        for point in path[1:]:
            page.mouse.move(*point)
        page.mouse.up()


def draw_with_finger(page, paths):
    """The same strokes as touch events, as a phone's screen sends them (CDP Input.dispatchTouchEvent)."""
    cdp = page.context.new_cdp_session(page)
    for path in paths:
        (x, y), rest = path[0], path[1:]
        cdp.send("Input.dispatchTouchEvent", {"type": "touchStart", "touchPoints": [{"x": x, "y": y}]})
        for x, y in rest:
            cdp.send("Input.dispatchTouchEvent", {"type": "touchMove", "touchPoints": [{"x": x, "y": y}]})
        cdp.send("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})
    cdp.detach()


def top_label(app):
    return app.locator('[data-testid="label-output-value"]').filter(visible=True)


def model_view_image(app):
    return app.locator(".model-view img").filter(visible=True)


def shown_model_view(visit):
    """The 28x28 'What the model saw' as the page shows it, in [0, 1]; None if none shown."""
    image = model_view_image(visit.app)
    if image.count() == 0:
        return None
    response = visit.page.request.get(image.evaluate("img => img.src"))
    pixels = cv2.imdecode(np.frombuffer(response.body(), np.uint8), cv2.IMREAD_GRAYSCALE)
    if pixels is None:
        return None
    return cv2.resize(pixels, (preprocess.IMAGE_SIZE,) * 2, interpolation=cv2.INTER_AREA) / 255.0


def correlation(a, b):
    return float(np.corrcoef(a.ravel(), b.ravel())[0, 1])


def wait_for_reading(visit, digit, expected_view):
    """Wait until the page shows `digit` as its top label beside a preview of the same drawing.

    Both at once: a digit drawn in two strokes is read after each, and only the last
    reading shows the whole digit. Returns the preview.
    """
    label, seen = top_label(visit.app), "nothing"
    for _ in range(READ_TIMEOUT_MS // 500):
        text = label.first.inner_text() if label.count() else None
        view = shown_model_view(visit) if text == str(digit) else None
        if view is not None and correlation(view, expected_view) >= SAME_DIGIT:
            return view
        seen = f"label {text!r}, preview correlation {None if view is None else correlation(view, expected_view)}"
        visit.page.wait_for_timeout(500)
    pytest.fail(f"the page never read {digit} (last seen: {seen})")


def assert_centred(view):
    """MNIST's placement: centre of mass in the middle of the 28x28 field, the digit within 20x20."""
    moments = cv2.moments(view.astype(np.float32))
    centre = (moments["m10"] / moments["m00"], moments["m01"] / moments["m00"])
    assert centre == pytest.approx((preprocess.IMAGE_SIZE / 2,) * 2, abs=1.0)
    rows, columns = np.nonzero(view > 0.1)
    assert max(np.ptp(rows), np.ptp(columns)) + 1 <= preprocess.DIGIT_BOX + 1


def draw_and_read(visit, canvas_size, digit, trace=draw_with_mouse):
    """Draw a digit of tests/strokes.py (or one of its STYLES, by name) and wait until it is read."""
    sketchpad_ready(visit)
    trace(visit.page, stroke_paths(visit.app, canvas_size, digit))
    label = STYLES[digit][0] if digit in STYLES else digit
    view = wait_for_reading(visit, label, preprocess.prepare(draw(digit))[..., 0])
    assert_centred(view)


def clear(visit, tap=False):
    """Clear: the label and the preview empty, and the brush is ready for the next digit."""
    visit.wait_until_quiet()
    button = visit.app.get_by_role("button", name="Clear", exact=True)
    button.tap() if tap else button.click()
    expect(top_label(visit.app)).to_have_count(0, timeout=30_000)
    expect(model_view_image(visit.app)).to_have_count(0, timeout=30_000)
    sketchpad_ready(visit)
    visit.cleared = True


# --- The four ways in, and the upload ----------------------------------------


@pytest.fixture(scope="module")
def app_tab(browser, server):
    visit = Visit(browser, server, **DESKTOP)
    yield visit
    visit.close()


@pytest.fixture
def app_page(app_tab):
    """The tab the digits share, reloaded if the test before it failed before its Clear."""
    if not app_tab.cleared:
        app_tab.page.reload()
    app_tab.cleared = False
    return app_tab


@pytest.mark.parametrize("digit", range(10))
def test_page_reads_each_digit_drawn_with_the_mouse_and_clears(app_page, canvas_size, screenshots, digit):
    draw_and_read(app_page, canvas_size, digit)
    app_page.page.screenshot(path=screenshots / f"page-{digit}.png")
    clear(app_page)


def test_page_says_a_star_is_not_a_digit_in_words_and_keeps_it_as_one(browser, server, feedback_dir, canvas_size,
                                                                      screenshots):
    visit = Visit(browser, server, **DESKTOP)
    sketchpad_ready(visit)
    draw_with_mouse(visit.page, stroke_paths(visit.app, canvas_size, "star"))
    wait_for_reading(visit, answers.NOT_A_DIGIT, preprocess.prepare(draw("star"))[..., 0])
    expect(visit.app.get_by_text(answers.NOT_A_DIGIT_HINT)).to_be_visible()
    visit.page.screenshot(path=screenshots / "page-star.png")
    visit.wait_until_quiet()
    before = len(feedback.read_records(feedback_dir))
    visit.page.get_by_role("button", name="Not a digit", exact=True).click()
    expect(visit.page.get_by_text("Thank you: kept as not a digit.")).to_be_visible(timeout=60_000)
    expect(top_label(visit.page)).to_have_count(0, timeout=30_000)  # cleared for the next drawing
    expect(visit.app.get_by_text(answers.NOT_A_DIGIT_HINT)).to_have_count(0)
    records = feedback.read_records(feedback_dir)
    assert len(records) == before + 1
    assert max(records, key=lambda r: r["time"])["label"] == feedback.NOT_A_DIGIT
    visit.close()


def number_paths(app, canvas_size, number):
    """The strokes of `number` written in a row (as strokes.draw_row lays them out) in page coordinates,
    where the Number tab's Sketchpad shows its canvas of canvas_size (width, height)."""
    canvas = app.locator("#number-sketchpad canvas").first
    canvas.scroll_into_view_if_needed()
    zoom = int(app.locator("#number-sketchpad .zoom-number").inner_text().strip().rstrip("%")) / 100
    box = canvas.bounding_box()
    width, height = (side * zoom for side in canvas_size)
    left, top = box["x"] + (box["width"] - width) / 2, box["y"] + (box["height"] - height) / 2
    return [[(left + (x + NUMBER_PITCH * place + 0.2) * height, top + y * height) for x, y in stroke]
            for place, digit in enumerate(number) for stroke in strokes(int(digit))]


def test_number_tab_reads_a_number_written_with_the_mouse_and_clears(app_page, server):
    with urllib.request.urlopen(server + "config") as response:
        config = json.load(response)
    pad = next(c for c in config["components"] if c["props"].get("elem_id") == "number-sketchpad")
    app_page.app.get_by_role("tab", name="Number").click()
    sketchpad_ready(app_page, "number-sketchpad")
    draw_with_mouse(app_page.page, number_paths(app_page.app, pad["props"]["canvas_size"], "307"))
    shown = app_page.app.locator("#number textarea")
    expect(shown).to_have_value("307", timeout=READ_TIMEOUT_MS)
    app_page.wait_until_quiet()
    app_page.app.get_by_role("button", name="Clear", exact=True).filter(visible=True).click()
    expect(shown).to_have_value("", timeout=30_000)
    sketchpad_ready(app_page, "number-sketchpad")  # the brush is back for the next number
    app_page.app.get_by_role("tab", name="Draw").click()
    app_page.cleared = True


@pytest.mark.parametrize("style", STYLES)
def test_page_reads_the_digits_much_of_the_world_writes(app_page, canvas_size, style):
    # A 1 with a long flag (read as 7 by a model of MNIST alone) and a 7 with a crossbar.
    draw_and_read(app_page, canvas_size, style)
    clear(app_page)


def test_iframe_on_another_site(browser, other_site, canvas_size, screenshots):
    visit = Visit(browser, other_site + "iframe.html", frame="iframe", **DESKTOP)
    draw_and_read(visit, canvas_size, 4)
    visit.page.screenshot(path=screenshots / "iframe.png", full_page=True)
    clear(visit)
    visit.close()


def test_web_component_on_another_site(browser, other_site, canvas_size, screenshots):
    visit = Visit(browser, other_site + "web-component.html", **DESKTOP)
    draw_and_read(visit, canvas_size, 2)
    visit.page.screenshot(path=screenshots / "web-component.png", full_page=True)
    clear(visit)
    visit.close()


def test_a_spanish_browser_gets_the_brush_and_clear_too(browser, server, canvas_size, screenshots):
    """Gradio translates the Sketchpad's labels: "Pincel" for "Brush", "Limpiar lienzo" for "Clear canvas"."""
    visit = Visit(browser, server, brush="Pincel", locale="es-ES", **DESKTOP)
    draw_and_read(visit, canvas_size, 1)
    visit.page.screenshot(path=screenshots / "spanish.png")
    clear(visit)
    visit.close()


def test_phone_draws_with_a_finger_and_fits_the_screen(playwright, browser, server, canvas_size, screenshots):
    visit = Visit(browser, server, **playwright.devices[PHONE])
    draw_and_read(visit, canvas_size, 7, trace=draw_with_finger)
    visit.page.screenshot(path=screenshots / "phone.png", full_page=True)
    page_width, screen_width = visit.page.evaluate("() => [document.documentElement.scrollWidth, innerWidth]")
    assert page_width <= screen_width, f"horizontal scroll: {page_width} px of page on a {screen_width} px screen"
    clear(visit, tap=True)
    visit.close()


def test_upload_tab_reads_each_uploaded_digit(browser, server, screenshots, tmp_path):
    visit = Visit(browser, server, **DESKTOP)
    visit.page.get_by_role("tab", name="Upload").click()
    for digit in (3, 8):  # the label follows each upload
        image = draw(digit, background=(255, 255, 255))  # dark on light, as a scan
        path = tmp_path / f"{digit}.png"
        cv2.imwrite(str(path), cv2.cvtColor(image, cv2.COLOR_RGBA2BGRA))
        with visit.page.expect_file_chooser() as chooser:  # click the drop area, pick the file
            visit.page.get_by_role("button", name="Drop an image file here to upload").click()
        chooser.value.set_files(path)
        wait_for_reading(visit, digit, preprocess.prepare(image)[..., 0])
        visit.page.screenshot(path=screenshots / f"upload-{digit}.png")
        visit.page.get_by_role("button", name="Remove Image").click()
        expect(top_label(visit.page)).to_have_count(0, timeout=30_000)
    visit.close()


def test_a_misread_is_corrected_with_one_click_and_kept_on_disk(browser, server, feedback_dir, canvas_size,
                                                                screenshots):
    visit = Visit(browser, server, **DESKTOP)
    draw_and_read(visit, canvas_size, 4)
    visit.wait_until_quiet()
    before = len(feedback.read_records(feedback_dir))
    visit.page.locator("#tell-the-digit").get_by_role("button", name="9", exact=True).click()  # "it was a 9"
    expect(visit.page.get_by_text("Thank you: kept as a 9.")).to_be_visible(timeout=60_000)
    expect(top_label(visit.page)).to_have_count(0, timeout=30_000)  # cleared for the next drawing
    sketchpad_ready(visit)
    visit.page.screenshot(path=screenshots / "feedback.png")
    records = feedback.read_records(feedback_dir)
    assert len(records) == before + 1
    record = max(records, key=lambda r: r["time"])
    assert record["label"] == 9 and record["top5"][0]["label"] == "4"
    assert correlation(record["pixels"] / 255, preprocess.prepare(draw(4))[..., 0]) >= SAME_DIGIT  # the drawing
    visit.close()


def shown_image(visit, selector):
    """The image the page shows in `selector`, as RGB; None if none."""
    image = visit.app.locator(f"{selector} img").filter(visible=True)
    if image.count() == 0:
        return None
    response = visit.page.request.get(image.first.evaluate("img => img.src"))
    pixels = cv2.imdecode(np.frombuffer(response.body(), np.uint8), cv2.IMREAD_COLOR)
    return None if pixels is None else cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)


def test_why_shows_a_map_whose_hottest_pixels_lie_on_the_ink(app_page, canvas_size, screenshots):
    draw_and_read(app_page, canvas_size, 7)
    seen = shown_model_view(app_page)
    why = app_page.app.get_by_role("button", name="Why?").filter(visible=True)
    why.click()
    expect(app_page.app.get_by_text("made it a 7 rather than a")).to_be_visible(timeout=READ_TIMEOUT_MS)
    expect(app_page.app.locator("#draw-why img").filter(visible=True)).to_have_count(1, timeout=30_000)
    evidence = shown_image(app_page, "#draw-why")
    assert evidence.shape == (28, 28, 3)
    redness = evidence[..., 0].astype(int) - evidence[..., 2]
    hottest = np.argsort(redness.ravel())[::-1][:20]
    assert (seen.ravel()[hottest] > 0.1).all(), "the hottest pixels lie on the ink the model saw"
    app_page.wait_until_quiet()
    app_page.page.screenshot(path=screenshots / "why.png", full_page=True)  # docs/why.png, in the README
    clear(app_page)  # the open map follows the drawing: gone with it
    expect(app_page.app.locator("#draw-why img").filter(visible=True)).to_have_count(0, timeout=30_000)
    why.click()  # closed again, for the tests after it
