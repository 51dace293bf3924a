import gzip
import shutil

import numpy as np
import pytest
from conftest import PEN_SAMPLE, SAMPLE

import datasets
from datasets import DataError, load_mnist, load_pendigits, pendigits_file

# --- MNIST -------------------------------------------------------------------------


def test_idx_sample_reads_as_mnist(sample):
    (x_train, y_train), (x_test, y_test) = sample
    assert x_train.shape == x_test.shape == (500, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == y_test.shape == (500,)
    # MNIST's first training digit is a 5 and its first test digit a 7.
    assert (y_train[0], y_test[0]) == (5, 7)
    assert set(np.unique(y_test)) == set(range(10))
    assert x_test.max() == 255 and x_test[:, 0, :].max() == 0  # ink inside, empty border


def test_uncompressed_idx_and_npz_give_the_same_arrays(sample, tmp_path):
    for gz in SAMPLE.glob("*.gz"):
        (tmp_path / gz.stem).write_bytes(gzip.decompress(gz.read_bytes()))
    raw = load_mnist(tmp_path)
    (x_train, y_train), (x_test, y_test) = sample
    np.savez(tmp_path / "mnist.npz", x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
    for loaded in (raw, load_mnist(tmp_path / "mnist.npz")):
        for got, want in zip(sum(loaded, ()), sum(sample, ()), strict=True):
            np.testing.assert_array_equal(got, want)


def test_missing_file_is_named(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "mnist")
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte"):
        load_mnist(tmp_path / "mnist")


def test_corrupt_files_are_named(tmp_path):
    shutil.copytree(SAMPLE, tmp_path / "mnist")
    images = tmp_path / "mnist" / "train-images-idx3-ubyte.gz"
    images.write_bytes(images.read_bytes()[:1000])  # a cut-off download
    with pytest.raises(DataError, match="train-images-idx3-ubyte.gz"):
        load_mnist(tmp_path / "mnist")
    labels = tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz"
    with gzip.open(labels, "wb") as f:
        f.write(b"not an idx file")
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz: not an IDX"):
        datasets.read_idx(labels)
    (tmp_path / "broken.npz").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(DataError, match="broken.npz"):
        load_mnist(tmp_path / "broken.npz")



# --- Pen digits --------------------------------------------------------------------


@pytest.fixture(scope="module")
def pen_sample():
    return load_pendigits(pendigits_file(PEN_SAMPLE, "train"))


def relative(point, strokes):
    """Where a point lies in the digit's box: (0, 0) top left, (1, 1) bottom right."""
    points = np.concatenate(strokes)
    low, high = points.min(0), points.max(0)
    return (point - low) / (high - low)


def test_pen_digits_read_with_their_labels_writers_and_strokes(pen_sample):
    # The sample holds one digit of each class by writers 1-6 (tests/data/make_sample.py).
    assert [(d.label, d.writer) for d in pen_sample[:12]] == [(d, 1) for d in range(10)] + [(0, 2), (1, 2)]
    assert {d.writer for d in pen_sample} == set(range(1, 7))
    # Looked at by hand: writer 1 crosses their 7 and writes a 4 and a 5 in two strokes; writer 2
    # writes a 1 with a flag, then its foot; their 0 is one stroke.
    by = {(d.writer, d.label): d for d in pen_sample}
    assert [len(by[key].strokes) for key in [(1, 7), (1, 4), (1, 5), (2, 1), (2, 0)]] == [2, 2, 2, 2, 1]
    first = by[(1, 0)].strokes[0][0]  # the file's first pen sample of that digit
    np.testing.assert_array_equal(first, [210, datasets.PEN_BOX - 344])  # "210  344" in the file
    assert all(stroke.dtype == np.float32 and stroke.shape[1] == 2 for d in pen_sample for stroke in d.strokes)


def test_pen_digits_are_upright(pen_sample):
    # The tablet's y points up; images' down. A 6 and a 7 start at their top, a 7's bar at its top left.
    by = {(d.writer, d.label): d for d in pen_sample}
    for key in [(1, 6), (2, 6), (3, 6)]:
        strokes = by[key].strokes
        assert relative(strokes[0][0], strokes)[1] < 0.3, key
    strokes = by[(1, 7)].strokes
    x, y = relative(strokes[0][0], strokes)
    assert x < 0.3 and y < 0.25


def test_both_files_of_the_shipped_sample_load():
    train, test = (load_pendigits(pendigits_file(PEN_SAMPLE, split)) for split in ("train", "test"))
    assert (len(train), len(test)) == (60, 30)
    assert sorted({d.label for d in test}) == list(range(10))


def test_broken_pen_files_are_named(tmp_path):
    with pytest.raises(DataError, match="pendigits-orig.tes.gz: missing"):
        pendigits_file(tmp_path, "test")
    text = gzip.open(pendigits_file(PEN_SAMPLE, "test"), "rt").read()
    cut = tmp_path / "cut.txt"
    cut.write_text(text[: text.index(".PEN_UP", 2000)])  # a file cut off inside a stroke
    with pytest.raises(DataError, match="cut.txt, line .*unfinished stroke"):
        load_pendigits(cut)
    garbled = tmp_path / "garbled.txt"
    garbled.write_text(text.replace(".PEN_DOWN\n", ".PEN_DOWN\n 226  eighty-seven\n", 1))
    with pytest.raises(DataError, match="garbled.txt, line [0-9]+: not UNIPEN"):
        load_pendigits(garbled)
    (tmp_path / "empty.txt").write_text("")
    with pytest.raises(DataError, match="no digits"):
        load_pendigits(tmp_path / "empty.txt")


# --- Omniglot ----------------------------------------------------------------------


def test_omniglot_sample_reads_its_stroke_files_with_y_turned_down():
    import zipfile

    from conftest import OMNIGLOT_SAMPLE

    path = datasets.omniglot_file(OMNIGLOT_SAMPLE)
    characters = datasets.load_omniglot(path)
    with zipfile.ZipFile(path) as archive:
        assert len(characters) == len(archive.namelist()) == 44
        first = archive.read("Balinese/character01/0108_01.txt").decode().splitlines()
    balinese = characters[0]
    assert (balinese.alphabet, balinese.character, balinese.drawer) == ("Balinese", 1, 1)
    x, y, _ = map(float, first[1].split(","))  # the first point, after START
    np.testing.assert_allclose(balinese.strokes[0][0], [x, -y])  # the file's y points up, an image's row down
    assert len(balinese.strokes) == sum(line == "BREAK" for line in first)
    held_out = datasets.load_omniglot(path, datasets.OMNIGLOT_HELD_OUT)
    assert {c.alphabet for c in held_out} == set(datasets.OMNIGLOT_HELD_OUT)
    assert not {(c.alphabet, c.character) for c in held_out} & datasets.OMNIGLOT_DIGIT_LIKE


def test_omniglot_errors_name_the_file(tmp_path):
    with pytest.raises(DataError, match="missing"):
        datasets.omniglot_file(tmp_path)
    (tmp_path / "omniglot-strokes.zip").write_bytes(b"not a zip")
    with pytest.raises(DataError, match="omniglot-strokes.zip: cannot read"):
        datasets.load_omniglot(datasets.omniglot_file(tmp_path))
