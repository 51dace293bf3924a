"""Cut the shipped MNIST sample from the full IDX files (run from the repo root).

    python tests/data/make_sample.py ../shared/mnist

Writes tests/data/mnist-sample/: the first SAMPLE training and test digits, as
gzipped IDX files with the original header layout.
"""

import gzip
import sys
from pathlib import Path

import datasets
import preprocess

SAMPLE = 500
OUT = Path(__file__).parent / "mnist-sample"


def write_idx(path, array):
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(n.to_bytes(4, "big") for n in array.shape)
    with gzip.GzipFile(path, "wb", mtime=0) as f:
        f.write(header + array.tobytes())


(x_train, y_train), (x_test, y_test) = datasets.load_mnist(sys.argv[1])
OUT.mkdir(exist_ok=True)
arrays = {"x_train": x_train, "y_train": y_train, "x_test": x_test, "y_test": y_test}
for key, stem in preprocess.IDX_FILES.items():
    write_idx(OUT / f"{stem}.gz", arrays[key][:SAMPLE])
