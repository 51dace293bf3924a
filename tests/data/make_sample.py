"""Cut the shipped samples from the full data sets (run from the repo root).

    python tests/data/make_sample.py ../shared/mnist ../shared/pendigits ../shared/omniglot

Writes tests/data/mnist-sample/: the first SAMPLE training and test digits, as
gzipped IDX files with the original header layout; and tests/data/pendigits-sample/:
one digit of each class by each of the first writers of each pen-digits file; and
tests/data/omniglot-sample/: the first drawer's drawing of each character of the held-out alphabets
that does not look like a digit, and one of each training alphabet, with Omniglot's licence.
"""

import gzip
import shutil
import sys
import zipfile
from pathlib import Path

import datasets

SAMPLE = 500
OUT = Path(__file__).parent / "mnist-sample"


def write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        f.write(header + array.tobytes())


(x_train, y_train), (x_test, y_test) = datasets.load_mnist(sys.argv[1])
OUT.mkdir(exist_ok=True)
arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
for key, stem in datasets.IDX_FILES.items():
    write_idx(OUT / f"{stem}.gz", arrays[key][:SAMPLE])

# Pen digits: one digit of each class from the first writers of each file, the UNIPEN text kept as it is.
PEN_WRITERS = {"train": 6, "test": 3}
PEN_OUT = Path(__file__).parent / "pendigits-sample"
PEN_OUT.mkdir(exist_ok=True)
for split, writers in PEN_WRITERS.items():
    source = datasets.pendigits_file(sys.argv[2], split)
    text = gzip.open(source, "rt").read()
    header, *entries = text.split(".SEGMENT")
    kept = {}
    for entry in entries:
        label, writer = entry.split(".COMMENT")[1].split()[:2]
        if int(writer) <= writers:
            kept.setdefault((writer, label), entry)
    chosen = [kept[key] for key in sorted(kept, key=lambda key: (int(key[0]), key[1]))]
    with gzip.GzipFile(PEN_OUT / source.name, "wb", mtime=0) as f:
        f.write((header + "".join(".SEGMENT" + entry for entry in chosen)).encode("ascii"))

# Omniglot: drawer 01 of every held-out character that is not digit-like, and of each training alphabet's first
# character; the zip's names and text kept as they are, and the licence that must travel with them.
OMNIGLOT_OUT = Path(__file__).parent / "omniglot-sample"
OMNIGLOT_OUT.mkdir(exist_ok=True)
source = datasets.omniglot_file(sys.argv[3])
with zipfile.ZipFile(source) as archive, zipfile.ZipFile(OMNIGLOT_OUT / source.name, "w") as sample:
    for name in sorted(archive.namelist()):
        if not name.endswith("_01.txt"):
            continue
        alphabet, character = name.split("/")[0], int(name.split("/")[1].removeprefix("character"))
        held_out = alphabet in datasets.OMNIGLOT_HELD_OUT and (alphabet, character) not in datasets.OMNIGLOT_DIGIT_LIKE
        if held_out or (alphabet not in datasets.OMNIGLOT_HELD_OUT and character == 1):
            sample.writestr(zipfile.ZipInfo(name, (2019, 1, 19, 15, 14, 0)), archive.read(name),
                            compress_type=zipfile.ZIP_DEFLATED)
shutil.copyfile(Path(sys.argv[3]) / "LICENSE", OMNIGLOT_OUT / "LICENSE")
