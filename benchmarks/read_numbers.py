"""Read whole numbers: digits drawn as strokes in a row, split by preprocess and read by the model.

    python benchmarks/read_numbers.py                      # ../shared/mnist and ../shared/pendigits
    python benchmarks/read_numbers.py --data tests/data/mnist-sample --pendigits tests/data/pendigits-sample \
        --numbers 200

Each number has 2 to 6 digits, every one a different digit re-drawn with a round brush on a
transparent canvas, as on the Sketchpad: in two sets MNIST test digits (their pen paths,
benchmarks/drawn_mnist.py), in two more one real writer's own digits, all of a number by
the same writer of the pen digits' test file (14 writers never trained on). Per number:
a digit height of 60 to 160 px and a brush of 7 to 18 % of it; per digit: a height within 15 %
and a baseline within 10 % of the number's (the slant is the MNIST writer's own). Neighbours are
written 5 to 50 % of the digit height apart (between their ink's boxes), except in the
touching set, where one pair of neighbours is pushed together until their ink overlaps by a
third of a brush width. Seeded: the same command prints the same figures.

Prints the exact-match rate (every digit read, none more) for each set, by length, how often
the splitter found the right number of digits, the per-digit accuracy where it did, and the
time split_number takes per number, its model call included.
"""

import argparse
import sys
import time
from pathlib import Path

import cv2
import keras
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from drawn_mnist import pen_path  # noqa: E402

import datasets  # noqa: E402
import preprocess  # noqa: E402
import sketchpad  # noqa: E402
import splitting  # noqa: E402
from sketchpad import draw_path  # noqa: E402

LENGTHS = range(2, 7)
HEIGHTS = (60, 160)  # px, the number's digit height
BRUSH = (0.07, 0.18)  # brush width, as a fraction of the digit height
SIZE_JITTER = 0.15  # each digit's height within this fraction of the number's
BASELINE_JITTER = 0.10  # each digit's centre moved up or down by up to this fraction of the height
GAPS = (0.05, 0.5)  # between neighbours' ink boxes, as a fraction of the height
FULL_MNIST = ROOT.parent / "shared" / "mnist"
SAMPLE = ROOT / "tests" / "data" / "mnist-sample"
FULL_PENDIGITS = ROOT.parent / "shared" / "pendigits"
PEN_SAMPLE = ROOT / "tests" / "data" / "pendigits-sample"
TOUCH_DEPTH = 1 / 3  # touching digits overlap by this fraction of the brush width
MARGIN = 0.3  # blank canvas around the number, as a fraction of the height


def draw_digit(strokes, rng, height, brush):
    """One digit's unit strokes drawn alone -> the alpha of its ink, cropped to the ink."""
    height *= rng.uniform(1 - SIZE_JITTER, 1 + SIZE_JITTER)
    side = int(2 * height)
    alpha = np.zeros((side, side), np.uint8)
    draw_path(alpha, strokes, (side / 2, side / 2), height, brush, colour=255)
    x, y, w, h = cv2.boundingRect(alpha)
    return alpha[y : y + h, x : x + w]


def touching_shift(line, tile, top, right):
    """How far left of `right`, the line's ink end, the tile starts when its ink first meets the line's."""
    strong, tile_strong = line > 127, tile > 127
    h, w = tile.shape
    for shift in range(1, w + right):
        left = right - shift
        window = strong[top : top + h, max(left, 0) : left + w]
        if (window & tile_strong[:, max(-left, 0) :]).any():
            return shift
    return w


def compose(digits, rng, touching_pair):
    """Digits' unit strokes -> (an RGBA canvas with them written in a row, black ink on transparency; each alone)."""
    height = rng.uniform(*HEIGHTS)
    brush = max(2, round(height * rng.uniform(*BRUSH)))
    tiles = [draw_digit(strokes, rng, height, brush) for strokes in digits]
    margin = round(MARGIN * height)
    canvas_height = round(2 * height) + 2 * margin
    line = np.zeros((canvas_height, sum(t.shape[1] for t in tiles) + round(len(tiles) * height) + 2 * margin), np.uint8)
    x = margin
    for index, tile in enumerate(tiles):
        h, w = tile.shape
        top = round((canvas_height - h) / 2 + rng.uniform(-BASELINE_JITTER, BASELINE_JITTER) * height)
        if index == 0:
            left = x
        elif index == touching_pair:
            left = x - touching_shift(line, tile, top, x) - max(1, round(TOUCH_DEPTH * brush))
        else:
            left = x + round(rng.uniform(*GAPS) * height)
        region = line[top : top + h, left : left + w]
        np.maximum(region, tile, out=region)
        x = max(x, left + w)
    width = x + margin
    canvas = np.zeros((canvas_height, width, 4), np.uint8)
    canvas[..., 3] = line[:, :width]
    return canvas, tiles


def make_numbers(strokes, labels, count, rng, touching, writers=None):
    """`count` numbers: (RGBA canvas, the digits as a string, each digit's ink drawn alone). Each digit is
    drawn from its unit strokes; with `writers` (one per digit), all of a number's digits are one writer's."""
    numbers = []
    for _ in range(count):
        length = int(rng.choice(LENGTHS))
        pool = np.arange(len(labels)) if writers is None else np.flatnonzero(writers == rng.choice(writers))
        picks = rng.choice(pool, length, replace=False)
        pair = int(rng.integers(1, length)) if touching else None  # the digit pushed into its left neighbour
        canvas, tiles = compose([strokes[i] for i in picks], rng, pair)
        numbers.append((canvas, "".join(str(d) for d in labels[picks]), tiles))
    return numbers


def read_numbers(classify, numbers):
    """The numbers' canvases -> (what was read, seconds per number), one model call per number as in the app."""
    read, started = [], time.perf_counter()
    for canvas, _, _ in numbers:
        read.append("".join(str(int(np.argmax(scores))) for _, scores in splitting.split_number(canvas, classify)))
    return read, (time.perf_counter() - started) / len(numbers)


def prepared_alone(tile):
    """A digit's tile as the Draw tab prepares it; one the app refuses (too many pieces) is blank, a miss."""
    try:
        return preprocess.prepare(tile)
    except preprocess.NotADigitError:
        return np.zeros((preprocess.IMAGE_SIZE, preprocess.IMAGE_SIZE, 1), np.float32)


def read_alone(classify, numbers):
    """The same digits each drawn alone and read by prepare(), as in the Draw tab -> the numbers read."""
    digits = [prepared_alone(np.pad(tile, tile.shape[0] // 4)) for _, _, tiles in numbers for tile in tiles]
    read = iter(np.argmax(classify(np.stack(digits)), axis=1))
    return ["".join(str(next(read)) for _ in tiles) for _, _, tiles in numbers]


def exact_match(read, truth):
    return np.mean([r == t for r, t in zip(read, truth, strict=True)])


def report(name, numbers, read, alone, seconds):
    truth = [digits for _, digits, _ in numbers]
    counted = [(r, t) for r, t in zip(read, truth, strict=True) if len(r) == len(t)]
    per_digit = np.mean([a == b for r, t in counted for a, b in zip(r, t, strict=True)])
    of_length = {n: [i for i, t in enumerate(truth) if len(t) == n] for n in LENGTHS}
    by_length = "  ".join(
        f"{n}: {exact_match([read[i] for i in each], [truth[i] for i in each]):.1%}" for n, each in of_length.items()
    )
    print(f"{name:22} exact match {exact_match(read, truth):6.1%}   right digit count "
          f"{len(counted) / len(numbers):6.1%}   per-digit accuracy there {per_digit:6.2%}   "
          f"{seconds * 1000:5.1f} ms per number")
    print(f"{'':22} by length  {by_length}")
    print(f"{'':22} the same digits drawn one at a time and read alone: {exact_match(alone, truth):6.1%} exact")


def save_examples(folder, numbers, read, count=8):
    folder.mkdir(parents=True, exist_ok=True)
    for index, ((canvas, truth, _), got) in enumerate(zip(numbers[:count], read[:count], strict=True)):
        paper = 255 - canvas[..., 3]
        cv2.imwrite(str(folder / f"{index:02d}_{truth}_read_{got or 'nothing'}.png"), paper)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", type=Path, default=FULL_MNIST,
                        help="MNIST: a folder of the IDX files or an .npz (default: ../shared/mnist, "
                             "else the 500 test digits shipped in tests/data/mnist-sample)")
    parser.add_argument("--pendigits", type=Path, default=FULL_PENDIGITS,
                        help="folder holding pendigits-orig.tes(.gz) (default: ../shared/pendigits, else the "
                             "shipped sample)")
    parser.add_argument("--model", default=str(ROOT / "model.keras"))
    parser.add_argument("--numbers", type=int, default=2000, help="numbers in each set (default 2000: +-0.5 points)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--examples", type=Path, help="save the first numbers of each set as PNGs here")
    args = parser.parse_args()

    if args.data == FULL_MNIST and not FULL_MNIST.exists():
        args.data = SAMPLE
    if args.pendigits == FULL_PENDIGITS and not FULL_PENDIGITS.exists():
        args.pendigits = PEN_SAMPLE
    _, (images, labels) = datasets.load_mnist(args.data)
    pen = datasets.load_pendigits(datasets.pendigits_file(args.pendigits, "test"))
    classify = keras.saving.load_model(args.model, safe_mode=True).predict_on_batch  # one call per number
    print(f"{args.numbers} numbers per set, of {LENGTHS.start}-{LENGTHS.stop - 1} digits, from {len(images)} MNIST "
          f"test digits ({args.data}) and {len(pen)} pen digits ({args.pendigits}), model {args.model}, "
          f"seed {args.seed}")
    sources = {
        "MNIST": ([pen_path(image) for image in images], labels, None),
        "one writer": ([sketchpad.unit_strokes(d.strokes) for d in pen], np.array([d.label for d in pen]),
                       np.array([d.writer for d in pen])),
    }
    for source, (strokes, digit_labels, writers) in sources.items():
        for touching in (False, True):
            name = f"{source}, {'touching' if touching else 'apart'}"
            rng = np.random.default_rng([args.seed, touching] + ([1] if writers is not None else []))
            numbers = make_numbers(strokes, digit_labels, args.numbers, rng, touching, writers)
            read, seconds = read_numbers(classify, numbers)
            report(name, numbers, read, read_alone(classify, numbers), seconds)
            if args.examples:
                save_examples(args.examples / name.replace(", ", "-").replace(" ", "-"), numbers, read)


if __name__ == "__main__":
    main()
