"""The committed model.keras and its reports/ describe each other."""

import hashlib
import json

import keras
import numpy as np
import pytest
from conftest import ROOT

import datasets

MODEL = ROOT / "model.keras"


@pytest.fixture(scope="module")
def model():
    return keras.saving.load_model(MODEL, safe_mode=True)


def test_model_is_the_report_architecture_with_the_convolutions_its_reports_name(model):
    metrics = json.loads((ROOT / "reports" / "metrics.json").read_text())
    first, second = metrics["filters"]
    convolutions = ["Conv2D"] * metrics.get("convolutions", 1)
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == [*convolutions, "MaxPooling2D", *convolutions, "MaxPooling2D", "Flatten", "Dropout", "Dense",
                     "Dropout", "Dense", "Dropout", "Dense"]
    # 3x3 kernels with biases; 5x5 left of 28x28 after the two blocks of convolutions and pooling; dense 128, 64, and
    # the classes: the ten digits, and "not a digit" when metrics.json says 11.
    expected = (9 + 1) * first + (9 * first + 1) * second + (25 * second + 1) * 128 + 129 * 64 + 65 * metrics["classes"]
    if len(convolutions) == 2:  # each block's extra convolution: first -> first, second -> second filters
        expected += (9 * first + 1) * first + (9 * second + 1) * second
    assert model.count_params() == expected  # the report's 16 and 64: 223,274; make train's: 278,891


def test_model_reads_the_shipped_sample(model, sample):
    _, (x_test, y_test) = sample
    accuracy = np.mean(np.argmax(model(datasets.scale_pixels(x_test)), axis=1) == y_test)
    assert accuracy >= 0.98  # a digit answered "not a digit" is a miss (the ten-class model: over 99 %)


def test_reports_describe_the_committed_file():
    metrics = json.loads((ROOT / "reports" / "metrics.json").read_text())
    assert metrics["model_sha256"] == hashlib.sha256(MODEL.read_bytes()).hexdigest()
    assert metrics["test_size"] == 10_000
    # The report: 99.37 % and 99.94 %. The ten-class model of make train read 99.50 %; with "not a digit" a digit
    # it answers "not a digit" is a miss: 98.92 % (issue 27 asks 99.4 %, not met yet; benchmarks/README.md).
    assert metrics["test"]["accuracy"] >= 0.985 and metrics["test"]["top3_accuracy"] >= 0.999
    assert metrics["pendigits"]["test_accuracy"] >= 0.98  # the 14 unseen writers (the MNIST-only model: ~0.93)
    # "Not a digit" (issue 27): the held-out alphabets mostly flagged, real digits seldom.
    not_digits = metrics["not_digits"]
    assert metrics["classes"] == 11 and not_digits["held_out_flagged"] >= 0.8
    assert not_digits["pen_test_flagged"] <= 0.01 and not_digits["mnist_test_flagged"] <= 0.01
