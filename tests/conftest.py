import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

SAMPLE = ROOT / "tests" / "data" / "mnist-sample"
PEN_SAMPLE = ROOT / "tests" / "data" / "pendigits-sample"
OMNIGLOT_SAMPLE = ROOT / "tests" / "data" / "omniglot-sample"
SCREENSHOTS = ROOT / "screenshots"  # git-ignored
SCREENSHOTS_TAKEN = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def sample():
    """The shipped MNIST sample: ((x_train, y_train), (x_test, y_test)), 500 digits each."""
    import datasets

    return datasets.load_mnist(SAMPLE)


@pytest.fixture(scope="session")
def awkward_files(tmp_path_factory):
    """Every case of tests/awkward.py written to disk once: {case: path}."""
    import awkward

    return awkward.make_all(tmp_path_factory.mktemp("awkward"))


def run_train(*args, env=None):
    import subprocess

    return subprocess.run([sys.executable, str(ROOT / "train.py"), *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=600, env=env)


def hub_env(home, **extra):
    """The environment for a program using huggingface_hub with its cache and token in `home`, not the user's."""
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("HF_") and k != "MODEL_REPO"}
    return {**env, "HF_HOME": str(home), "HF_HUB_DISABLE_TELEMETRY": "1", **extra}


@pytest.fixture(scope="session")
def fake_hub():
    """A stand-in Hub on a local port (tests/fakehub.py); read what was committed to it."""
    from fakehub import FakeHub

    with FakeHub() as hub:
        yield hub


PUSHED_REPO = "tester/digit-recognizer"


@pytest.fixture(scope="session")
def one_epoch(tmp_path_factory, fake_hub):
    """`train.py --epochs 1` on the shipped samples (MNIST and pen digits), with make train's two convolutions a
    block, published with --push-to-hub to the fake Hub: its --out."""
    out = tmp_path_factory.mktemp("run")
    env = hub_env(tmp_path_factory.mktemp("hf_home"), HF_ENDPOINT=fake_hub.url, HF_TOKEN="hf_test_token")
    result = run_train("--epochs", "1", "--data", str(SAMPLE), "--pendigits", str(PEN_SAMPLE), "--renderings", "2",
                       "--convolutions", "2", "--out", str(out), "--push-to-hub", PUSHED_REPO, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def feedback_dir(tmp_path_factory):
    """Where the `server` fixture's app keeps the records of visitors' clicks."""
    return tmp_path_factory.mktemp("feedback")


@pytest.fixture(scope="session")
def server(feedback_dir):
    """`python app.py` on a free port, as the Space runs it, its feedback in feedback_dir and not on the Hub;
    yields its URL."""
    import os
    import subprocess
    import time
    import urllib.request

    port = free_port()
    env = {**{k: v for k, v in os.environ.items() if k != "FEEDBACK_REPO"}, "GRADIO_SERVER_NAME": "127.0.0.1",
           "GRADIO_SERVER_PORT": str(port), "GRADIO_ANALYTICS_ENABLED": "False", "FEEDBACK_DIR": str(feedback_dir)}
    app = subprocess.Popen([sys.executable, str(ROOT / "app.py")], cwd=ROOT, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 180
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            if app.poll() is not None or time.monotonic() > deadline:
                app.kill()
                pytest.fail(f"app.py did not start on port {port}:\n{app.stdout.read()[-3000:]}")
            time.sleep(0.5)
    yield url
    app.terminate()
    app.wait(timeout=30)


@pytest.fixture(scope="session")
def screenshots(pytestconfig):
    """The folder for the browser tests' screenshots, named at the end of the run."""
    SCREENSHOTS.mkdir(exist_ok=True)
    pytestconfig.stash[SCREENSHOTS_TAKEN] = True
    return SCREENSHOTS


def pytest_terminal_summary(terminalreporter, config):
    if config.stash.get(SCREENSHOTS_TAKEN, False):
        terminalreporter.write_line(f"Browser screenshots: {SCREENSHOTS}")
