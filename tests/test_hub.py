"""Publishing with huggingface_hub and pulling back, all offline: the model card, the upload
(to tests/fakehub.py), the Hub cache, and the sha256 check at start-up."""

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import huggingface_hub
import pytest
from conftest import PUSHED_REPO, ROOT, SAMPLE, free_port, hub_env, run_train
from huggingface_hub import ModelCard

import hub

REPORTED = ("accuracy", "top3_accuracy", "precision", "recall", "loss")


@pytest.fixture(scope="module")
def metrics():
    """The committed model's metrics.json: the card tests need no training run."""
    return json.loads((ROOT / "reports" / "metrics.json").read_text())


# --- Publishing ----------------------------------------------------------------


def test_model_card_holds_the_test_metrics_and_the_command(metrics, tmp_path):
    hub.model_card(metrics, PUSHED_REPO).save(tmp_path / "README.md")
    card = ModelCard.load(tmp_path / "README.md")  # read back as the library reads a repo's card
    results = {result.metric_type: result for result in card.data.eval_results}
    assert set(results) == set(REPORTED)
    for name, result in results.items():
        assert result.metric_value == metrics["test"][name]
        assert (result.task_type, result.dataset_type, result.dataset_split) == ("image-classification",
                                                                                 "ylecun/mnist", "test")
    assert card.data.model_name == "digit-recognizer"
    assert (card.data.library_name, card.data.license, card.data.pipeline_tag) == ("keras", "mit",
                                                                                   "image-classification")
    assert metrics["command"] in card.text and metrics["model_sha256"] in card.text
    assert f'hf_hub_download("{PUSHED_REPO}", "model.keras")' in card.text
    pen = metrics["pendigits"]
    assert f"**{pen['test_accuracy']:.2%}** top-1" in card.text and "CC BY 4.0" in card.text  # the data credited
    assert "CC BY-SA 3.0" in card.text


def test_the_card_says_when_the_network_is_not_the_reports(metrics):
    assert "16 and 64 filters" in hub.model_card({**metrics, "filters": [16, 64], "convolutions": 1}, PUSHED_REPO).text
    text = hub.model_card({**metrics, "filters": [32, 64], "convolutions": 1}, PUSHED_REPO).text
    assert "with convolutions of 32 and 64 filters where it has 16 and 64." in text
    text = hub.model_card({**metrics, "filters": [32, 64], "convolutions": 2}, PUSHED_REPO).text
    assert ("with convolutions of 32 and 64 filters where it has 16 and 64; and two 3x3 convolutions before each "
            "pooling where it has one." in text)


def test_a_model_of_mnist_alone_has_no_pen_digits_on_its_card(metrics):
    text = hub.model_card({**metrics, "pendigits": None}, PUSHED_REPO).text
    assert "Pen digits" not in text and "Real handwriting" not in text and "CC BY-SA 3.0" in text


def test_push_to_hub_commits_the_model_its_reports_and_card(one_epoch, fake_hub):
    metrics = json.loads((one_epoch / "reports" / "metrics.json").read_text())  # train.py --push-to-hub, end to end
    assert PUSHED_REPO in fake_hub.created
    [commit] = [c for c in fake_hub.commits if c["repo_id"] == PUSHED_REPO]
    files = commit["files"]
    assert set(files) == {"README.md", "model.keras", "reports/metrics.json", "reports/confusion_matrix.png",
                          "reports/confusion_matrix_pendigits.png", "reports/training_curves.png"}
    assert files["model.keras"] == (one_epoch / "model.keras").read_bytes()
    assert json.loads(files["reports/metrics.json"]) == metrics
    card = files["README.md"].decode()
    assert card == str(hub.model_card(metrics, PUSHED_REPO)) and card in fake_hub.validated
    assert metrics["command"] in commit["summary"]


@pytest.mark.parametrize(
    "repo_id, token, message",
    [
        ("not a repo id!", "hf_test_token", "not a Hub repo id"),
        ("digit-recognizer", "hf_test_token", "give it as <user or organisation>/<name>"),
        (PUSHED_REPO, None, "needs a Hugging Face token"),
    ],
)
def test_push_to_hub_refuses_before_training(tmp_path, repo_id, token, message):
    env = hub_env(tmp_path / "hf_home", **({"HF_TOKEN": token} if token else {}))
    result = run_train("--data", str(SAMPLE), "--epochs", "1", "--out", str(tmp_path / "run"), "--push-to-hub", repo_id,
                       env=env)
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("train.py: ") and message in line
    assert not (tmp_path / "run").exists(), "nothing trained"


def test_a_failed_upload_says_so_naming_the_repo(monkeypatch):
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(hub.ModelFileError, match=f"cannot publish to the Hub repo {PUSHED_REPO}: .*offline"):
        hub.push_to_hub(PUSHED_REPO, ROOT)  # the committed model.keras and reports/


# --- The sha256 check ------------------------------------------------------------


def write_model(folder, data, recorded=None):
    """A stand-in model.keras holding `data`, and reports/metrics.json recording `recorded` (default: its sha256)."""
    (folder / "reports").mkdir(parents=True, exist_ok=True)
    (folder / "model.keras").write_bytes(data)
    sha = recorded or hashlib.sha256(data).hexdigest()
    (folder / "reports" / "metrics.json").write_text(json.dumps({"model_sha256": sha}))


def test_model_matching_its_report_is_found(tmp_path):
    write_model(tmp_path, b"weights")
    assert hub.find_model(tmp_path) == tmp_path / "model.keras"


def test_mismatch_names_both_hashes(tmp_path):
    write_model(tmp_path, b"weights", recorded="0" * 64)
    with pytest.raises(hub.ModelFileError) as error:
        hub.find_model(tmp_path)
    assert hashlib.sha256(b"weights").hexdigest() in str(error.value) and "0" * 64 in str(error.value)


def test_model_without_a_report_is_refused(tmp_path):
    (tmp_path / "model.keras").write_bytes(b"weights")
    with pytest.raises(hub.ModelFileError, match="no model_sha256 in .*metrics.json"):
        hub.find_model(tmp_path)


@pytest.mark.parametrize("report", ["[]", "null"])
def test_a_report_that_is_json_but_no_object_is_refused_in_one_line(tmp_path, report):
    write_model(tmp_path, b"weights")
    (tmp_path / "reports" / "metrics.json").write_text(report)
    with pytest.raises(hub.ModelFileError, match="no model_sha256 in .*metrics.json") as error:
        hub.find_model(tmp_path)
    assert "\n" not in str(error.value)


def test_a_folder_named_model_keras_is_refused_in_one_line(tmp_path):
    write_model(tmp_path, b"weights")
    (tmp_path / "model.keras").unlink()
    (tmp_path / "model.keras").mkdir()
    with pytest.raises(hub.ModelFileError, match="cannot read .*model.keras: .*Is a directory") as error:
        hub.find_model(tmp_path)
    assert "\n" not in str(error.value)


def test_no_model_and_no_repo_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.delenv("MODEL_REPO", raising=False)
    with pytest.raises(hub.ModelFileError, match="model.keras is missing: .* set MODEL_REPO=<user>/<repo>"):
        hub.find_model(tmp_path)


def app_copy(folder):
    """The app's code and examples in `folder`, without model.keras and reports/."""
    folder.mkdir()
    for source in ROOT.glob("*.py"):
        shutil.copy(source, folder)
    shutil.copytree(ROOT / "examples", folder / "examples")
    return folder


def run_python(code, *args, cwd, env):
    return subprocess.run([sys.executable, "-c", code, *args], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=300)


# --- Pulling from the Hub cache, offline -------------------------------------------


def git_blob_sha1(data):
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def cache_repo(hf_home, repo_id, files):
    """Lay `files` ({path in repo: bytes}) out in hf_home's Hub cache as hf_hub_download leaves them:
    blobs named by their etag (sha256 for an LFS file, the git blob sha1 otherwise), a snapshot
    folder of relative links per commit, and refs/main naming that commit."""
    repo = hf_home / "hub" / f"models--{repo_id.replace('/', '--')}"
    commit = hashlib.sha1(repr(sorted(files.items())).encode()).hexdigest()
    for path, data in files.items():
        blob = repo / "blobs" / (hashlib.sha256(data).hexdigest() if path.endswith(".keras") else git_blob_sha1(data))
        blob.parent.mkdir(parents=True, exist_ok=True)
        blob.write_bytes(data)
        link = repo / "snapshots" / commit / path
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(os.path.relpath(blob, link.parent))
    (repo / "refs").mkdir()
    (repo / "refs" / "main").write_text(commit)
    return repo / "snapshots" / commit


# hub.find_model(folder) in a fresh process: huggingface_hub reads HF_HOME and HF_HUB_OFFLINE when imported.
FIND_MODEL = """import hub, sys
try:
    print(hub.find_model(sys.argv[1]))
except hub.ModelFileError as e:
    sys.exit(str(e))"""


def test_cache_layout_is_the_librarys(tmp_path):
    model = (ROOT / "model.keras").read_bytes()
    cache_repo(tmp_path, PUSHED_REPO, {"model.keras": model, "reports/metrics.json": b"{}"})
    [repo] = huggingface_hub.scan_cache_dir(tmp_path / "hub").repos
    assert repo.repo_id == PUSHED_REPO and {"main"} == set(next(iter(repo.revisions)).refs)
    assert {f.file_name for f in next(iter(repo.revisions)).files} == {"model.keras", "metrics.json"}


def test_model_is_pulled_from_the_hub_cache_offline(tmp_path):
    files = {"model.keras": (ROOT / "model.keras").read_bytes(),
             "reports/metrics.json": (ROOT / "reports" / "metrics.json").read_bytes()}
    snapshot = cache_repo(tmp_path / "hf_home", PUSHED_REPO, files)
    env = hub_env(tmp_path / "hf_home", HF_HUB_OFFLINE="1", MODEL_REPO=PUSHED_REPO)
    result = run_python(FIND_MODEL, str(tmp_path), cwd=ROOT, env=env)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == str(snapshot / "model.keras")


def test_pulled_model_is_checked_against_its_report(tmp_path):
    files = {"model.keras": (ROOT / "model.keras").read_bytes(),
             "reports/metrics.json": json.dumps({"model_sha256": "0" * 64}).encode()}
    cache_repo(tmp_path / "hf_home", PUSHED_REPO, files)
    result = run_python(FIND_MODEL, str(tmp_path), cwd=ROOT, env=hub_env(tmp_path / "hf_home", HF_HUB_OFFLINE="1",
                                                      MODEL_REPO=PUSHED_REPO))
    assert result.returncode != 0 and "0" * 64 in result.stderr
    assert hashlib.sha256(files["model.keras"]).hexdigest() in result.stderr


def test_model_not_in_the_cache_offline_is_a_clear_error(tmp_path):
    result = run_python(FIND_MODEL, str(tmp_path), cwd=ROOT, env=hub_env(tmp_path / "hf_home", HF_HUB_OFFLINE="1",
                                                      MODEL_REPO=PUSHED_REPO))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"cannot fetch model.keras from the Hub repo {PUSHED_REPO}: ")


def test_the_published_model_is_downloaded_and_checked(tmp_path, fake_hub, one_epoch):
    """MODEL_REPO names the repo train.py --push-to-hub published to the fake Hub: fetched into the Hub cache."""
    result = run_python(FIND_MODEL, str(tmp_path), cwd=ROOT, env=hub_env(tmp_path / "hf_home", HF_ENDPOINT=fake_hub.url,
                                                      MODEL_REPO=PUSHED_REPO))
    assert result.returncode == 0, result.stderr[-3000:]
    path = Path(result.stdout.strip())
    assert path.is_relative_to(tmp_path / "hf_home") and path.read_bytes() == (one_epoch / "model.keras").read_bytes()


def test_a_repo_the_hub_does_not_hold_is_a_one_line_error(tmp_path, fake_hub):
    missing = "tester/never-published"
    result = run_python(FIND_MODEL, str(tmp_path), cwd=ROOT, env=hub_env(tmp_path / "hf_home", HF_ENDPOINT=fake_hub.url,
                                                      MODEL_REPO=missing))
    assert result.returncode != 0
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"cannot fetch model.keras from the Hub repo {missing}: 404 ")
    assert "Repository Not Found" in line


def test_an_unreachable_hub_is_a_clear_error(tmp_path):
    no_waiting = "import time\ntime.sleep = lambda seconds: None  # huggingface_hub's backoff between its retries\n"
    env = hub_env(tmp_path / "hf_home", HF_ENDPOINT=f"http://127.0.0.1:{free_port()}", MODEL_REPO=PUSHED_REPO)
    result = run_python(no_waiting + FIND_MODEL, str(tmp_path), cwd=ROOT, env=env)  # nothing listens on the port
    assert result.returncode != 0 and "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"cannot fetch model.keras from the Hub repo {PUSHED_REPO}: ") and "connection" in last


def test_app_serves_the_model_pulled_from_the_hub_cache(tmp_path):
    """No model.keras beside app.py: it loads the committed model from the cache of MODEL_REPO, offline."""
    files = {"model.keras": (ROOT / "model.keras").read_bytes(),
             "reports/metrics.json": (ROOT / "reports" / "metrics.json").read_bytes()}
    snapshot = cache_repo(tmp_path / "hf_home", PUSHED_REPO, files)
    folder = app_copy(tmp_path / "app")
    code = f"""import sys
sys.path.insert(0, {str(ROOT / "tests")!r})
from strokes import draw
import app
print(app.MODEL_PATH)
scores = app.predict(draw(3))
print(max(scores, key=scores.get))"""
    result = run_python(code, cwd=folder, env=hub_env(tmp_path / "hf_home", HF_HUB_OFFLINE="1", MODEL_REPO=PUSHED_REPO,
                                              GRADIO_ANALYTICS_ENABLED="False"))
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-2:] == [str(snapshot / "model.keras"), "3"]
