"""feedback.py: a visitor's record on disk, its caps and rate limit, and the push to a Hub dataset."""

import json
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path
from types import SimpleNamespace

import cv2
import numpy as np
import pytest
from conftest import ROOT, hub_env
from strokes import draw

import feedback
import preprocess

SCORES = np.linspace(0.01, 0.1, 10)  # the model's top 5 for these: 9, 8, 7, 6, 5


class Clock:
    """A monotonic clock the test moves on."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def save(store, digit=7, label=7, session="session-a"):
    drawing = draw(digit)
    return store.save(drawing, preprocess.prepare(drawing), label, SCORES, session)


def test_a_record_keeps_the_ink_the_28x28_the_label_the_top5_the_model_and_the_time(tmp_path):
    store = feedback.Store(tmp_path, "sha-of-the-model")
    record = save(store, digit=4, label=9)
    [line] = store.records_file.read_text().splitlines()
    assert json.loads(line) == record
    assert record["label"] == 9 and record["model_sha256"] == "sha-of-the-model"
    assert [c["label"] for c in record["top5"]] == ["9", "8", "7", "6", "5"]
    assert record["time"].endswith("+00:00")  # UTC
    strokes = cv2.imread(str(tmp_path / record["strokes"]), cv2.IMREAD_GRAYSCALE)
    alpha = draw(4)[..., 3]
    rows, columns = np.nonzero(alpha >= 1)
    assert strokes.shape == (np.ptp(rows) + 1, np.ptp(columns) + 1)  # cropped to the ink, not the 600x600 canvas
    seen = cv2.imread(str(tmp_path / record["digit"]), cv2.IMREAD_GRAYSCALE)
    np.testing.assert_allclose(seen / 255, preprocess.prepare(draw(4))[..., 0], atol=1 / 255)
    assert set(record) == {"id", "label", "top5", "model_sha256", "time", "strokes", "digit"}  # nothing else kept


def test_a_restarted_app_appends_to_a_new_file_and_every_record_is_read_back(tmp_path):
    first = feedback.Store(tmp_path, "m")
    save(first, label=1)
    second = feedback.Store(tmp_path, "m")  # the app restarted
    save(second, label=2)
    assert first.records_file != second.records_file
    assert sorted(r["label"] for r in feedback.read_records(tmp_path)) == [1, 2]


def test_a_half_written_line_is_skipped_when_read_back(tmp_path):
    store = feedback.Store(tmp_path, "m")
    save(store, label=3)
    with open(store.records_file, "a") as records:
        records.write('{"id": "cut off by a cra')
    assert [r["label"] for r in feedback.read_records(tmp_path)] == [3]


def test_a_session_is_held_to_its_limit_and_others_are_not(tmp_path):
    clock = Clock()
    store = feedback.Store(tmp_path, "m", session_limit=3, clock=clock)
    for _ in range(3):
        save(store)
        clock.now += 1
    with pytest.raises(feedback.Refused, match="wait a few minutes"):
        save(store)
    save(store, session="session-b")  # another visitor
    clock.now = 1000 + feedback.SESSION_WINDOW + 0.5  # the first record (at 1000) out of the window, not the others
    save(store)
    with pytest.raises(feedback.Refused):
        save(store)
    assert len(feedback.read_records(tmp_path)) == 5


def test_the_folder_cap_stops_saving_and_says_so_once_in_the_log(tmp_path, caplog):
    probe = tmp_path / "probe"
    save(feedback.Store(probe, "m"))
    one = feedback.folder_bytes(probe)  # a record's bytes on disk
    folder = tmp_path / "feedback"
    folder.mkdir()
    (folder / "earlier.bin").write_bytes(b"x" * one)  # what the folder holds at start counts too
    store = feedback.Store(folder, "m", max_folder_bytes=3.5 * one)  # room for two records more
    save(store)
    save(store)
    with caplog.at_level(logging.WARNING, logger="feedback"):
        for _ in range(3):
            with pytest.raises(feedback.Refused, match="no more drawings"):
                save(store)
    assert len(caplog.records) == 1 and "cap" in caplog.records[0].getMessage()
    assert len(feedback.read_records(folder)) == 2


def test_a_record_over_its_size_cap_is_refused_and_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.setattr(feedback, "MAX_RECORD_BYTES", 1000)
    store = feedback.Store(tmp_path, "m")
    with pytest.raises(feedback.Refused, match="too large"):
        save(store)
    assert feedback.folder_bytes(tmp_path) == 0


def test_a_record_is_forced_to_disk_before_save_returns(tmp_path, monkeypatch):
    store = feedback.Store(tmp_path, "m")
    forced = []  # (the file fsync'd is the records file, what that file held then)
    fsync = os.fsync

    def seen_fsync(fd):
        forced.append((os.fstat(fd).st_ino == store.records_file.stat().st_ino, store.records_file.read_text()))
        fsync(fd)

    monkeypatch.setattr(os, "fsync", seen_fsync)
    record = save(store)
    assert forced == [(True, json.dumps(record) + "\n")]  # the whole line flushed, then fsync'd: a power cut keeps it


def test_a_crash_while_writing_leaves_no_line_naming_a_missing_file(tmp_path, monkeypatch):
    write_bytes = Path.write_bytes

    def disk_full_at_the_28x28(path, data):
        if path.name.endswith("-28x28.png"):
            raise OSError(28, "No space left on device")
        return write_bytes(path, data)

    monkeypatch.setattr(Path, "write_bytes", disk_full_at_the_28x28)
    store = feedback.Store(tmp_path, "m")
    with pytest.raises(OSError, match="No space left"):
        save(store)
    lines = store.records_file.read_text().splitlines() if store.records_file.exists() else []
    assert lines == []


def test_a_record_is_written_under_the_schedulers_lock_so_a_push_never_takes_half_of_it(tmp_path):
    # CommitScheduler lists the folder and takes each file's size under its lock, then uploads that many bytes.
    scheduler = SimpleNamespace(lock=threading.Lock())
    store = feedback.Store(tmp_path, "m", scheduler)
    held_while_writing = []
    write = store.write

    def write_and_look(*args):
        held_while_writing.append(scheduler.lock.locked())
        write(*args)

    store.write = write_and_look
    save(store)
    assert held_while_writing == [True]


@pytest.mark.parametrize("label", [-1, 11, None])
def test_a_label_that_is_no_digit_is_refused(tmp_path, label):
    with pytest.raises(feedback.Refused, match="0 to 9"):
        save(feedback.Store(tmp_path, "m"), label=label)


def test_not_a_digit_is_kept_as_label_10_and_read_back(tmp_path):
    save(feedback.Store(tmp_path, "m"), label=feedback.NOT_A_DIGIT)
    assert [record["label"] for record in feedback.read_records(tmp_path)] == [10]


def test_each_28x28_is_taken_once_as_its_earliest_record_labels_it(tmp_path):
    store = feedback.Store(tmp_path, "m")
    save(store, digit=1, label=1)
    save(store, digit=1, label=7)  # the same drawing again, said to be another digit
    save(store, digit=8, label=8)
    kept, duplicates = feedback.unique_records(feedback.read_records(tmp_path))
    pixels, labels = feedback.digits_and_labels(kept)
    assert pixels.shape == (2, 28, 28) and sorted(labels) == [1, 8] and duplicates == 1


# The app's scheduler, started as app.py starts it, from the environment; then one push, as every PUSH_MINUTES.
PUSH = """
import sys, numpy as np
sys.path[:0] = [sys.argv[2], sys.argv[2] + "/tests"]
import feedback, preprocess
from strokes import draw
scheduler = feedback.start_pushing(sys.argv[1])
print("scheduler:", scheduler is not None)
if scheduler:
    store = feedback.Store(sys.argv[1], "m", scheduler)
    store.save(draw(5), preprocess.prepare(draw(5)), 5, np.ones(10) / 10, "s")
    scheduler.push_to_hub()
    scheduler.stop()
"""
FEEDBACK_REPO = "tester/digit-feedback"


def run_push(folder, **env):
    return subprocess.run([sys.executable, "-c", PUSH, str(folder), str(ROOT)], capture_output=True, text=True,
                          timeout=120, env=hub_env(folder.parent / "hf_home", **env))


def test_the_scheduler_commits_the_folder_to_the_dataset_repo(tmp_path, fake_hub):
    folder = tmp_path / "feedback"
    result = run_push(folder, HF_ENDPOINT=fake_hub.url, HF_TOKEN="hf_test_token", FEEDBACK_REPO=FEEDBACK_REPO)
    assert "scheduler: True" in result.stdout, result.stderr[-2000:]
    [commit] = [c for c in fake_hub.commits if c["repo_id"] == FEEDBACK_REPO]
    assert commit["repo_type"] == "dataset"
    assert fake_hub.visibility[FEEDBACK_REPO] == "private"  # visitors' drawings are not published
    on_disk = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert commit["files"] == on_disk and len(on_disk) == 3  # the JSON Lines file and the record's two PNGs
    [line] = next(data for path, data in on_disk.items() if path.endswith(".jsonl")).splitlines()
    assert json.loads(line)["label"] == 5


def test_without_a_repo_or_a_token_nothing_is_pushed(tmp_path, fake_hub):
    assert "scheduler: False" in run_push(tmp_path / "a", HF_ENDPOINT=fake_hub.url, HF_TOKEN="hf_test_token").stdout
    assert "scheduler: False" in run_push(tmp_path / "b", HF_ENDPOINT=fake_hub.url, FEEDBACK_REPO=FEEDBACK_REPO).stdout


def test_an_unreachable_hub_leaves_the_records_local(tmp_path):
    from conftest import free_port

    result = run_push(tmp_path / "feedback", HF_ENDPOINT=f"http://127.0.0.1:{free_port()}", HF_TOKEN="hf_test_token",
                      FEEDBACK_REPO=FEEDBACK_REPO)
    assert result.returncode == 0 and "scheduler: False" in result.stdout, result.stderr[-2000:]
    assert "not pushing" in result.stderr
