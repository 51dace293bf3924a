"""Cut the shipped samples from the full data sets (run from the repo root).

    python tests/data/make_sample.py ../shared/mnist ../shared/pendigits

Writes tests/data/mnist-sample/: the first SAMPLE training and test digits, as
gzipped IDX files with the original header layout; and tests/data/pendigits-sample/:
one digit of each class by each of the first writers of each pen-digits file.
"""

import gzip
import sys
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
