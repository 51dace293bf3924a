"""MNIST test digits re-drawn as a person draws on the Sketchpad: a pen path and a round brush.

An MNIST digit is a blurred pen trace; its skeleton (scikit-image) is the pen's path.
Drawing that path again with a round brush of any width, at any size, slant and place
on a large canvas (sketchpad.draw_path) gives what a person writing the same digit would send to the app.
"""

import cv2
import numpy as np
from skimage.morphology import skeletonize

UPSAMPLE = 4  # skeletonise at 112x112: smoother paths than at 28x28
BLUR = UPSAMPLE / 8  # a light blur smooths the path; a stronger one closes small loops (a 9's, an 8's)
INK_LEVELS = (127, 96, 64)  # traced at the first level that keeps the digit in as few pieces as its ink
PIECE_LEVEL = 40  # the digit's pieces: its ink above this level
NEIGHBOURS = ((0, 1), (1, 0), (1, 1), (1, -1))  # each skeleton pixel links to these


def pen_path(image):
    """A uint8 28x28 MNIST digit -> (N, 2, 2) pen segments (x, y), centred, longer side 1."""
    large = cv2.resize(image, None, fx=UPSAMPLE, fy=UPSAMPLE, interpolation=cv2.INTER_CUBIC)
    large = cv2.GaussianBlur(large, (0, 0), BLUR)
    pieces = count_pieces(image > PIECE_LEVEL)
    for level in INK_LEVELS:  # a faint stroke falls below a high level: the path would break there
        skeleton = np.pad(skeletonize(large > level), 1)
        if count_pieces(skeleton) <= pieces:
            break
    segments = []
    for dy, dx in NEIGHBOURS:
        linked = skeleton & np.roll(skeleton, (-dy, -dx), axis=(0, 1))
        ys, xs = np.nonzero(linked)
        segments.append(np.stack([np.stack([xs, ys], 1), np.stack([xs + dx, ys + dy], 1)], 1))
    segments = np.concatenate(segments).astype(np.float32)
    points = segments.reshape(-1, 2)
    low, high = points.min(0), points.max(0)
    return (segments - (low + high) / 2) / max(float((high - low).max()), 1.0)


def count_pieces(mask):
    """How many 8-connected pieces a binary image has."""
    return cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)[0] - 1
