"""Cold start: from `python app.py` to its first answer, and its memory, as a waking Space runs it.

    python benchmarks/cold_start.py                    # 3 starts of this folder's app.py, about a minute
    python benchmarks/cold_start.py --folder <dir>     # the app.py of a downloaded Space instead

Each start, timed from the moment `python app.py` is launched (gradio_client already imported here):
the page's port answering, and the first /classify answer (a drawn 7, through gradio_client: the
client's own handshake included, as a visitor's page makes one); the app's CPU time by then (a busy
machine lengthens it less than the wall time); its resident memory (VmRSS) and its peak (VmHWM).
Then the import of TensorFlow and of Gradio alone, each in a fresh Python, to show where the time
goes. What a Space adds before this (its container starting) is not measured here.
"""

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import cv2
from gradio_client import Client, handle_file

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from strokes import draw  # noqa: E402  (the tests' pen strokes: a 7 as a person draws it)

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--starts", type=int, default=3)
parser.add_argument("--folder", type=Path, default=ROOT, help="the folder whose app.py is started")
args = parser.parse_args()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def memory_mib(pid, field):
    return int(re.search(rf"{field}:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())[1]) / 1024


def cpu_seconds(pid):
    """User and system CPU time of a process so far: what a busy machine lengthens less than the wall time."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one_start(digit, feedback_dir):
    """(seconds to the port answering, to the first /classify answer, the app's CPU seconds by then, VmRSS MiB,
    VmHWM MiB)."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    env = {**os.environ, "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
           "GRADIO_ANALYTICS_ENABLED": "False", "FEEDBACK_DIR": feedback_dir}
    env.pop("FEEDBACK_REPO", None)
    start = time.perf_counter()
    app = subprocess.Popen([sys.executable, "app.py"], cwd=args.folder, env=env, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=5)
                break
            except OSError:
                if app.poll() is not None:
                    sys.exit(f"cold_start.py: app.py exited ({app.returncode}) before serving")
                time.sleep(0.05)
        port_answering = time.perf_counter() - start
        label = Client(url, verbose=False).predict(handle_file(digit), api_name="/classify")
        answered = time.perf_counter() - start
        if label["label"] != "7":
            sys.exit(f"cold_start.py: the first answer read the 7 as {label['label']}")
        return (port_answering, answered, cpu_seconds(app.pid), memory_mib(app.pid, "VmRSS"),
                memory_mib(app.pid, "VmHWM"))
    finally:
        app.terminate()
        app.wait(timeout=30)


def import_seconds(module):
    """(wall, CPU) seconds of `import module` in a fresh Python."""
    code = (f"import time; t, c = time.perf_counter(), time.process_time(); import {module}; "
            "print(time.perf_counter() - t, time.process_time() - c)")
    wall, cpu = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    return float(wall), float(cpu)


def row(name, values, unit, digits):
    return (f"| {name} | **{statistics.median(values):.{digits}f} {unit}** | {min(values):.{digits}f} - "
            f"{max(values):.{digits}f} {unit} |")


with tempfile.TemporaryDirectory() as scratch:
    digit = str(Path(scratch) / "seven.png")
    cv2.imwrite(digit, cv2.cvtColor(draw(7), cv2.COLOR_RGBA2BGRA))
    starts = [one_start(digit, str(Path(scratch) / f"feedback-{i}")) for i in range(args.starts)]
imports = {module: [import_seconds(module) for _ in range(3)] for module in ("tensorflow", "gradio")}

print(f"{args.starts} starts of {args.folder / 'app.py'}, on {os.cpu_count()} CPUs, load average "
      f"{os.getloadavg()[0]:.1f} at the end\n")
print("| from `python app.py` | median | range |\n| --- | --- | --- |")
print(row("to the page's port answering", [s[0] for s in starts], "s", 2))
print(row("to the first `/classify` answer", [s[1] for s in starts], "s", 2))
print(row("the app's CPU time by then (user + system)", [s[2] for s in starts], "s", 2))
print(row("resident memory then (VmRSS)", [s[3] for s in starts], "MiB", 0))
print(row("peak resident memory (VmHWM)", [s[4] for s in starts], "MiB", 0))
for module, seconds in imports.items():
    print(row(f"`import {module}` alone, in a fresh Python", [wall for wall, _ in seconds], "s", 2))
    print(row(f"`import {module}` alone: its CPU time", [cpu for _, cpu in seconds], "s", 2))
