"""make space (space.py) on the fake Hub: the files that go up, the card, a second run, the token errors, and
the Space downloaded into a new folder serving /classify."""

import json
import re
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import cv2
import pytest
from conftest import ROOT, free_port, hub_env
from gradio_client import Client, handle_file
from huggingface_hub import SpaceCard, snapshot_download
from strokes import draw

import space

SPACE = "tester/digits"
# What must never go up, made in the copy before `make space` runs there (a user's working folder holds them).
NEVER = {".venv/lib/python3.11/site-packages/x.py": b"x", "checkpoints/epoch_01.keras": b"weights",
         "feedback/records-1.jsonl": b"{}\n", "screenshots/draw.png": b"png", "__pycache__/app.cpython-311.pyc": b"",
         ".pytest_cache/v/cache/lastfailed": b"{}", ".ruff_cache/CACHEDIR.TAG": b"", "examples/notes.txt": b"to do"}
NOT_RUN_BY_THE_SPACE = ("tests/", "benchmarks/latency.py", "train.py", "datasets.py", "sketchpad.py", "space.py",
                        "Makefile", "examples/make_examples.py", "examples/photo_ruled_blank.jpg")


def make_space(folder, fake_hub, space_id=SPACE, token="hf_test_token", **variables):
    """`make space SPACE=space_id` in folder against the fake Hub, with this Python; MODEL_REPO=, FEEDBACK_REPO=."""
    env = hub_env(folder.parent / "hf_home", HF_ENDPOINT=fake_hub.url, **({"HF_TOKEN": token} if token else {}))
    env.pop("FEEDBACK_REPO", None)
    command = ["make", "-o", ".venv/installed", "space", f"SPACE={space_id}", f"BIN={Path(sys.executable).parent}",
               *(f"{key}={value}" for key, value in variables.items())]
    return subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    """The working tree as a fresh clone has it (git's tracked and untracked, not ignored files), with NEVER added."""
    folder = tmp_path_factory.mktemp("clone") / "digits"
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.split("\0")
    for name in filter(None, listed):
        if (ROOT / name).is_file():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, folder / name)
    for name, data in NEVER.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
    return folder


@pytest.fixture(scope="module")
def published(clone, fake_hub):
    """`make space` run once in the clone: (its output, what the Space holds)."""
    result = make_space(clone, fake_hub)
    assert result.returncode == 0, result.stderr[-3000:]
    return result, dict(fake_hub.files("space", SPACE))


# --- Which files -----------------------------------------------------------------------


def test_the_modules_follow_the_imports(tmp_path):
    (tmp_path / "app.py").write_text("import os\nimport a\nfrom b import c\n\ndef later():\n    import lazy.sub\n")
    (tmp_path / "a.py").write_text("import d\n")
    for name in ("b", "d", "lazy", "unused", "train"):
        (tmp_path / f"{name}.py").write_text("import numpy\n")
    assert space.local_modules(tmp_path) == {"app.py", "a.py", "b.py", "d.py", "lazy.py"}


def test_the_space_is_created_as_a_gradio_space(published, fake_hub):
    request = fake_hub.create_requests[SPACE]
    assert (request["type"], request["sdk"]) == ("space", "gradio") and "hardware" not in request  # free CPU


def test_what_the_space_does_not_run_never_goes_up(published, clone):
    _, files = published
    assert not [path for path in files if path in NEVER or path.startswith(NOT_RUN_BY_THE_SPACE)
                or "cache" in path or path.endswith(".pyc")]
    assert {"app.py", "model.keras", "reports/metrics.json", "requirements.txt", "README.md", ".gitattributes",
            "docs/screenshot.png", "examples/digit_7.png"} <= set(files)
    assert all(data == (clone / path).read_bytes() for path, data in files.items())  # as they are in the folder


def test_the_binary_files_are_lfs_files_for_a_git_push(published):
    """`git check-attr`, on this repo's .gitattributes: a plain `git push` of the Space's files stores each binary
    one with LFS/Xet, as the Hub requires."""
    _, files = published
    binary = [path for path, data in files.items() if b"\0" in data or not is_utf8(data)]
    attributes = subprocess.run(["git", "check-attr", "filter", "--", *binary], cwd=ROOT, capture_output=True,
                                text=True, check=True).stdout.splitlines()
    assert "model.keras" in binary and "docs/screenshot.png" in binary
    assert attributes == [f"{path}: filter: lfs" for path in binary]


def is_utf8(data):
    try:
        data.decode()
        return True
    except UnicodeDecodeError:
        return False


# --- The card ------------------------------------------------------------------------------


def test_the_card_describes_the_space_and_is_sent_for_validation(published, fake_hub):
    _, files = published
    card = SpaceCard(files["README.md"].decode())  # parsed as the library parses a Space's card
    pinned = re.search(r"^gradio\[mcp\]==(\S+)", (ROOT / "requirements.txt").read_text(), re.M)[1]
    assert (card.data.sdk, card.data.app_file, card.data.sdk_version) == ("gradio", "app.py", pinned)
    assert 0 < len(card.data.short_description) <= 60  # the Hub's limit
    assert "ylecun/mnist" in card.data.datasets and {"mnist", "mcp-server"} <= set(card.data.tags)
    assert files["README.md"].decode() in fake_hub.validated  # the Hub's card validation, repoType space


def test_a_card_the_hub_refuses_is_one_line_and_nothing_is_committed(clone, fake_hub, tmp_path):
    folder = shutil.copytree(clone, tmp_path / "digits", symlinks=True)
    readme = (folder / "README.md").read_text()
    (folder / "README.md").write_text(re.sub(r"(?m)^short_description: .*$", "short_description: " + "x" * 61, readme))
    result = make_space(folder, fake_hub, "tester/digits-long-description")
    assert result.returncode != 0
    [line] = [line for line in result.stderr.splitlines() if not line.startswith("make")]
    assert line.startswith("space.py: README.md's front matter: Invalid metadata in README.md.")
    assert '"short_description" length must be less than or equal to 60 characters long' in line
    assert not [c for c in fake_hub.commits if c["repo_id"] == "tester/digits-long-description"]


# --- A second run, and the variables --------------------------------------------------------


def test_a_second_run_with_nothing_changed_makes_no_commit(published, clone, fake_hub):
    commits = len(fake_hub.commits)
    result = make_space(clone, fake_hub)
    assert result.returncode == 0, result.stderr[-3000:]
    assert len(fake_hub.commits) == commits and "nothing changed, no commit" in result.stdout
    assert "give FEEDBACK_REPO=<user>/<dataset>" in result.stdout and "HF_TOKEN" not in result.stdout


def test_a_model_repo_and_a_feedback_dataset_become_variables_and_no_token_is_shown(clone, fake_hub):
    space_id = "tester/digits-pulling"
    result = make_space(clone, fake_hub, space_id, MODEL_REPO="tester/digit-recognizer",
                        FEEDBACK_REPO="tester/feedback")
    assert result.returncode == 0, result.stderr[-3000:]
    files = fake_hub.files("space", space_id)
    assert "model.keras" not in files and not any(path.startswith("reports/") for path in files)  # pulled instead
    assert SpaceCard(files["README.md"].decode()).data.models == ["tester/digit-recognizer"]
    assert fake_hub.variables[space_id] == {"MODEL_REPO": "tester/digit-recognizer", "FEEDBACK_REPO": "tester/feedback"}
    assert re.search(r"add the secret HF_TOKEN, a token that can write to the dataset tester/feedback", result.stdout)
    assert "hf_test_token" not in result.stdout + result.stderr
    assert not any(b"hf_test_token" in data for data in files.values())


@pytest.mark.parametrize("token, says", [(None, "no Hugging Face token: make one that can write"),
                                         ("hf_read_token", "the Hugging Face token is read-only: make one that can"),
                                         ("hf_revoked", "the Hub did not accept the token")])
def test_a_missing_or_read_only_token_is_one_line_saying_what_to_do(clone, fake_hub, token, says):
    space_id = f"tester/refused-{token}"
    result = make_space(clone, fake_hub, space_id, token=token)
    assert result.returncode != 0
    [line] = [line for line in result.stderr.splitlines() if not line.startswith("make")]  # make's own "Error 1"
    assert line.startswith(f"space.py: {says}") and "`hf auth login` or set HF_TOKEN" in line
    assert space_id not in fake_hub.created


# --- End to end: the Space, downloaded into a new folder, serves /classify --------------------------


def imported_modules(importtime_log):
    """The modules a Python run imported, from its -X importtime log (PYTHONPROFILEIMPORTTIME)."""
    return {line.split("|")[-1].strip() for line in importtime_log.splitlines() if line.startswith("import time:")}


def test_the_downloaded_space_serves_classify_with_exactly_the_modules_and_examples_uploaded(published, tmp_path,
                                                                                             fake_hub):
    _, files = published
    folder = Path(snapshot_download(SPACE, repo_type="space", local_dir=tmp_path / "space", endpoint=fake_hub.url,
                                    cache_dir=tmp_path / "cache", token=False))
    port = free_port()
    env = hub_env(tmp_path / "hf_home", HF_HUB_OFFLINE="1", GRADIO_SERVER_NAME="127.0.0.1",
                  GRADIO_SERVER_PORT=str(port), GRADIO_ANALYTICS_ENABLED="False", FEEDBACK_DIR=str(tmp_path / "fb"),
                  PYTHONPROFILEIMPORTTIME="1")
    env.pop("FEEDBACK_REPO", None)
    log = tmp_path / "app.log"
    with open(log, "w") as output:
        app = subprocess.Popen([sys.executable, "app.py"], cwd=folder, env=env, stdout=output, stderr=output)
        try:
            url = wait_for(app, f"http://127.0.0.1:{port}/", log)
            digit = tmp_path / "seven.png"
            cv2.imwrite(str(digit), cv2.cvtColor(draw(7), cv2.COLOR_RGBA2BGRA))
            label = Client(url, verbose=False).predict(handle_file(str(digit)), api_name="/classify")
            config = urllib.request.urlopen(url + "config", timeout=30).read().decode()
        finally:
            app.terminate()
            app.wait(timeout=30)
    assert label["label"] == "7"
    modules = {name + ".py" for name in imported_modules(log.read_text()) if (folder / f"{name}.py").is_file()}
    uploaded = {path for path in files if path.endswith(".py")}
    assert modules | {"app.py"} == uploaded, "each uploaded module imported by the app at start-up, none missing"
    import app  # in this process, from ROOT: the examples its page shows

    shown = {Path(path).name for path in app.EXAMPLES + app.NUMBER_EXAMPLES}
    assert example_names(json.loads(config)) == shown  # none missing from the Space's page
    assert {Path(path).name for path in files if path.startswith("examples/")} == shown  # and none more uploaded
    links = [link for link in space.README_LINK.findall((folder / "README.md").read_text()) if "://" not in link]
    assert "docs/screenshot.png" in links and all((folder / link).is_file() for link in links)  # on the Space's page


def example_names(config):
    """The file names of the examples a Gradio page shows, from its /config."""
    def names(value):
        if isinstance(value, dict):
            return {value["orig_name"]} if "orig_name" in value else set().union(*map(names, value.values()))
        return set().union(*map(names, value)) if isinstance(value, list) else set()

    return set().union(*(names(c["props"].get("samples", [])) for c in config["components"]))


def wait_for(app, url, log, timeout=180):
    deadline = time.monotonic() + timeout
    while True:
        try:
            urllib.request.urlopen(url, timeout=2)
            return url
        except OSError:
            if app.poll() is not None or time.monotonic() > deadline:
                app.kill()
                pytest.fail(f"app.py did not start from the downloaded Space:\n{log.read_text()[-3000:]}")
            time.sleep(0.5)
