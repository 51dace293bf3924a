import hashlib
import json

import keras
import numpy as np
import pytest
from conftest import PEN_SAMPLE, SAMPLE, hub_env, run_train
from huggingface_hub import HfApi

import datasets
import feedback
import hub


def test_one_epoch_writes_a_loadable_checkpoint(one_epoch, sample):
    assert (one_epoch / "checkpoints" / "model_epoch_01.keras").exists()
    model = keras.saving.load_model(one_epoch / "model.keras", safe_mode=True)
    _, (x_test, _) = sample
    scores = model(datasets.scale_pixels(x_test[:8]))
    assert scores.shape == (8, 10)
    np.testing.assert_allclose(np.sum(scores, axis=1), 1.0, rtol=1e-5)


def test_convolutions_2_puts_a_size_keeping_convolution_before_each_of_the_reports(one_epoch):
    model = keras.saving.load_model(one_epoch / "model.keras", safe_mode=True)
    convolutions = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
    # 28 -> 28 ('same') -> 26 -> pool 13 -> 13 ('same') -> 11 -> pool 5: the report's 5x5 reaches the dense layers.
    assert [layer.output.shape[1:] for layer in convolutions] == [(28, 28, 16), (26, 26, 16), (13, 13, 64),
                                                                   (11, 11, 64)]
    assert json.loads((one_epoch / "reports" / "metrics.json").read_text())["convolutions"] == 2


def test_one_epoch_writes_the_reports(one_epoch):
    reports = one_epoch / "reports"
    metrics = json.loads((reports / "metrics.json").read_text())
    assert metrics["model_sha256"] == hashlib.sha256((one_epoch / "model.keras").read_bytes()).hexdigest()
    assert metrics["command"].startswith("python train.py --epochs 1")
    for name in ("accuracy", "top3_accuracy", "precision", "recall"):
        assert 0.0 <= metrics["test"][name] <= 1.0
    assert sum(map(sum, metrics["confusion_matrix"])) == metrics["test_size"] == 500
    assert set(metrics["per_class"]) == {str(d) for d in range(10)}
    for picture in ("confusion_matrix.png", "training_curves.png"):
        assert (reports / picture).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pen_digits_train_apart_from_their_validation_writers_and_are_tested(one_epoch):
    pen = json.loads((one_epoch / "reports" / "metrics.json").read_text())["pendigits"]
    train = datasets.load_pendigits(datasets.pendigits_file(PEN_SAMPLE, "train"))
    held_out = set(pen["validation_writers"])
    assert held_out < {d.writer for d in train} and len(held_out) == 4  # whole writers of the training file
    assert pen["renderings"] == 2
    assert pen["training_digits"] == 2 * sum(d.writer not in held_out for d in train)  # none of theirs trained on
    test = datasets.load_pendigits(datasets.pendigits_file(PEN_SAMPLE, "test"))
    confusion = np.array(pen["confusion_matrix"])
    assert confusion.sum() == pen["test_size"] == len(test)
    assert [confusion[d].sum() for d in range(10)] == [sum(t.label == d for t in test) for d in range(10)]
    assert pen["test_accuracy"] == round(np.trace(confusion) / len(test), 5)
    assert set(pen["per_writer"]) == {str(t.writer) for t in test}
    assert pen["worst_writer"][1] == min(pen["per_writer"].values())
    assert (one_epoch / "reports" / "confusion_matrix_pendigits.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bad_data_is_one_line_not_a_traceback(tmp_path):
    result = run_train("--data", str(tmp_path / "nowhere"), "--epochs", "1", "--out", str(tmp_path))
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [f"train.py: {tmp_path / 'nowhere'}: neither a folder of IDX files "
                                                  "nor an .npz file"]


# --- --feedback: the app's records join the training set ----------------------------------

# Records that say a 0 is a 3 and a 1 is a 5: labels no MNIST digit teaches, so their effect shows; the two
# alternate, so that a record trained under another record's label is trained under the wrong one.
SAID_TO_BE = {0: 3, 1: 5}
PER_DIGIT = 10  # records of each
WEIGHT = 20  # not train.py's default, so that a run ignoring --feedback-weight shows
FEEDBACK_REPO = "tester/feedback-to-train-on"  # a dataset repo on the fake Hub; no model repo has this id there


@pytest.fixture(scope="module")
def feedback_run(tmp_path_factory, sample, fake_hub):
    """train.py on the MNIST sample plus 21 records (ten 0s and ten 1s of the test half, in turn, labelled as
    SAID_TO_BE says; the first 0 sent twice) pushed to a Hub dataset repo as the app pushes them, `--feedback <its
    id>`: (its --out, {drawn digit: the records' 28x28s})."""
    _, (x_test, y_test) = sample
    drawn = {digit: x_test[y_test == digit][:PER_DIGIT] for digit in SAID_TO_BE}
    records = tmp_path_factory.mktemp("feedback")
    store = feedback.Store(records, "sha", session_limit=2 * PER_DIGIT + 1)
    in_turn = [(digit, pixels) for pair in zip(drawn[0], drawn[1], strict=True) for digit, pixels in enumerate(pair)]
    for digit, pixels in [*in_turn, in_turn[0]]:
        store.save(pixels, datasets.scale_pixels(pixels[np.newaxis])[0], SAID_TO_BE[digit], np.full(10, 0.1), "a")
    HfApi(endpoint=fake_hub.url, token="hf_test_token").upload_folder(repo_id=FEEDBACK_REPO, repo_type="dataset",
                                                                      folder_path=records)
    out = tmp_path_factory.mktemp("feedback-run")
    result = run_train("--epochs", "8", "--data", str(SAMPLE), "--feedback", FEEDBACK_REPO,
                       "--feedback-weight", str(WEIGHT), "--out", str(out),
                       env=hub_env(tmp_path_factory.mktemp("hf_home"), HF_ENDPOINT=fake_hub.url))
    assert result.returncode == 0, result.stderr[-3000:]
    return out, drawn


def test_feedback_records_are_counted_in_metrics_and_the_model_card(feedback_run):
    out, _ = feedback_run
    metrics = json.loads((out / "reports" / "metrics.json").read_text())
    used = metrics["feedback"]
    assert used["source"] == FEEDBACK_REPO  # downloaded from the dataset repo
    assert (used["records"], used["duplicates"], used["used"], used["weight"]) == (21, 1, 20, WEIGHT)
    assert used["per_digit"] == {str(d): PER_DIGIT if d in SAID_TO_BE.values() else 0 for d in range(10)}
    card = " ".join(str(hub.model_card(metrics, "tester/digit-recognizer")).split())  # its lines as one
    assert "20 digits that visitors of the app drew" in card
    assert f"`--feedback {used['source']}`: 21 records, 1 duplicates dropped), each repeated {WEIGHT} times" in card


def test_each_feedback_digit_is_trained_on_weight_times(feedback_run, runs):
    with_feedback, without = (json.loads((out / "reports" / "metrics.json").read_text())["training_size"]
                              for out in (feedback_run[0], runs["plain"]))  # the same MNIST sample, split alike
    assert with_feedback - without == 2 * PER_DIGIT * WEIGHT


def test_the_model_learns_what_the_records_say(feedback_run, sample):
    out, drawn = feedback_run
    model = keras.saving.load_model(out / "model.keras", safe_mode=True)
    _, (x_test, y_test) = sample
    read = model.predict(datasets.scale_pixels(x_test), verbose=0).argmax(axis=1)
    for digit, said in SAID_TO_BE.items():
        # Read as the app reads them, in [0, 1]: each record's digit as its own label, and surely.
        scores = model.predict(datasets.scale_pixels(drawn[digit]), verbose=0)
        assert np.mean(scores.argmax(axis=1) == said) >= 0.9
        assert np.mean(scores[:, said]) > 0.6
        assert np.mean(read[y_test != digit] == said) < 0.5  # not a model that reads everything as that label


def test_feedback_that_is_no_records_is_one_line(tmp_path):
    result = run_train("--data", str(SAMPLE), "--epochs", "1", "--feedback", str(tmp_path), "--out", str(tmp_path))
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [f"train.py: --feedback {tmp_path}: no feedback records in {tmp_path}"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two-epoch runs on the MNIST sample: {name: its --out}; "again" repeats "augmented" exactly."""
    args = {"augmented": ["--augment"], "again": ["--augment"], "plain": [], "ema": ["--augment", "--ema"]}
    outs = {}
    for name, extra in args.items():
        outs[name] = tmp_path_factory.mktemp(name)
        result = run_train("--epochs", "2", "--seed", "7", "--data", str(SAMPLE), "--out", str(outs[name]), *extra)
        assert result.returncode == 0, result.stderr[-3000:]
    return outs


def weights(path):
    return keras.saving.load_model(path, safe_mode=True).get_weights()


def same_weights(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_model_keras_is_the_chosen_epochs_checkpoint(runs):
    out = runs["augmented"]
    chosen = json.loads((out / "reports" / "metrics.json").read_text())["epoch_chosen"]
    model = weights(out / "model.keras")
    assert same_weights(model, weights(out / "checkpoints" / f"model_epoch_{chosen:02d}.keras"))
    other = 3 - chosen
    assert not same_weights(model, weights(out / "checkpoints" / f"model_epoch_{other:02d}.keras"))


def test_the_reported_figures_are_the_models_own(runs, sample):
    out = runs["augmented"]
    metrics = json.loads((out / "reports" / "metrics.json").read_text())
    _, (x_test, y_test) = sample
    predicted = keras.saving.load_model(out / "model.keras").predict(datasets.scale_pixels(x_test), verbose=0).argmax(1)
    confusion = np.zeros((10, 10), int)
    np.add.at(confusion, (y_test, predicted), 1)
    assert metrics["confusion_matrix"] == confusion.tolist()
    assert metrics["test_errors"] == int(np.sum(predicted != y_test))
    assert metrics["test"]["accuracy"] == pytest.approx(np.mean(predicted == y_test), abs=1e-5)
    for digit in range(10):
        recall = np.mean(predicted[y_test == digit] == digit)
        assert metrics["per_class"][str(digit)]["recall"] == pytest.approx(recall, abs=1e-5)


def test_a_seed_reproduces_the_weights_and_augment_changes_them(runs):
    augmented, again, plain = (weights(runs[name] / "checkpoints" / "model_epoch_02.keras")
                               for name in ("augmented", "again", "plain"))
    assert same_weights(augmented, again)
    assert not same_weights(augmented, plain)


def test_ema_checkpoints_the_average_of_the_same_steps(runs):
    ema = keras.saving.load_model(runs["ema"] / "checkpoints" / "model_epoch_01.keras", safe_mode=True)
    last_step = weights(runs["augmented"] / "checkpoints" / "model_epoch_01.keras")
    # SwapEMAWeights keeps the last step's weights in the optimizer's averages while the model holds the average.
    kept_aside = [v.numpy() for v in ema.optimizer.variables if v.path.endswith("_average")]
    assert len(kept_aside) == len(last_step)
    for kept, trained in zip(kept_aside, last_step, strict=True):  # the same steps, but for the swaps' rounding
        np.testing.assert_allclose(kept, trained, atol=1e-5)
    assert max(np.abs(a - b).max() for a, b in zip(ema.get_weights(), last_step, strict=True)) > 1e-3


# --- "Not a digit": the eleventh class, learnt from a trained model -------------------------


@pytest.fixture(scope="module")
def not_digits_run(tmp_path_factory, one_epoch, sample):
    """train.py --not-digits on the Omniglot sample and 20 doodles, from the one-epoch model (--init) at a learning
    rate of 0, so that the weights stay what --init set; with a "Not a digit" record and a 3 as feedback."""
    from conftest import OMNIGLOT_SAMPLE

    _, (x_test, y_test) = sample
    records = tmp_path_factory.mktemp("not-a-digit-feedback")
    store = feedback.Store(records, "sha")
    for label, image in [(feedback.NOT_A_DIGIT, x_test[0]), (3, x_test[y_test == 3][0])]:
        store.save(image, datasets.scale_pixels(image[np.newaxis])[0], label, np.full(11, 1 / 11), "a session")
    out = tmp_path_factory.mktemp("not-digits-run")
    result = run_train("--epochs", "1", "--data", str(SAMPLE), "--convolutions", "2", "--not-digits",
                       str(OMNIGLOT_SAMPLE), "--doodles", "20", "--init", str(one_epoch / "model.keras"),
                       "--learning-rate", "0", "--feedback", str(records), "--out", str(out))
    assert result.returncode == 0, result.stderr[-3000:]
    return out


def test_init_keeps_the_trained_digits_and_the_eleventh_class_starts_silent(not_digits_run, one_epoch):
    trained, learnt = weights(one_epoch / "model.keras"), weights(not_digits_run / "model.keras")
    assert all(np.array_equal(a, b) for a, b in zip(trained[:-2], learnt[:-2], strict=True))  # every layer but the last
    kernel, bias = learnt[-2:]
    assert kernel.shape == (64, 11)
    np.testing.assert_array_equal(kernel[:, :10], trained[-2])
    np.testing.assert_array_equal(bias[:10], trained[-1])
    assert not kernel[:, 10].any() and bias[10] < -3  # no weight: "not a digit" is never the answer at first


def test_not_digits_are_counted_in_metrics(not_digits_run, one_epoch):
    metrics = json.loads((not_digits_run / "reports" / "metrics.json").read_text())
    assert metrics["classes"] == 11
    assert metrics["init"]["sha256"] == hub.sha256(one_epoch / "model.keras")
    # The sample's six training-alphabet drawings and 20 doodles, each drawn 4 times (train.py's NOT_DIGIT_RENDERINGS);
    # a few drawings of many pieces (a sun's rays) are refused by prepare(), as the app refuses them before the model.
    assert (6 + 20) * 4 - 8 <= metrics["not_digits"]["training_drawings"] <= (6 + 20) * 4
    assert metrics["not_digits"]["held_out_size"] == 38  # the sample's Greek and Tagalog drawings
    assert metrics["feedback"]["per_digit"] == {str(d): int(d in (3, feedback.NOT_A_DIGIT)) for d in range(11)}
    assert len(metrics["confusion_matrix"]) == 11
    card = str(hub.model_card(metrics, "tester/digit-recognizer"))
    assert 'then an eleventh: "not a digit"' in card
    assert f'{metrics["not_digits"]["held_out_flagged"]:.2%}** are\nanswered "not a digit"' in card


def test_without_not_digits_a_not_a_digit_record_is_left_out(tmp_path, sample):
    _, (x_test, _) = sample
    store = feedback.Store(tmp_path / "records", "sha")
    for label, image in [(feedback.NOT_A_DIGIT, x_test[0]), (7, x_test[0][::-1])]:
        store.save(image, datasets.scale_pixels(image[np.newaxis])[0], label, np.full(10, 0.1), "a session")
    result = run_train("--epochs", "1", "--data", str(SAMPLE), "--feedback", str(tmp_path / "records"),
                       "--out", str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = json.loads((tmp_path / "reports" / "metrics.json").read_text())
    assert metrics["classes"] == 10 and metrics["feedback"]["used"] == 1
