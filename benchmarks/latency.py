"""Speed and memory: canvas to top-5 in-process, through the API, under load, and training.

    python benchmarks/latency.py                 # all but training (about 7 minutes on 2 cores)
    python benchmarks/latency.py --training      # also seconds per epoch of train.py
    python benchmarks/latency.py --parts in-process round-trips   # some parts only

1. app.predict on 600x600 RGBA canvases: p50/p99 of prepare(), of inference (the app's
   traced tf.function) and of the whole, also on each canvas decoded from its PNG as the app
   receives it (wall time; and the p50 of the thread's CPU time, which a busy shared machine
   lengthens less), interleaved with keras' model.predict on the same inputs (the report's path).
2. gradio_client round trips to `python app.py`: /classify beside a no-op endpoint of the
   same shape (an image file in, a Label out) served by the same Gradio: the framework's floor.
3. Load: N concurrent gradio_client clients for a fixed time against the app, served with each
   of several queue concurrency limits: requests completed within that time per second, p50/p99,
   errors, and the app's peak memory during each row (VmHWM, reset before each).
4. With --training: seconds per epoch of the committed model's train.py command.
"""

import argparse
import io
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--repeats", type=int, default=300, help="timed calls per in-process measurement")
parser.add_argument("--round-trips", type=int, default=200, help="timed calls per endpoint")
parser.add_argument("--clients", type=int, nargs="+", default=[8, 32, 64])
parser.add_argument("--load-seconds", type=float, default=15)
parser.add_argument("--concurrency-limits", nargs="+", default=["1", "2", "none"],
                    help="queue concurrency limits to load-test the app with ('none': no limit)")
parser.add_argument("--parts", nargs="+", choices=["in-process", "round-trips", "load"],
                    default=["in-process", "round-trips", "load"], help="which of parts 1-3 to run")
parser.add_argument("--training", action="store_true", help="also time two epochs of make train's train.py command")
parser.add_argument("--serve-noop", type=int, help=argparse.SUPPRESS)  # internal: run the no-op app on this port
parser.add_argument("--serve-app", nargs=2, help=argparse.SUPPRESS)  # internal: the app with this limit, on this port
args = parser.parse_args()


def serve_noop(port):
    """The floor: an endpoint shaped like /classify that does nothing, on the same Gradio."""
    import gradio as gr

    with gr.Blocks() as demo:
        image, label = gr.Image(type="filepath"), gr.Label()
        image.change(lambda upload: None, image, label, api_name="classify", preprocess=False)
    demo.queue(default_concurrency_limit=None).launch(server_name="127.0.0.1", server_port=port, quiet=True)


def serve_app(limit, port):
    """The app, its queue's concurrency limit set to `limit` ('none': no limit)."""
    import app

    app.demo.queue(default_concurrency_limit=None if limit == "none" else int(limit), max_size=app.QUEUE_SIZE)
    app.demo.launch(server_name="127.0.0.1", server_port=port, quiet=True, css=app.CSS, max_file_size=app.MAX_FILE_SIZE)


if args.serve_noop:
    serve_noop(args.serve_noop)
    sys.exit()
if args.serve_app:
    serve_app(args.serve_app[0], int(args.serve_app[1]))
    sys.exit()

from drawn_mnist import pen_path  # noqa: E402
from gradio_client import Client, handle_file  # noqa: E402

import datasets  # noqa: E402
import preprocess  # noqa: E402
from sketchpad import blank_canvas, draw_path, rotate  # noqa: E402


def percentiles(seconds):
    return f"p50 {np.percentile(seconds, 50) * 1e3:7.3f} ms   p99 {np.percentile(seconds, 99) * 1e3:7.3f} ms"


def timed(fn, inputs, clock=time.perf_counter):
    """Seconds per call; clock=time.thread_time: the CPU time of this thread, which other work on a
    shared machine does not lengthen as much as it does wall time."""
    seconds = []
    for x in inputs:
        start = clock()
        fn(x)
        seconds.append(clock() - start)
    return np.array(seconds)


def timed_together(calls, clock=time.perf_counter):
    """{name: (fn, inputs)}, inputs of one length -> {name: seconds per call}, the calls taken in turn
    input by input, so that all of them see the machine alike (its speed drifts within seconds)."""
    seconds = {name: [] for name in calls}
    for i in range(len(next(iter(calls.values()))[1])):
        for name, (fn, inputs) in calls.items():
            start = clock()
            fn(inputs[i])
            seconds[name].append(clock() - start)
    return {name: np.array(values) for name, values in seconds.items()}


def canvases(count):
    """Drawn MNIST sample digits on 600x600 RGBA canvases, the Sketchpad's kind of image, as arrays
    with every page written (a fresh np.zeros page would cost a page fault on its first read); not
    decoded just before each call, as the app's are (README, "Speed": that costs ~0.1 ms more)."""
    _, (images, _) = datasets.load_mnist(ROOT / "tests" / "data" / "mnist-sample")
    rng = np.random.default_rng(0)
    return [
        np.array(draw_path(blank_canvas(600), rotate(pen_path(images[i % len(images)]), rng.uniform(-10, 10)),
                  rng.uniform(200, 400, 2), rng.uniform(150, 450), rng.integers(3, 40)))
        for i in range(count)
    ]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(command, port):
    env = {**os.environ, "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
           "GRADIO_ANALYTICS_ENABLED": "False"}
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{command} did not start")


def peak_memory_mib(process):
    """The process's peak resident memory since the last reset_peak_memory."""
    status = Path(f"/proc/{process.pid}/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024


def reset_peak_memory(process):
    """Start the peak (VmHWM) again from the current resident memory: each load row gets its own."""
    Path(f"/proc/{process.pid}/clear_refs").write_text("5")


def load(url, image, clients, seconds):
    """`clients` threads, each its own gradio_client, calling /classify for `seconds`: the latencies of the
    requests that completed within those seconds (those still in flight at the end are not counted), errors."""
    latencies, errors = [], []
    ready = [Client(url, verbose=False) for _ in range(clients)]
    stop = time.perf_counter() + seconds

    def run(client):
        while time.perf_counter() < stop:
            start = time.perf_counter()
            try:
                client.predict(handle_file(image), api_name="/classify")
                if time.perf_counter() <= stop:
                    latencies.append(time.perf_counter() - start)
            except Exception as e:  # counted, not raised: the figure is how many fail
                errors.append(e)

    threads = [threading.Thread(target=run, args=(c,)) for c in ready]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return np.array(latencies), errors


# --- 1. In-process -----------------------------------------------------------------

import app  # noqa: E402  (loads the model)


def on_white_paper(canvas):
    """A transparent canvas as the browser's Sketchpad sends it: composited on white, alpha 255 everywhere."""
    alpha = canvas[..., 3:].astype(np.float32) / 255
    white = np.round(canvas[..., :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
    return np.dstack([white, np.full(canvas.shape[:2], 255, np.uint8)])


def in_process(inputs):
    pngs = [cv2.imencode(".png", cv2.cvtColor(c, cv2.COLOR_RGBA2BGRA))[1].tobytes() for c in inputs]
    on_white = [on_white_paper(c) for c in inputs]
    prepared = [preprocess.prepare(c) for c in inputs]
    for warm in inputs[:20]:
        app.predict(warm)
        app.model.predict(prepared[0][np.newaxis], verbose=0)
    half = len(inputs) // 2  # prepare() is timed on other canvases than app.predict at each turn: none is in cache
    calls = {
        "prepare": (preprocess.prepare, inputs[half:] + inputs[:half]),
        "prepare on white": (preprocess.prepare, on_white[half:] + on_white[:half]),
        "inference": (app.probabilities, prepared),
        "whole": (app.predict, inputs),
        "from PNG": (lambda png: app.predict(preprocess.read_image(io.BytesIO(png))), pngs),
        "keras": (lambda x: app.model.predict(x[np.newaxis], verbose=0), prepared),
    }
    wall = timed_together(calls)
    cpu = timed_together(calls, time.thread_time)
    print(f"app.predict on {args.repeats} 600x600 RGBA canvases ({os.cpu_count()} cores; each row timed in turn "
          "on each canvas)")
    rows = {"prepare": "prepare()", "prepare on white": "prepare(), the canvas on white, as the browser sends it",
            "inference": "inference (app.classify_digits, top-5 dict included)",
            "whole": "whole app.predict", "from PNG": "app.predict on the canvas decoded from its PNG",
            "keras": "keras model.predict (inference alone: the report's path)"}
    for name, title in rows.items():
        print(f"  {title:58} {percentiles(wall[name])}   CPU p50 {np.median(cpu[name]) * 1e3:.3f} ms")
    prepare_keras = np.median(wall["prepare"]) + np.median(wall["keras"])
    print(f"  model.predict / the app's inference, p50: {np.median(wall['keras']) / np.median(wall['inference']):.1f}x;"
          f" prepare + model.predict / app.predict, p50: {prepare_keras / np.median(wall['whole']):.1f}x")


# --- 2. Round trips --------------------------------------------------------------------


def round_trips(image):
    app_port, noop_port = free_port(), free_port()
    server = start([sys.executable, "app.py"], app_port)
    noop = start([sys.executable, __file__, "--serve-noop", str(noop_port)], noop_port)
    try:
        app_client = Client(f"http://127.0.0.1:{app_port}/", verbose=False)
        noop_client = Client(f"http://127.0.0.1:{noop_port}/", verbose=False)
        for client in (app_client, noop_client):
            for _ in range(10):
                client.predict(handle_file(image), api_name="/classify")
        app_rt, noop_rt = [], []
        for _ in range(args.round_trips):  # interleaved, so both see the same machine
            app_rt += list(timed(lambda _: app_client.predict(handle_file(image), api_name="/classify"), [0]))
            noop_rt += list(timed(lambda _: noop_client.predict(handle_file(image), api_name="/classify"), [0]))
        print(f"\ngradio_client round trips ({args.round_trips} each, loopback)")
        print(f"  /classify                {percentiles(app_rt)}")
        print(f"  no-op endpoint (floor)   {percentiles(noop_rt)}")
        print(f"  /classify over the floor, p50: {np.median(app_rt) / np.median(noop_rt) - 1:+.1%}")
    finally:
        for process in (server, noop):
            process.terminate()
            process.wait()


# --- 3. Load ---------------------------------------------------------------------------


def load_test(image):
    print(f"\nload: concurrent gradio_client clients calling /classify for {args.load_seconds:.0f} s each; "
          f"the app's queue: at most {app.QUEUE_SIZE} waiting, run with each concurrency limit")
    for limit in args.concurrency_limits:
        port = free_port()
        server = start([sys.executable, __file__, "--serve-app", limit, str(port)], port)
        try:
            for clients in args.clients:
                reset_peak_memory(server)
                latencies, errors = load(f"http://127.0.0.1:{port}/", image, clients, args.load_seconds)
                rate = len(latencies) / args.load_seconds
                print(f"  limit {limit:>4}, {clients:3d} clients: {rate:6.1f} req/s   {percentiles(latencies)}   "
                      f"errors {len(errors)}   app peak RSS in this row {peak_memory_mib(server):.0f} MiB")
        finally:
            server.terminate()
            server.wait()


inputs = canvases(args.repeats)
if "in-process" in args.parts:
    in_process(inputs)
with tempfile.TemporaryDirectory() as tmp:
    image = str(Path(tmp) / "digit.png")
    cv2.imwrite(image, cv2.cvtColor(inputs[0], cv2.COLOR_RGBA2BGRA))
    if "round-trips" in args.parts:
        round_trips(image)
    if "load" in args.parts:
        load_test(image)

# --- 4. Training ----------------------------------------------------------------------

if args.training:
    data = ROOT.parent / "shared" / "mnist"
    recipe = ["--pendigits", str(ROOT.parent / "shared" / "pendigits"), "--filters", "32", "64", "--convolutions", "2",
              "--renderings", "12", "--augment", "--reduce-lr"]  # make train's
    with tempfile.TemporaryDirectory() as tmp:
        seconds = []
        for epochs in (1, 2):
            start_time = time.perf_counter()
            subprocess.run([sys.executable, "train.py", "--data", str(data), *recipe, "--epochs", str(epochs),
                            "--out", tmp], cwd=ROOT, check=True, capture_output=True)
            seconds.append(time.perf_counter() - start_time)
    print(f"\ntrain.py --data {data} {' '.join(recipe)}: {seconds[1] - seconds[0]:.1f} s per epoch "
          "(a 2-epoch run minus a 1-epoch run)")
