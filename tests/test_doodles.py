"""doodles.py: things visitors draw that are not digits, as pen strokes."""

import numpy as np
import pytest

import doodles
import preprocess
import sketchpad


@pytest.mark.parametrize("kind", sorted(doodles.KINDS))
def test_each_kind_is_unit_strokes_that_the_app_prepares(kind):
    rng = np.random.default_rng(7)
    name, strokes = doodles.random_doodle(rng, kind)
    points = np.concatenate(strokes)
    low, high = points.min(0), points.max(0)
    assert name == kind
    np.testing.assert_allclose((high - low).max(), 1.0, atol=1e-5)  # its longer side is 1 ...
    np.testing.assert_allclose((high + low) / 2, 0.0, atol=1e-5)  # ... about the origin
    digit = preprocess.prepare(sketchpad.random_drawing(rng, strokes, brush=sketchpad.APP_BRUSH))
    assert digit is not None and digit.shape == (28, 28, 1)


def test_a_hand_bends_each_drawing_differently():
    first, second = (doodles.random_doodle(np.random.default_rng(seed), "star")[1] for seed in (1, 2))
    assert not np.allclose(first[0][: len(second[0])], second[0][: len(first[0])], atol=0.01)
    again = doodles.random_doodle(np.random.default_rng(1), "star")[1]
    np.testing.assert_array_equal(first[0], again[0])  # seeded: the benchmark's doodles are the same each run


def test_random_kinds_cover_all_kinds():
    rng = np.random.default_rng(0)
    assert {doodles.random_doodle(rng)[0] for _ in range(600)} == set(doodles.KINDS)
