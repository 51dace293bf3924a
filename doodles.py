"""Things visitors draw that are not digits, as pen strokes: shapes, arrows, signs, scribbles, faces, letters.

Each kind is a function of a random generator that returns strokes ((N, 2) points, x right, y down,
about a unit box); `random_doodle` picks a kind, bends it as a hand would (a random slant, width
and wobble) and returns unit strokes, ready for sketchpad.random_drawing as a pen digit is. Training
learns them as "not a digit" (train.py --not-digits) and benchmarks/not_digits.py measures them with
other seeds. Nothing here is shaped like a digit: no plain circle (0), no lone upright bar (1), no
S, Z, O, B, G, q, g or b.
"""

import numpy as np

import sketchpad

TAU = 2 * np.pi
WOBBLE = 0.015  # a hand's unsteadiness: the points move this much of the drawing's size, smoothly
SLANT_DEGREES = 20  # shapes come turned by up to this much
ASPECT = (0.7, 1.4)


def arc(cx, cy, rx, ry, start, end, points=40):
    """Points along an ellipse from angle `start` to `end` (radians; 0 points right, angles turn clockwise)."""
    angles = np.linspace(start, end, points)
    return np.stack([cx + rx * np.cos(angles), cy + ry * np.sin(angles)], 1)


def path(*points):
    """A polyline through the points, each edge cut into short steps so that wobble bends it."""
    points = np.asarray(points, np.float64)
    steps = [np.linspace(a, b, 12, endpoint=False) for a, b in zip(points[:-1], points[1:], strict=True)]
    return np.concatenate([*steps, points[-1:]])


def polygon(rng, corners, start=None):
    """A closed regular polygon of `corners`, one stroke."""
    start = rng.uniform(0, TAU) if start is None else start
    angles = start + np.arange(corners + 1) * TAU / corners
    return [path(*np.stack([np.cos(angles), np.sin(angles)], 1))]


def star(rng):
    if rng.random() < 0.5:  # one stroke, the pentagram
        angles = -np.pi / 2 + np.arange(6) * 2 * TAU / 5
        return [path(*np.stack([np.cos(angles), np.sin(angles)], 1))]
    points = int(rng.integers(5, 8))  # the outline
    angles = -np.pi / 2 + np.arange(2 * points + 1) * np.pi / points
    radius = np.where(np.arange(2 * points + 1) % 2, rng.uniform(0.35, 0.5), 1.0)
    return [path(*np.stack([radius * np.cos(angles), radius * np.sin(angles)], 1))]


def heart(rng):
    t = np.linspace(0, TAU, 80)
    x = 16 * np.sin(t) ** 3
    y = -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))
    outline = np.stack([x, y], 1) / 16
    if rng.random() < 0.5:  # two halves, each from the dip to the point
        return [outline[:41], outline[40:][::-1]]
    return [outline]


def smiley(rng):
    mood = rng.choice([1, -1, 0])  # smile, frown, straight
    strokes = [arc(0, 0, 1, 1, 0, TAU, 60)]
    for side in (-1, 1):
        eye = rng.uniform(0.06, 0.15)
        strokes.append(arc(side * 0.35, -0.3, eye, eye, 0, TAU, 12))
    if mood:
        strokes.append(arc(0, 0.15 - 0.4 * (mood < 0), 0.5, 0.35, np.pi * (0.15 + (mood < 0)),
                           np.pi * (0.85 + (mood < 0))))
    else:
        strokes.append(path([-0.4, 0.45], [0.4, 0.45]))
    return strokes


def house(rng):
    roof = rng.uniform(0.4, 0.9)
    strokes = [path([-1, 0], [-1, 1.4], [1, 1.4], [1, 0], [-1, 0]), path([-1.1, 0], [0, -roof], [1.1, 0])]
    if rng.random() < 0.6:
        strokes.append(path([-0.25, 1.4], [-0.25, 0.7], [0.25, 0.7], [0.25, 1.4]))
    return strokes


def spiral(rng):
    turns = rng.uniform(2, 4)
    t = np.linspace(0, turns * TAU, int(60 * turns))
    r = t / t[-1]
    return [np.stack([r * np.cos(t), r * np.sin(t) * rng.choice([1, -1])], 1)]


def hash_sign(rng):
    lean = rng.uniform(0, 0.3)
    return [path([-0.3 + lean, -1], [-0.3 - lean, 1]), path([0.3 + lean, -1], [0.3 - lean, 1]),
            path([-1, -0.35], [1, -0.35]), path([-1, 0.35], [1, 0.35])]


def arrow(rng):
    head = rng.uniform(0.25, 0.45)
    strokes = [path([-1, 0], [1, 0]), path([1 - head, -head], [1, 0], [1 - head, head])]
    turn = rng.choice([0, 90, 180, 270]) + rng.uniform(-30, 30)
    return sketchpad.rotate([s.astype(np.float32) for s in strokes], turn)


def sun(rng):
    rays = int(rng.integers(6, 13))
    strokes = [arc(0, 0, 0.45, 0.45, 0, TAU, 40)]
    for angle in np.arange(rays) * TAU / rays + rng.uniform(0, TAU):
        direction = np.array([np.cos(angle), np.sin(angle)])
        strokes.append(path(0.6 * direction, direction))
    return strokes


def wave(rng):
    x = np.linspace(-1, 1, 80)
    periods = rng.uniform(1.5, 4)
    return [np.stack([x, rng.uniform(0.1, 0.3) * np.sin(periods * TAU * x / 2)], 1)]


def shape(rng):
    """A triangle, square or diamond, one stroke (more corners would be a 0)."""
    corners = int(rng.choice([3, 4]))
    return polygon(rng, corners, start=rng.choice([-np.pi / 2, np.pi / 4, 0.0]))


def cross(rng):
    if rng.random() < 0.5:  # +
        return [path([-1, 0], [1, 0]), path([0, -1], [0, 1])]
    return [path([-1, -1], [1, 1]), path([1, -1], [-1, 1])]  # x


def equals(rng):
    gap = rng.uniform(0.2, 0.5)
    return [path([-1, -gap], [1, -gap]), path([-1, gap], [1, gap])]


def question(rng):
    hook = arc(0, -0.45, 0.45, 0.45, np.pi * 1.1, np.pi * 2.5, 30)
    return [np.concatenate([hook, path(hook[-1], [0, 0.45])]), arc(0, 0.9, 0.05, 0.05, 0, TAU, 8)]


def percent(rng):
    size = rng.uniform(0.2, 0.3)
    return [path([0.8, -1], [-0.8, 1]), arc(-0.55, -0.6, size, size, 0, TAU, 20),
            arc(0.55, 0.6, size, size, 0, TAU, 20)]


def ampersand(rng):
    return [path([0.8, 0.9], [-0.3, -0.3], [-0.35, -0.75], [0, -1], [0.3, -0.75], [0.2, -0.4], [-0.7, 0.3],
                 [-0.6, 0.85], [0, 1], [0.5, 0.6], [0.8, 0.2])]


def at_sign(rng):
    inner = arc(0, 0, 0.35, 0.4, 0, TAU, 30)
    outer = np.concatenate([path([0.35, -0.4], [0.35, 0.3], [0.7, 0.4]), arc(0, 0, 0.9, 0.95, 0.2, TAU * 0.9, 50)])
    return [inner, outer]


def scribble(rng):
    """A tangle of loops, or a zigzag back and forth."""
    if rng.random() < 0.5:
        t = np.linspace(0, TAU * rng.uniform(3, 6), 200)
        x = np.cos(t) * 0.5 + np.linspace(-1, 1, len(t))
        y = np.sin(t * rng.uniform(0.8, 1.2)) * 0.5
        return [np.stack([x, y], 1)]
    points = int(rng.integers(5, 12))
    return [path(*np.stack([np.linspace(-1, 1, points) + rng.normal(0, 0.1, points),
                            np.where(np.arange(points) % 2, 1, -1) * rng.uniform(0.3, 1, points)], 1))]


def infinity(rng):
    t = np.linspace(0, TAU, 80)
    return [np.stack([np.cos(t), np.sin(2 * t) / 2], 1)]


def check_mark(rng):
    return [path([-1, 0], [-0.4, 0.7], [1, -1])]


def cloud(rng):
    bumps = int(rng.integers(4, 7))
    centres = np.linspace(-0.8, 0.8, bumps)
    points = [arc(cx, 0, 0.8 / (bumps - 1) + 0.05, 0.35, np.pi, TAU, 12) for cx in centres]
    return [np.concatenate([*points, path([0.9, 0], [0.9, 0.3], [-0.9, 0.3], [-0.9, 0])])]


def stick_figure(rng):
    return [arc(0, -0.75, 0.25, 0.25, 0, TAU, 24), path([0, -0.5], [0, 0.3]), path([-0.5, -0.2], [0.5, -0.2]),
            path([-0.4, 1], [0, 0.3], [0.4, 1])]


def tree(rng):
    if rng.random() < 0.5:  # a fir: a triangle on a trunk
        crown = path([0, -1], [0.7, 0.4], [-0.7, 0.4], [0, -1])
    else:
        crown = arc(0, -0.35, 0.6, 0.6, 0, TAU, 40)
    return [crown, path([-0.12, 0.25], [-0.12, 1]), path([0.12, 0.25], [0.12, 1])]


def flower(rng):
    petals = int(rng.integers(5, 9))
    strokes = [arc(0, 0, 0.2, 0.2, 0, TAU, 16)]
    for angle in np.arange(petals) * TAU / petals:
        centre = 0.55 * np.array([np.cos(angle), np.sin(angle)])
        strokes.append(arc(*centre, 0.3, 0.3, 0, TAU, 16))
    return strokes


# Letters that look like no digit, as a hand writes them (x right, y down, a unit box, baseline y = 1).
LETTERS = {
    "A": [[[-0.6, 1], [0, -1], [0.6, 1]], [[-0.35, 0.3], [0.35, 0.3]]],
    "E": [[[0.6, -1], [-0.5, -1], [-0.5, 1], [0.6, 1]], [[-0.5, 0], [0.4, 0]]],
    "F": [[[0.6, -1], [-0.5, -1], [-0.5, 1]], [[-0.5, 0], [0.4, 0]]],
    "H": [[[-0.6, -1], [-0.6, 1]], [[0.6, -1], [0.6, 1]], [[-0.6, 0], [0.6, 0]]],
    "K": [[[-0.5, -1], [-0.5, 1]], [[0.6, -1], [-0.5, 0.1], [0.6, 1]]],
    "M": [[[-0.8, 1], [-0.7, -1], [0, 0.4], [0.7, -1], [0.8, 1]]],
    "N": [[[-0.6, 1], [-0.6, -1], [0.6, 1], [0.6, -1]]],
    "R": [[[-0.5, 1], [-0.5, -1], [0.3, -1], [0.55, -0.7], [0.55, -0.3], [0.3, 0], [-0.5, 0], [0.6, 1]]],
    "W": [[[-1, -1], [-0.5, 1], [0, -0.3], [0.5, 1], [1, -1]]],
    "X": [[[-0.6, -1], [0.6, 1]], [[0.6, -1], [-0.6, 1]]],
    "Y": [[[-0.6, -1], [0, 0]], [[0.6, -1], [-0.3, 1]]],
    "e": [[[-0.5, 0.3], [0.5, 0.3], [0.45, -0.05], [0, -0.25], [-0.45, 0], [-0.5, 0.5], [-0.2, 0.95], [0.5, 0.9]]],
    "k": [[[-0.5, -1], [-0.5, 1]], [[0.4, -0.2], [-0.5, 0.45], [0.5, 1]]],
    "m": [[[-1, -0.1], [-1, 1]], [[-1, 0.1], [-0.6, -0.15], [-0.1, 0.1], [-0.1, 1]],
          [[-0.1, 0.1], [0.4, -0.15], [0.8, 0.1], [0.8, 1]]],
    "n": [[[-0.5, -0.1], [-0.5, 1]], [[-0.5, 0.1], [0, -0.15], [0.5, 0.1], [0.5, 1]]],
    "w": [[[-1, -0.2], [-0.5, 1], [0, 0.2], [0.5, 1], [1, -0.2]]],
    "x": [[[-0.5, -0.2], [0.5, 1]], [[0.5, -0.2], [-0.5, 1]]],
    "h": [[[-0.5, -1], [-0.5, 1]], [[-0.5, 0.2], [0, -0.1], [0.5, 0.2], [0.5, 1]]],
    "r": [[[-0.3, -0.1], [-0.3, 1]], [[-0.3, 0.2], [0.1, -0.1], [0.5, -0.05]]],
    "v": [[[-0.5, -0.2], [0, 1], [0.5, -0.2]]],
}


def letter(rng):
    strokes = LETTERS[rng.choice(sorted(LETTERS))]
    return [path(*stroke) for stroke in strokes]


KINDS = {
    "star": star, "heart": heart, "smiley": smiley, "house": house, "spiral": spiral, "hash": hash_sign,
    "arrow": arrow, "sun": sun, "wave": wave, "shape": shape, "cross": cross, "equals": equals,
    "question": question, "percent": percent, "ampersand": ampersand, "at": at_sign, "scribble": scribble,
    "infinity": infinity, "check": check_mark, "cloud": cloud,
    "stick figure": stick_figure, "tree": tree, "flower": flower, "letter": letter,
}


def wobbled(rng, strokes):
    """Strokes as a hand draws them: turned, slanted, stretched, each point moved a little and smoothly."""
    size = float(np.ptp(np.concatenate(strokes), 0).max()) or 1.0
    turn = np.deg2rad(rng.uniform(-SLANT_DEGREES, SLANT_DEGREES))
    shape = np.array([[np.cos(turn), -np.sin(turn)], [np.sin(turn), np.cos(turn)]]) @ np.array(
        [[rng.uniform(*ASPECT), rng.uniform(-0.3, 0.3)], [0, 1]])
    bent = []
    for stroke in strokes:
        noise = np.cumsum(rng.normal(0, WOBBLE * size, (len(stroke), 2)), 0)
        noise -= np.linspace(0, 1, len(stroke))[:, None] * noise[-1]  # the wobble returns to the path at each end
        bent.append((np.asarray(stroke) + noise) @ shape.T)
    return bent


def random_doodle(rng, kind=None):
    """(kind, unit strokes) of one doodle: a kind of KINDS (at random unless named), drawn by a hand."""
    kind = kind or rng.choice(sorted(KINDS))
    return kind, sketchpad.unit_strokes(wobbled(rng, KINDS[kind](rng)))
