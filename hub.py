"""model.keras on the Hugging Face Hub: train.py publishes it, app.py finds it and checks it.

A published repo holds model.keras, reports/ (metrics.json records the model's sha256)
and a model card (README.md) with the test metrics as eval results.
"""

import hashlib
import json
import os
from pathlib import Path

from huggingface_hub import CommitOperationAdd, EvalResult, HfApi, ModelCard, ModelCardData, get_token, hf_hub_download
from huggingface_hub.errors import HFValidationError, HTTPError  # HTTPError: its HTTP library's, network failures too
from huggingface_hub.utils import validate_repo_id

MODEL_FILE = "model.keras"
METRICS_FILE = "reports/metrics.json"
REPORT_FILTERS = (16, 64)  # the original report's convolutions
REPO_ENV = "MODEL_REPO"  # the Hub repo to pull model.keras from when there is none beside app.py
METRIC_NAMES = {
    "accuracy": "Test accuracy",
    "top3_accuracy": "Test top-3 accuracy",
    "precision": "Test precision",
    "recall": "Test recall",
    "loss": "Test loss (categorical cross-entropy)",
}
HUB_ERRORS = (OSError, HTTPError)  # offline (an OSError), unreachable, refused by the Hub


class ModelFileError(Exception):
    """model.keras is missing, cannot be fetched or published, or is not the file its report describes."""


def one_line(error):
    """A library error's message on one line, as the app and train.py print them: an HTTP error's spans several."""
    return " ".join(str(error).split())


def sha256(path):
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def check_model(model_path, metrics_path):
    """Raise ModelFileError unless model_path's sha256 is the one recorded in metrics_path."""
    unchecked = f"cannot check {model_path}: no model_sha256 in {metrics_path}"
    try:
        report = json.loads(Path(metrics_path).read_text())
    except (OSError, ValueError) as e:
        raise ModelFileError(f"{unchecked} ({e})") from None
    if not isinstance(report, dict):  # valid JSON, but [] or null
        raise ModelFileError(f"{unchecked} (it holds {json.dumps(report)[:40]}, not a JSON object)")
    if "model_sha256" not in report:
        raise ModelFileError(unchecked)
    recorded = report["model_sha256"]
    try:
        actual = sha256(model_path)
    except OSError as e:  # a directory of that name, or a file that cannot be read
        raise ModelFileError(f"cannot read {model_path}: {e}") from None
    if actual != recorded:
        raise ModelFileError(f"{model_path} has sha256 {actual}, but {metrics_path} records {recorded}: "
                             "the model is not the one its report describes")


def find_model(folder):
    """folder/model.keras, or if absent the one in the Hub repo named by $MODEL_REPO; checked against its report.

    hf_hub_download keeps what it fetches in the Hub cache, so with HF_HUB_OFFLINE=1
    a model pulled once is found again without a network.
    """
    model_path = Path(folder) / MODEL_FILE
    if model_path.exists():
        check_model(model_path, Path(folder) / METRICS_FILE)
        return model_path
    repo_id = os.environ.get(REPO_ENV)
    if not repo_id:
        raise ModelFileError(f"{model_path} is missing: train it (python train.py) or set {REPO_ENV}=<user>/<repo> "
                             "to fetch a published one from the Hugging Face Hub")
    try:
        model_path = hf_hub_download(repo_id, MODEL_FILE)
        metrics_path = hf_hub_download(repo_id, METRICS_FILE)
    except (*HUB_ERRORS, HFValidationError) as e:
        raise ModelFileError(f"cannot fetch {MODEL_FILE} from the Hub repo {repo_id}: {one_line(e)}") from None
    check_model(model_path, metrics_path)
    return Path(model_path)


def model_card(metrics, repo_id):
    """The model card for a training run's metrics.json: test metrics as eval results, the exact command."""
    test = metrics["test"]
    results = [
        EvalResult(task_type="image-classification", task_name="Handwritten digit recognition",
                   dataset_type="ylecun/mnist", dataset_name="MNIST", dataset_split="test",
                   metric_type=name, metric_name=METRIC_NAMES[name], metric_value=test[name])
        for name in METRIC_NAMES if name in test
    ]
    data = ModelCardData(
        license="mit", library_name="keras", pipeline_tag="image-classification", datasets=["ylecun/mnist"],
        metrics=["accuracy", "precision", "recall"], tags=["mnist", "handwritten-digits", "cnn"],
        model_name=repo_id.split("/")[-1], eval_results=results,
    )
    table = "\n".join(f"| {METRIC_NAMES[r.metric_type]} | {r.metric_value} |" for r in results)
    body = f"""
# {data.model_name}

A small CNN that reads a handwritten digit: input a float32 (28, 28, 1) image in [0, 1],
white strokes on black, centred like MNIST; output the ten digits' probabilities{
    ', then an eleventh: "not a digit"' if metrics.get("classes") == 11 else ""}.
{network(metrics.get("filters"), metrics.get("convolutions", 1))}
## Training

```bash
{metrics["command"]}
```

Epoch {metrics["epoch_chosen"]} of {metrics["epochs"]} (lowest validation loss), seed {metrics["seed"]};
`reports/metrics.json` holds every figure, and the sha256 of `model.keras`: `{metrics["model_sha256"]}`.

## MNIST test set ({metrics["test_size"]:,} digits)

| metric | value |
| --- | --- |
{table}

## Use

```python
import keras
from huggingface_hub import hf_hub_download

model = keras.saving.load_model(hf_hub_download("{repo_id}", "model.keras"), safe_mode=True)
```
{real_handwriting(metrics.get("pendigits"))}{not_a_digit(metrics.get("not_digits"))}{visitor_feedback(metrics.get("feedback"))}{CREDITS}"""
    return ModelCard(f"---\n{data.to_yaml()}\n---\n{body}")


def network(filters, convolutions=1):
    """The card's line on the network: the report's, or how this one differs from it."""
    changes = []
    if filters and tuple(filters) != REPORT_FILTERS:
        changes.append(f"convolutions of {filters[0]} and {filters[1]} filters where it has {REPORT_FILTERS[0]} and "
                       f"{REPORT_FILTERS[1]}")
    if convolutions == 2:
        changes.append("two 3x3 convolutions before each pooling where it has one")
    if not changes:
        return "The original student report's network: two convolutions (16 and 64 filters), three dense layers.\n"
    return f"The original student report's network with {'; and '.join(changes)}.\n"


def not_a_digit(figures):
    """The model card's section on the eleventh class, when the model learnt it."""
    if not figures:
        return ""
    pen = "" if figures["pen_test_flagged"] is None else f", the pen digits' {figures['pen_test_flagged']:.2%}"
    return f"""
## Not a digit

Also trained on {figures["training_drawings"]:,} drawings that are not digits (Omniglot's characters of six
alphabets, and drawn shapes, signs, scribbles and letters), as an eleventh class. Of
{figures["held_out_size"]:,} characters of two alphabets it never saw, **{figures["held_out_flagged"]:.2%}** are
answered "not a digit"; of real digits, MNIST test's {figures["mnist_test_flagged"]:.2%}{pen}.
Omniglot: Brenden M. Lake, Ruslan Salakhutdinov and Joshua B. Tenenbaum (2015), MIT License.
"""


def real_handwriting(pen):
    """The model card's section on the pen digits, when the model learnt from them."""
    if not pen:
        return ""
    return f"""
## Real handwriting (UCI pen digits, {len(pen["per_writer"])} writers never trained on)

Trained on MNIST and on {pen["training_digits"]:,} canvases of the pen digits' training writers
({pen["renderings"]} drawings of each digit, as the app's Sketchpad holds them, prepared as the app
prepares a drawing; writers {pen["validation_writers"]} held out for validation). On the test file's
writers, each digit drawn once: **{pen["test_accuracy"]:.2%}** top-1, {pen["test_top3_accuracy"]:.2%} top-3,
worst writer {pen["worst_writer"][0]} at {pen["worst_writer"][1]:.2%}.

Pen digits: E. Alpaydin and F. Alimoglu, *Pen-Based Recognition of Handwritten Digits*, UCI Machine
Learning Repository, 1996 (doi:10.24432/C5MG6K), licensed CC BY 4.0.
"""


def visitor_feedback(used):
    """The model card's section on the app's feedback records, when the model learnt from them."""
    if not used:
        return ""
    return f"""
## Visitors' corrections

Also trained on {used["used"]:,} digits that visitors of the app drew and labelled themselves
(`--feedback {used["source"]}`: {used["records"]:,} records, {used["duplicates"]:,} duplicates dropped),
each repeated {used["weight"]} times in the training set.
"""


CREDITS = """
MNIST: Yann LeCun, Corinna Cortes and Christopher J.C. Burges, licensed CC BY-SA 3.0.
"""


def check_repo_id(option, repo_id, error=ModelFileError):
    """A repo id given to a command-line option is <user or organisation>/<name>, or `error` says so."""
    try:
        validate_repo_id(repo_id)
    except HFValidationError as e:
        raise error(f"{option} {repo_id!r}: not a Hub repo id ({e})") from None
    if "/" not in repo_id:
        raise error(f"{option} {repo_id!r}: give it as <user or organisation>/<name>")


def check_publishable(repo_id):
    """Fail before training, not after: a malformed repo id, or no token to write with."""
    check_repo_id("--push-to-hub", repo_id)
    if get_token() is None:
        raise ModelFileError("--push-to-hub needs a Hugging Face token with write access: "
                             "run `hf auth login` or set HF_TOKEN")


def push_to_hub(repo_id, out):
    """Upload out/model.keras, out/reports/ and their model card to the Hub model repo, in one commit."""
    out = Path(out)
    metrics = json.loads((out / METRICS_FILE).read_text())
    card = model_card(metrics, repo_id)
    reports = sorted(p for p in (out / "reports").iterdir() if p.is_file())
    operations = [
        CommitOperationAdd("README.md", str(card).encode()),
        CommitOperationAdd(MODEL_FILE, out / MODEL_FILE),
        *(CommitOperationAdd(f"reports/{p.name}", p) for p in reports),
    ]
    api = HfApi()
    try:
        api.create_repo(repo_id, exist_ok=True)
        return api.create_commit(repo_id, operations, commit_message=f"model.keras from `{metrics['command']}`: "
                                 f"test accuracy {metrics['test']['accuracy']:.4f}")
    except HUB_ERRORS as e:
        raise ModelFileError(f"cannot publish to the Hub repo {repo_id}: {one_line(e)}") from None
