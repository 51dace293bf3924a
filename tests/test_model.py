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


def test_model_is_the_report_architecture(model):
    kinds = [type(layer).__name__ for layer in model.layers]
    assert kinds == ["Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dropout", "Dense", "Dropout",
                     "Dense", "Dropout", "Dense"]
    assert model.count_params() == 223_274


def test_model_reads_the_shipped_sample(model, sample):
    _, (x_test, y_test) = sample
    accuracy = np.mean(np.argmax(model(datasets.scale_pixels(x_test)), axis=1) == y_test)
    assert accuracy >= 0.99


def test_reports_describe_the_committed_file():
    metrics = json.loads((ROOT / "reports" / "metrics.json").read_text())
    assert metrics["model_sha256"] == hashlib.sha256(MODEL.read_bytes()).hexdigest()
    assert metrics["test_size"] == 10_000
    # The report: 99.37 % and 99.94 %; the canvas issue asks 99.4 %.
    assert metrics["test"]["accuracy"] >= 0.994 and metrics["test"]["top3_accuracy"] >= 0.9994
