"""Stroke to label in the browser: this app beside a truly bare Sketchpad -> Label app, in one run.

    python benchmarks/browser.py                 # 8 strokes each, the apps in turn
    python benchmarks/browser.py --digits 20

Serves `python app.py` and benchmarks/bare_app.py (Gradio's own digit demo: the same Sketchpad,
its canvas resized to 28x28 and read by the same model into a Label, in a process of its own,
nothing of app.py imported) on two ports. Opens them in headless Chromium (as the browser tests
do: tests/test_browser.py): this app twice, once as a visitor first sees it (the explanation
closed) and once with "Why?" and "Inside the network" open, and the bare app. Taking the three in
turn, draws one digit stroke of tests/strokes.py with the mouse on a cleared canvas, and times,
in the page's own clock, from the stroke's pointerup to the moment the top label shows the new
reading (and, with the explanation open, to the moment the map shows it too). Software WebGL (no
GPU) makes the absolute times high; the difference between the apps is the figure.
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
args = parser.parse_args()

# The page's text of the visible top label, the "Why?" map's address, and the time of the last pointerup.
WATCH = """() => {
  window.labelText = () => {
    const label = [...document.querySelectorAll('[data-testid="label-output-value"]')]
      .find((element) => element.offsetParent !== null);
    return label ? label.innerText : "";
  };
  window.mapSource = () => { const map = document.querySelector('#draw-why img'); return map ? map.src : ""; };
  document.addEventListener("pointerup", () => { window.strokeEnded = performance.now(); }, true);
}"""
# True, and the time noted, once the label differs from `before`.
CHANGED = """(before) => {
  if (window.labelText() === before) return false;
  window.labelShown = performance.now();
  return true;
}"""
# The same for the map.
MAP_CHANGED = """(before) => {
  if (window.mapSource() === before || !window.mapSource()) return false;
  window.mapShown = performance.now();
  return true;
}"""


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


def stroke_to_label(visit, canvas_size, digit, explained):
    """Seconds from the end of one stroke of `digit` on a cleared canvas to the label showing it, and to the
    "Why?" map showing it when `explained` (else None)."""
    from playwright.sync_api import expect
    from test_browser import READ_TIMEOUT_MS, draw_with_mouse, sketchpad_ready, stroke_paths

    sketchpad_ready(visit)
    before, map_before = visit.page.evaluate("[window.labelText(), window.mapSource()]")
    draw_with_mouse(visit.page, stroke_paths(visit.app, canvas_size, digit)[:1])
    visit.page.wait_for_function(CHANGED, arg=before, timeout=READ_TIMEOUT_MS)
    to_label = visit.page.evaluate("(window.labelShown - window.strokeEnded) / 1000")
    to_map = None
    if explained:
        visit.page.wait_for_function(MAP_CHANGED, arg=map_before, timeout=READ_TIMEOUT_MS)
        to_map = visit.page.evaluate("(window.mapShown - window.strokeEnded) / 1000")
    visit.wait_until_quiet()
    visit.page.evaluate(CLEAR)
    shown = visit.app.locator('[data-testid="label-output-value"]').filter(visible=True)
    expect(shown).to_have_count(0, timeout=60_000)  # a busy machine may take seconds
    visit.wait_until_quiet()
    return to_label, to_map


from conftest import free_port  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402
from test_browser import CHROMIUM_ARGS, DESKTOP, Visit, find_chromium  # noqa: E402

import app  # noqa: E402  (its page's own JavaScript: clear the canvas)

CLEAR = app.CLEAR_SKETCH
THIS_APP, EXPLAINED, BARE = "this app", "this app, Why? open", "bare Sketchpad -> Label"
app_port, bare_port = free_port(), free_port()
servers = [start([sys.executable, "app.py"], app_port),
           start([sys.executable, str(Path(__file__).resolve().parent / "bare_app.py")], bare_port)]
try:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=find_chromium(playwright), args=CHROMIUM_ARGS)
        visits = {THIS_APP: Visit(browser, f"http://127.0.0.1:{app_port}/", **DESKTOP),
                  EXPLAINED: Visit(browser, f"http://127.0.0.1:{app_port}/", **DESKTOP),
                  BARE: Visit(browser, f"http://127.0.0.1:{bare_port}/", **DESKTOP)}
        for visit in visits.values():
            visit.page.evaluate(WATCH)
        for panel in ("Why?", "Inside the network"):
            visits[EXPLAINED].page.get_by_role("button", name=panel).filter(visible=True).click()
        seconds = {name: [] for name in visits}
        to_map = []
        for i in range(args.digits + 1):  # the first of each is a warm-up, not counted
            for name, visit in visits.items():
                to_label, map_shown = stroke_to_label(visit, app.CANVAS_SIZE, i % 10, name == EXPLAINED)
                if i:
                    seconds[name].append(to_label)
                    if map_shown is not None:
                        to_map.append(map_shown)
        browser.close()
finally:
    for server in servers:
        server.terminate()

print(f"stroke -> top label in headless Chromium ({os.cpu_count()} cores, software WebGL), {args.digits} strokes "
      "each, the apps in turn:")
for name, values in [*seconds.items(), (EXPLAINED.replace("this app", "  and its map"), to_map)]:
    print(f"  {name:28} p50 {np.median(values):.3f} s   mean {np.mean(values):.3f} s   max {np.max(values):.3f} s")
for name in (THIS_APP, EXPLAINED):
    print(f"  {name} / bare, p50: {np.median(seconds[name]) / np.median(seconds[BARE]):.2f}")
