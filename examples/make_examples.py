"""Make the clickable examples from the shipped MNIST sample (run from the repo root).

    python examples/make_examples.py

One test digit of each class, drawn as a scan would show it: dark ink on light
paper, enlarged to 280x280 and placed off-centre, so that prepare() has work to do.
"""

from pathlib import Path

import cv2
import numpy as np

import datasets

HERE = Path(__file__).parent
SAMPLE = HERE.parent / "tests" / "data" / "mnist-sample"
SIZE = 280

_, (images, labels) = datasets.load_mnist(SAMPLE)
rng = np.random.default_rng(0)
for digit in range(10):
    image = images[np.flatnonzero(labels == digit)[0]]
    large = cv2.resize(image, (SIZE // 2, SIZE // 2), interpolation=cv2.INTER_CUBIC)
    paper = np.zeros((SIZE, SIZE), np.uint8)
    top, left = rng.integers(0, SIZE // 2, size=2)
    paper[top : top + SIZE // 2, left : left + SIZE // 2] = large
    cv2.imwrite(str(HERE / f"digit_{digit}.png"), 245 - (paper * 0.85).astype(np.uint8))
