"""Stroke to label in the browser: this app beside a bare Sketchpad -> Label app, in one run.

    python benchmarks/browser.py                 # 8 digits each, the two apps in turn
    python benchmarks/browser.py --digits 20

Serves `python app.py` and a bare app on two ports: the same Sketchpad (canvas, brush, the
brush picked on load), its drawing read by app.predict straight into a Label, with no preview,
no hint and Gradio's own image decoding. Opens each in headless Chromium (as the browser tests
do: tests/test_browser.py) and, taking the apps in turn, draws one digit stroke of
tests/strokes.py with the mouse on a cleared canvas. Times, in the page's own clock, from the
stroke's pointerup to the moment the top label shows the new reading. Software WebGL (no GPU)
makes the absolute times high; the difference between the apps is the figure.
"""

import argparse
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--digits", type=int, default=8, help="strokes timed per app")
parser.add_argument("--serve-bare", type=int, help=argparse.SUPPRESS)  # internal: run the bare app on this port
args = parser.parse_args()

# The page's text of the visible top label, and the time of the last pointerup.
WATCH = """() => {
  window.labelText = () => {
    const label = [...document.querySelectorAll('[data-testid="label-output-value"]')]
      .find((element) => element.offsetParent !== null);
    return label ? label.innerText : "";
  };
  document.addEventListener("pointerup", () => { window.strokeEnded = performance.now(); }, true);
}"""
# True, and the time noted, once the label differs from `before`.
CHANGED = """(before) => {
  if (window.labelText() === before) return false;
  window.labelShown = performance.now();
  return true;
}"""


def serve_bare(port):
    """The bare app: the same Sketchpad, read by app.predict into a Label; nothing else."""
    import gradio as gr

    import app

    with gr.Blocks() as demo:
        sketch = gr.Sketchpad(elem_id="sketchpad", height=app.CANVAS_SIZE, canvas_size=(app.CANVAS_SIZE,) * 2,
                              fixed_canvas=True, type="numpy", image_mode="RGBA", format="png", layers=False,
                              transforms=(), brush=gr.Brush(default_size=app.BRUSH_SIZE, colors=["#000000"],
                                                            color_mode="fixed"))
        label = gr.Label(num_top_classes=app.TOP_CLASSES)
        sketch.change(app.predict, sketch, label, trigger_mode="always_last", show_progress="hidden")
        sketch.clear(None, js=app.PICK_BRUSH)
        demo.load(None, js=app.PICK_BRUSH)
    demo.queue(default_concurrency_limit=None).launch(server_name="127.0.0.1", server_port=port, quiet=True)


def start(command, port):
    env = {**os.environ, "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
           "GRADIO_ANALYTICS_ENABLED": "False"}
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(360):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2)
            return server
        except OSError:
            time.sleep(0.5)
    server.kill()
    sys.exit(f"{command} did not start on port {port}")


def stroke_to_label(visit, canvas_size, digit):
    """Seconds from the end of one stroke of `digit` on a cleared canvas to the label showing it."""
    from playwright.sync_api import expect
    from test_browser import READ_TIMEOUT_MS, draw_with_mouse, sketchpad_ready, stroke_paths

    sketchpad_ready(visit)
    before = visit.page.evaluate("window.labelText()")
    draw_with_mouse(visit.page, stroke_paths(visit.app, canvas_size, digit)[:1])
    visit.page.wait_for_function(CHANGED, arg=before, timeout=READ_TIMEOUT_MS)
    seconds = visit.page.evaluate("(window.labelShown - window.strokeEnded) / 1000")
    visit.wait_until_quiet()
    visit.page.evaluate(CLEAR)
    expect(visit.app.locator('[data-testid="label-output-value"]').filter(visible=True)).to_have_count(0)
    visit.wait_until_quiet()
    return seconds


if args.serve_bare:
    serve_bare(args.serve_bare)
    sys.exit()

from conftest import free_port  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from test_browser import CHROMIUM_ARGS, DESKTOP, Visit, find_chromium  # noqa: E402

import app  # noqa: E402  (its page's own JavaScript: clear the canvas)

CLEAR = app.CLEAR_SKETCH
app_port, bare_port = free_port(), free_port()
servers = [start([sys.executable, "app.py"], app_port),
           start([sys.executable, str(Path(__file__).resolve()), "--serve-bare", str(bare_port)], bare_port)]
try:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(playwright), args=CHROMIUM_ARGS)
        visits = {"this app": Visit(browser, f"http://127.0.0.1:{app_port}/", **DESKTOP),
                  "bare Sketchpad -> Label": Visit(browser, f"http://127.0.0.1:{bare_port}/", **DESKTOP)}
        for visit in visits.values():
            visit.page.evaluate(WATCH)
        seconds = {name: [] for name in visits}
        for i in range(args.digits + 1):  # the first of each is a warm-up, not counted
            for name, visit in visits.items():
                taken = stroke_to_label(visit, app.CANVAS_SIZE, i % 10)
                if i:
                    seconds[name].append(taken)
        browser.close()
finally:
    for server in servers:
        server.terminate()

print(f"stroke -> top label in headless Chromium ({os.cpu_count()} cores, software WebGL), {args.digits} strokes "
      "each, the apps in turn:")
for name, values in seconds.items():
    print(f"  {name:24} p50 {np.median(values):.3f} s   mean {np.mean(values):.3f} s   max {np.max(values):.3f} s")
ratio = np.median(seconds["this app"]) / np.median(seconds["bare Sketchpad -> Label"])
print(f"  this app / bare, p50: {ratio:.2f}")
