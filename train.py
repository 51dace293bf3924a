"""Train the report's CNN on MNIST, and on real handwriting, and write model.keras and reports/.

    python train.py --data ../shared/mnist --pendigits ../shared/pendigits --filters 32 64 --convolutions 2 \
        --renderings 12 --augment --reduce-lr --ema --epochs 30   # the committed checkpoint (make train)
    python train.py --data ../shared/mnist              # the report's plain recipe (the defaults)
    python train.py                                     # MNIST downloaded by Keras
    python train.py ... --push-to-hub <user>/<repo>     # then publish it on the Hub
    python train.py ... --feedback feedback/            # also learn from visitors' corrections (app.py)
    python train.py ... --not-digits ../shared/omniglot --init digits.keras   # an 11th class: "not a digit"

--pendigits adds the UCI pen digits (real stylus handwriting): each digit of the training
file's writers is drawn RENDERINGS times as the app's Sketchpad would hold it and prepared by
preprocess.prepare(), as the app feeds the model. VALIDATION_WRITERS of those writers are
held out whole for validation; the test file's 14 other writers are only evaluated.

--not-digits adds an 11th class, "not a digit": Omniglot's handwritten characters (all but the
OMNIGLOT_HELD_OUT alphabets, which only benchmarks/not_digits.py reads, and but the characters
measured to look like digits, datasets.OMNIGLOT_DIGIT_LIKE) and doodles.py's shapes, signs, scribbles
and letters, drawn on the canvas as the pen digits are. --init starts from a trained model's weights
(its ten digit outputs kept; the new class's output starts silent): make train first trains the
digits, then teaches the eleventh class from there.

--feedback adds the records the app keeps when a visitor clicks the digit they drew
(feedback.py): a folder of them, or the Hub dataset repo they are pushed to. Each 28x28 is
taken once (by its hash) and repeated --feedback-weight times in the training set.

Every epoch's checkpoint goes to <out>/checkpoints/; the epoch with the lowest
validation loss is evaluated on the 10,000 test digits (and the pen digits' test writers)
and becomes <out>/model.keras, described by <out>/reports/ (metrics.json, confusion
matrices, training_curves.png). With --push-to-hub, model.keras, reports/ and a model card
then go to that Hub model repo.
"""

import argparse
import hashlib
import json
import shlex
import shutil
import sys
from pathlib import Path

import numpy as np
from huggingface_hub import snapshot_download
from huggingface_hub.errors import HFValidationError

import datasets
import doodles
import feedback
import hub
import preprocess
import sketchpad

# The report's recipe; each is overridable from the command line.
EPOCHS = 50
BATCH_SIZE = 32
LEARNING_RATE = 0.001
VALIDATION_FRACTION = 0.15
SEED = 2
NUM_DIGITS = 10
NOT_A_DIGIT = 10  # --not-digits: the eleventh class
FILTERS = hub.REPORT_FILTERS  # the report's two convolutions: 16 and 64 filters
CONVOLUTIONS = 1  # convolutions before each pooling: the report's one (2: VGG-style, the first of each 'same')
RENDERINGS = 6  # canvases drawn per pen digit of the training writers
SLANT = 0.3  # each drawing of a pen digit is sheared by up to this much (about 17 degrees) ...
ASPECT = (0.8, 1.25)  # ... and made narrower or wider by this factor: writers do both
EMA_MOMENTUM = 0.999  # --ema: the weights averaged over about the last 1,000 steps (a quarter of an epoch)
VALIDATION_WRITERS = 4  # of the pen digits' 30 training writers, held out whole
NOT_DIGIT_RENDERINGS = 4  # canvases drawn per Omniglot training character drawing
DOODLES = 12_000  # doodles.py drawings in the training set (an eighth as many more for validation)
VALIDATION_DRAWERS = range(18, 21)  # of Omniglot's 20 drawers per character, these validate
# A visitor's correction is real handwriting on this canvas, labelled by its writer, and rare beside
# 51,000 MNIST digits: each counts as this many of them.
FEEDBACK_WEIGHT = 5

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--epochs", type=int, default=EPOCHS)
parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
parser.add_argument("--learning-rate", type=float, default=LEARNING_RATE)
parser.add_argument("--seed", type=int, default=SEED)
parser.add_argument("--data", help="folder of the four MNIST IDX files or a Keras-layout .npz (default: download)")
parser.add_argument("--filters", type=int, nargs=2, default=FILTERS, metavar=("FIRST", "SECOND"),
                    help="filters of the two convolutions (the report's: 16 64)")
parser.add_argument("--convolutions", type=int, choices=(1, 2), default=CONVOLUTIONS,
                    help="convolutions before each pooling (the report's: 1; 2 stacks two 3x3, as VGG does)")
parser.add_argument("--pendigits", type=Path, help="folder of the UCI pen digits (pendigits-orig.tra/.tes, "
                    "gzipped or not): also learn from real handwriting")
parser.add_argument("--renderings", type=int, default=RENDERINGS, help="canvases drawn per training pen digit")
parser.add_argument("--out", type=Path, default=Path("."), help="where model.keras, reports/ and checkpoints/ go")
parser.add_argument("--augment", action="store_true", help="random shifts, rotations, scales, shears, stroke widths")
parser.add_argument("--reduce-lr", action="store_true", help="halve the learning rate when validation loss stalls")
parser.add_argument("--ema", action="store_true", help="validate, checkpoint and keep an exponential moving "
                    "average of the weights (Polyak averaging) rather than the last step's")
parser.add_argument("--not-digits", type=Path, metavar="OMNIGLOT", help="folder of omniglot-strokes.zip: learn an "
                    "11th class, 'not a digit', from its characters and doodles.py's drawings")
parser.add_argument("--doodles", type=int, default=DOODLES, help="--not-digits: doodles.py drawings to learn")
parser.add_argument("--init", type=Path, metavar="MODEL", help="start from this trained model's weights")
parser.add_argument("--feedback", metavar="DIR_OR_REPO", help="also learn from visitors' corrections: a folder "
                    "of the app's feedback records, or the Hub dataset repo they are pushed to")
parser.add_argument("--feedback-weight", type=int, default=FEEDBACK_WEIGHT,
                    help="times each feedback digit is repeated in the training set")
parser.add_argument("--push-to-hub", metavar="REPO_ID", help="then upload model.keras, reports/ and a model card "
                    "to this Hugging Face model repo (<user>/<name>; needs a token: `hf auth login` or HF_TOKEN)")
args = parser.parse_args()


def feedback_records(source):
    """--feedback's records: from a folder, or from the Hub dataset repo of that id (snapshot_download)."""
    if not Path(source).is_dir():
        try:
            source = snapshot_download(source, repo_type="dataset",
                                       allow_patterns=[feedback.RECORDS_GLOB, f"{feedback.IMAGES}/*.png"])
        except (*hub.HUB_ERRORS, HFValidationError) as e:
            raise datasets.DataError(f"--feedback {source}: not a folder, and no Hub dataset repo to fetch "
                                     f"({hub.one_line(e)})") from None
    records = feedback.read_records(source)
    if not records:
        raise datasets.DataError(f"--feedback {args.feedback}: no feedback records in {source}")
    return records


try:
    (x_train_all, y_train_all), (x_test, y_test) = datasets.load_mnist(args.data)
    if args.pendigits:
        pen_train = datasets.load_pendigits(datasets.pendigits_file(args.pendigits, "train"))
        pen_test = datasets.load_pendigits(datasets.pendigits_file(args.pendigits, "test"))
    if args.not_digits:
        omniglot = [c for c in datasets.load_omniglot(datasets.omniglot_file(args.not_digits))
                    if c.alphabet not in datasets.OMNIGLOT_HELD_OUT
                    and (c.alphabet, c.character) not in datasets.OMNIGLOT_DIGIT_LIKE]
    if args.feedback:
        records = feedback_records(args.feedback)
    if args.push_to_hub:
        hub.check_publishable(args.push_to_hub)  # a bad repo id or a missing token fails now, not after training
except (datasets.DataError, hub.ModelFileError) as e:
    sys.exit(f"train.py: {e}")

import keras  # noqa: E402  (after the data check: a bad --data fails fast)
import tensorflow as tf  # noqa: E402

keras.utils.set_random_seed(args.seed)
tf.config.experimental.enable_op_determinism()

# --- Prepare the data ----------------------------------------------------------

order = np.random.default_rng(args.seed).permutation(len(x_train_all))
n_val = round(VALIDATION_FRACTION * len(order))
val_idx, train_idx = order[:n_val], order[n_val:]
x_train, y_train = datasets.scale_pixels(x_train_all[train_idx]), y_train_all[train_idx]
x_val, y_val = datasets.scale_pixels(x_train_all[val_idx]), y_train_all[val_idx]


def reshaped(strokes, rng):
    """A pen digit's strokes slanted and narrowed or widened at random, as another writer might write them."""
    shape = np.array([[rng.uniform(*ASPECT), rng.uniform(-SLANT, SLANT)], [0, 1]], np.float32)
    return sketchpad.unit_strokes([stroke @ shape.T for stroke in strokes])


def drawn(drawings, renderings, rng, reshape=True):
    """(label, strokes) pairs -> (x, y): each drawn `renderings` times on a canvas as a visitor might draw it
    (sketchpad.random_drawing; reshaped, for training), then prepared as the app prepares a drawing."""
    images, labels = [], []
    for label, strokes in drawings:
        strokes = sketchpad.unit_strokes(strokes)
        for _ in range(renderings):
            canvas = sketchpad.random_drawing(rng, reshaped(strokes, rng) if reshape else strokes)
            try:
                image = preprocess.prepare(canvas)
            except preprocess.NotADigitError:  # a drawing of many pieces the app refuses before the model
                continue
            if image is not None:
                images.append(image)
                labels.append(label)
    return np.stack(images), np.array(labels)


def pen(digits):
    return [(digit.label, digit.strokes) for digit in digits]


if args.pendigits:
    rng = np.random.default_rng(args.seed)
    writers = sorted({digit.writer for digit in pen_train})
    val_writers = set(rng.choice(writers, VALIDATION_WRITERS, replace=False).tolist())
    print(f"pen digits: drawing {args.renderings} canvases of each of {len(pen_train)} training digits; "
          f"writers {sorted(val_writers)} held out for validation")
    x_pen, y_pen = drawn(pen([d for d in pen_train if d.writer not in val_writers]), args.renderings, rng)
    x_pen_val, y_pen_val = drawn(pen([d for d in pen_train if d.writer in val_writers]), args.renderings, rng, False)
    x_pen_test, y_pen_test = drawn(pen(pen_test), 1, np.random.default_rng(args.seed + 1), False)
    pen_test_writers = np.array([digit.writer for digit in pen_test])
    x_train, y_train = np.concatenate([x_train, x_pen]), np.concatenate([y_train, y_pen])
    x_val, y_val = np.concatenate([x_val, x_pen_val]), np.concatenate([y_val, y_pen_val])

if args.not_digits:
    rng = np.random.default_rng(args.seed + 2)
    doodled = [(NOT_A_DIGIT, doodles.random_doodle(rng)[1]) for _ in range(args.doodles)]
    doodled_val = [(NOT_A_DIGIT, doodles.random_doodle(rng)[1]) for _ in range(args.doodles // 8)]
    x_not, y_not = drawn([(NOT_A_DIGIT, c.strokes) for c in omniglot if c.drawer not in VALIDATION_DRAWERS] + doodled,
                         NOT_DIGIT_RENDERINGS, rng)
    x_not_val, y_not_val = drawn([(NOT_A_DIGIT, c.strokes) for c in omniglot if c.drawer in VALIDATION_DRAWERS]
                                 + doodled_val, 1, rng, False)
    print(f"not a digit: {len(y_not)} drawings of {len({(c.alphabet, c.character) for c in omniglot})} Omniglot "
          f"characters and {args.doodles} doodles; {len(y_not_val)} for validation")
    x_train, y_train = np.concatenate([x_train, x_not]), np.concatenate([y_train, y_not])
    x_val, y_val = np.concatenate([x_val, x_not_val]), np.concatenate([y_val, y_not_val])
NUM_CLASSES = NUM_DIGITS + bool(args.not_digits)

if args.feedback:
    feedback_used, feedback_duplicates = feedback.unique_records(records)
    if not args.not_digits:  # a "Not a digit" record needs the eleventh class
        feedback_used = [record for record in feedback_used if record["label"] != feedback.NOT_A_DIGIT]
    x_feedback, y_feedback = feedback.digits_and_labels(feedback_used)
    print(f"feedback: {len(y_feedback)} digits from {len(records)} records ({feedback_duplicates} duplicates), "
          f"each trained on {args.feedback_weight} times")
    x_train = np.concatenate([x_train, np.repeat(datasets.scale_pixels(x_feedback), args.feedback_weight, axis=0)])
    y_train = np.concatenate([y_train, np.repeat(y_feedback, args.feedback_weight)])


def dataset(images, labels, training):
    """float32 images (N, 28, 28, 1) in [0, 1] and int labels -> batched (x, one-hot y), prefetched."""
    ds = tf.data.Dataset.from_tensor_slices((images, keras.utils.to_categorical(labels, NUM_CLASSES)))
    if training:
        ds = ds.shuffle(len(images), seed=args.seed, reshuffle_each_iteration=True)
    ds = ds.batch(args.batch_size)
    if training and args.augment:
        ds = ds.map(lambda x, y: (augmentation(x, training=True), y), num_parallel_calls=tf.data.AUTOTUNE)
    return ds.prefetch(tf.data.AUTOTUNE)


class RandomStrokeWidth(keras.layers.Layer):
    """Thicken or thin a random share of the digits by one pixel (2x2 dilation or erosion)."""

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = rate
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, images, training=True):
        if not training:
            return images
        thick = tf.nn.max_pool2d(images, 2, 1, "SAME")
        thin = -tf.nn.max_pool2d(-images, 2, 1, "SAME")
        draw = keras.random.uniform((tf.shape(images)[0], 1, 1, 1), seed=self.seed_generator)
        return tf.where(draw < self.rate, thick, tf.where(draw > 1 - self.rate, thin, images))


augmentation = keras.Sequential(
    [
        keras.layers.RandomRotation(12 / 360, fill_mode="constant", seed=args.seed),
        keras.layers.RandomShear(x_factor=0.1, y_factor=0.0, fill_mode="constant", seed=args.seed + 1),
        keras.layers.RandomZoom(0.08, fill_mode="constant", seed=args.seed + 2),
        keras.layers.RandomTranslation(0.06, 0.06, fill_mode="constant", seed=args.seed + 3),
        RandomStrokeWidth(0.15, seed=args.seed + 4),
    ],
    name="augmentation",
)

train_ds = dataset(x_train, y_train, training=True)
val_ds = dataset(x_val, y_val, training=False)
test_ds = dataset(datasets.scale_pixels(x_test), y_test, training=False)

# --- Build the model -----------------------------------------------------------


def convolution_block(filters):
    """The report's 3x3 convolution and 2x2 pooling; with --convolutions 2, a 'same' 3x3 convolution before it
    (the block's output keeps the report's size, so the dense layers do too)."""
    extra = [keras.layers.Conv2D(filters, 3, padding="same", activation="relu")
             for _ in range(args.convolutions - 1)]
    return [*extra, keras.layers.Conv2D(filters, 3, activation="relu"), keras.layers.MaxPooling2D(2)]


model = keras.Sequential(
    [
        keras.Input(shape=(preprocess.IMAGE_SIZE, preprocess.IMAGE_SIZE, 1)),
        *convolution_block(args.filters[0]),
        *convolution_block(args.filters[1]),
        keras.layers.Flatten(),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(128, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(64, activation="relu"),
        keras.layers.Dropout(0.2),
        keras.layers.Dense(NUM_CLASSES, activation="softmax"),
    ],
    name="digit_cnn",
)
model.compile(
    optimizer=keras.optimizers.Adamax(args.learning_rate, use_ema=args.ema, ema_momentum=EMA_MOMENTUM),
    loss="categorical_crossentropy",
    metrics=[
        "accuracy",
        keras.metrics.TopKCategoricalAccuracy(k=3, name="top3_accuracy"),
        keras.metrics.Precision(name="precision"),
        keras.metrics.Recall(name="recall"),
    ],
)
if args.init:  # a trained model's weights; an output it lacks starts silent (no weight, a low bias)
    trained = keras.saving.load_model(args.init, safe_mode=True)
    for layer, source in zip(model.layers, trained.layers, strict=True):
        weights = source.get_weights()
        if layer is model.layers[-1] and weights[0].shape[1] < NUM_CLASSES:
            added = NUM_CLASSES - weights[0].shape[1]
            weights = [np.pad(weights[0], ((0, 0), (0, added))), np.pad(weights[1], (0, added), constant_values=-4)]
        layer.set_weights(weights)
model.summary()

# --- Train ---------------------------------------------------------------------

checkpoints = args.out / "checkpoints"
checkpoints.mkdir(parents=True, exist_ok=True)
callbacks = [keras.callbacks.ModelCheckpoint(checkpoints / "model_epoch_{epoch:02d}.keras")]
if args.ema:  # the averaged weights in for validation and the checkpoint, so first of the callbacks
    callbacks.insert(0, keras.callbacks.SwapEMAWeights(swap_on_epoch=True))
if args.reduce_lr:
    callbacks.append(keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=3, min_lr=1e-5, verbose=1))
history = model.fit(train_ds, validation_data=val_ds, epochs=args.epochs, callbacks=callbacks)

# --- Evaluate ------------------------------------------------------------------

best_epoch = int(np.argmin(history.history["val_loss"])) + 1
best = checkpoints / f"model_epoch_{best_epoch:02d}.keras"
model_path = args.out / "model.keras"
shutil.copyfile(best, model_path)
model = keras.saving.load_model(model_path, safe_mode=True)
test_metrics = model.evaluate(test_ds, return_dict=True, verbose=0)
predicted = model.predict(test_ds, verbose=0).argmax(axis=1)


def confusion_matrix(labels, predicted):
    """Counts of (true digit, predicted digit)."""
    confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), int)
    np.add.at(confusion, (labels, predicted), 1)
    return confusion


def per_class_figures(confusion):
    figures = {}
    for digit in range(NUM_CLASSES):
        hits = confusion[digit, digit]
        precision = hits / max(confusion[:, digit].sum(), 1)
        recall = hits / max(confusion[digit].sum(), 1)
        figures[str(digit)] = {
            "precision": round(float(precision), 5),
            "recall": round(float(recall), 5),
            "f1": round(float(2 * precision * recall / max(precision + recall, 1e-12)), 5),
            "support": int(confusion[digit].sum()),
        }
    return figures


confusion = confusion_matrix(y_test, predicted)
per_class = per_class_figures(confusion)

reports = args.out / "reports"
reports.mkdir(parents=True, exist_ok=True)
metrics = {
    "command": shlex.join(["python", "train.py", *sys.argv[1:]]),
    "model_sha256": hashlib.sha256(model_path.read_bytes()).hexdigest(),
    "epoch_chosen": best_epoch,
    "epochs": args.epochs,
    "seed": args.seed,
    "augment": args.augment,
    "filters": list(args.filters),
    "convolutions": args.convolutions,
    "classes": NUM_CLASSES,
    "init": None if not args.init else {"path": str(args.init), "sha256": hub.sha256(args.init)},
    "test": {name: round(float(value), 5) for name, value in test_metrics.items()},
    "test_errors": int(len(y_test) - np.trace(confusion)),
    "test_size": int(len(y_test)),
    "training_size": int(len(y_train)),  # every digit trained on each epoch, feedback repeats included
    "training": {name: round(float(values[best_epoch - 1]), 5) for name, values in history.history.items()
                 if not name.startswith("val_")},
    "validation": {name[4:]: round(float(values[best_epoch - 1]), 5) for name, values in history.history.items()
                   if name.startswith("val_")},
    "per_class": per_class,
    "confusion_matrix": confusion.tolist(),
    "pendigits": None,
    "not_digits": None,
    "feedback": None if not args.feedback else {
        "source": args.feedback,
        "records": len(records),
        "duplicates": feedback_duplicates,
        "used": int(len(y_feedback)),
        "weight": args.feedback_weight,
        "per_digit": {str(d): int(np.sum(y_feedback == d)) for d in range(NUM_CLASSES)},
    },
    "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__},
}
if args.pendigits:
    pen_scores = model.predict(x_pen_test, batch_size=1024, verbose=0)
    pen_predicted = pen_scores.argmax(axis=1)
    pen_confusion = confusion_matrix(y_pen_test, pen_predicted)
    hits = pen_predicted == y_pen_test
    by_writer = {int(w): round(float(np.mean(hits[pen_test_writers == w])),
                               5) for w in np.unique(pen_test_writers)}
    metrics["pendigits"] = {
        "what": f"the {len(by_writer)} writers of {datasets.PENDIGITS_FILES['test']}, never trained on: each digit "
                "drawn once on a canvas (seeded by --seed + 1) and read through prepare()",
        "training_digits": int(len(y_pen)),
        "renderings": args.renderings,
        "validation_writers": sorted(int(w) for w in val_writers),
        "validation_accuracy": round(float(np.mean(model.predict(x_pen_val, batch_size=1024, verbose=0).argmax(1)
                                                   == y_pen_val)), 5),
        "test_accuracy": round(float(np.trace(pen_confusion) / len(y_pen_test)), 5),
        "test_top3_accuracy": round(float(np.mean((np.argsort(-pen_scores, 1)[:, :3] == y_pen_test[:, None]).any(1))),
                                    5),
        "test_errors": int(len(y_pen_test) - np.trace(pen_confusion)),
        "test_size": int(len(y_pen_test)),
        "worst_writer": min(by_writer.items(), key=lambda item: item[1]),
        "per_writer": by_writer,
        "per_class": per_class_figures(pen_confusion),
        "confusion_matrix": pen_confusion.tolist(),
    }
if args.not_digits:
    held_out = [(NOT_A_DIGIT, c.strokes) for c in datasets.load_omniglot(datasets.omniglot_file(args.not_digits),
                                                                         datasets.OMNIGLOT_HELD_OUT)
                if (c.alphabet, c.character) not in datasets.OMNIGLOT_DIGIT_LIKE]
    x_held_out, _ = drawn(held_out, 1, np.random.default_rng(args.seed + 3), False)
    metrics["not_digits"] = {
        "what": f"Omniglot's {', '.join(datasets.OMNIGLOT_HELD_OUT)} alphabets, never trained on, drawn once each; "
                "'not a digit' when that class scores highest",
        "training_drawings": int(len(y_not)),
        "held_out_flagged": round(float(np.mean(model.predict(x_held_out, batch_size=1024, verbose=0).argmax(1)
                                                == NOT_A_DIGIT)), 5),
        "held_out_size": int(len(x_held_out)),
        "validation_flagged": round(float(np.mean(model.predict(x_not_val, batch_size=1024, verbose=0).argmax(1)
                                                  == NOT_A_DIGIT)), 5),
        "mnist_test_flagged": round(float(np.mean(predicted == NOT_A_DIGIT)), 5),
        "pen_test_flagged": None if not args.pendigits else round(float(np.mean(
            model.predict(x_pen_test, batch_size=1024, verbose=0).argmax(1) == NOT_A_DIGIT)), 5),
    }
(reports / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def plot_confusion(confusion, title, path):
    fig, ax = plt.subplots(figsize=(7, 6))
    shown = np.where(confusion > 0, confusion, np.nan)
    image = ax.imshow(np.log10(shown), cmap="Blues")
    for (true, guess), count in np.ndenumerate(confusion):
        if count:
            colour = "white" if true == guess else "black"
            ax.text(guess, true, str(count), ha="center", va="center", fontsize=8, color=colour)
    names = [str(d) for d in range(NUM_DIGITS)] + ["not"] * (NUM_CLASSES - NUM_DIGITS)
    ax.set(xticks=range(NUM_CLASSES), yticks=range(NUM_CLASSES), xticklabels=names, yticklabels=names,
           xlabel="predicted", ylabel="true")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, label="log10(count)")
    fig.tight_layout()
    fig.savefig(path, dpi=120)


plot_confusion(confusion, f"MNIST test: {metrics['test']['accuracy']:.2%} correct, {metrics['test_errors']} errors",
               reports / "confusion_matrix.png")
if args.pendigits:
    pen = metrics["pendigits"]
    plot_confusion(pen_confusion, f"Pen digits, {len(by_writer)} unseen writers: {pen['test_accuracy']:.2%} correct, "
                   f"{pen['test_errors']} errors", reports / "confusion_matrix_pendigits.png")

epochs = np.arange(1, args.epochs + 1)
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
for ax, name in zip(axes, ("loss", "accuracy"), strict=True):
    ax.plot(epochs, history.history[name], marker=".", label="training")
    ax.plot(epochs, history.history[f"val_{name}"], marker=".", label="validation")
    ax.axvline(best_epoch, color="grey", linestyle="--", label=f"chosen: epoch {best_epoch}")
    ax.set(xlabel="epoch", ylabel=name, title=f"{name} per epoch")
    ax.grid(alpha=0.3)
    ax.legend()
axes[1].set_ylim(max(0.95, min(history.history["accuracy"])), 1.0)
fig.tight_layout()
fig.savefig(reports / "training_curves.png", dpi=120)

print(f"epoch {best_epoch} -> {model_path}: test accuracy {metrics['test']['accuracy']:.4f}, "
      f"top-3 {metrics['test']['top3_accuracy']:.4f}, reports in {reports}")
if args.pendigits:
    print(f"pen digits, {len(by_writer)} unseen writers: {pen['test_accuracy']:.4f}, "
          f"worst writer {pen['worst_writer']}")

# --- Publish -------------------------------------------------------------------

if args.push_to_hub:
    try:
        commit = hub.push_to_hub(args.push_to_hub, args.out)
    except hub.ModelFileError as e:
        sys.exit(f"train.py: {e} (model.keras and reports/ are saved in {args.out})")
    print(f"published to {commit.repo_url}: {commit.commit_url}")
