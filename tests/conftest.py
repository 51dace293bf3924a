import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

SAMPLE = ROOT / "tests" / "data" / "mnist-sample"
SCREENSHOTS = ROOT / "screenshots"  # git-ignored
SCREENSHOTS_TAKEN = pytest.StashKey[bool]()


@pytest.fixture(scope="session")
def sample():
    """The shipped MNIST sample: ((x_train, y_train), (x_test, y_test)), 500 digits each."""
    import preprocess

    return preprocess.load_mnist(SAMPLE)


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server():
    """`python app.py` on a free port, as the Space runs it; yields its URL."""
    import os
    import subprocess
    import time
    import urllib.request

    port = free_port()
    env = {**os.environ, "GRADIO_SERVER_NAME": "127.0.0.1", "GRADIO_SERVER_PORT": str(port),
           "GRADIO_ANALYTICS_ENABLED": "False"}
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
