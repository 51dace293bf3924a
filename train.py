"""Train the report's CNN on MNIST and write model.keras and reports/.

    python train.py --data ../shared/mnist --augment --reduce-lr --epochs 30   # the committed checkpoint
    python train.py --data ../shared/mnist              # the report's plain recipe (the defaults)
    python train.py                                     # MNIST downloaded by Keras
    python train.py ... --push-to-hub <user>/<repo>     # then publish it on the Hub

Every epoch's checkpoint goes to <out>/checkpoints/; the epoch with the lowest
validation loss is evaluated on the 10,000 test digits and becomes <out>/model.keras,
described by <out>/reports/ (metrics.json, confusion_matrix.png, training_curves.png).
With --push-to-hub, model.keras, reports/ and a model card then go to that Hub model repo.
"""

import argparse
import hashlib
import json
import shlex
import shutil
import sys
from pathlib import Path

import numpy as np

import datasets
import hub
import preprocess

# The report's recipe; each is overridable from the command line.
EPOCHS = 50
BATCH_SIZE = 32
LEARNING_RATE = 0.001
VALIDATION_FRACTION = 0.15
SEED = 2
NUM_CLASSES = 10

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--epochs", type=int, default=EPOCHS)
parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
parser.add_argument("--seed", type=int, default=SEED)
parser.add_argument("--data", help="folder of the four MNIST IDX files or a Keras-layout .npz (default: download)")
parser.add_argument("--out", type=Path, default=Path("."), help="where model.keras, reports/ and checkpoints/ go")
parser.add_argument("--augment", action="store_true", help="random shifts, rotations, scales, shears, stroke widths")
parser.add_argument("--reduce-lr", action="store_true", help="halve the learning rate when validation loss stalls")
parser.add_argument("--push-to-hub", metavar="REPO_ID", help="then upload model.keras, reports/ and a model card "
                    "to this Hugging Face model repo (<user>/<name>; needs a token: `hf auth login` or HF_TOKEN)")
args = parser.parse_args()

try:
    (x_train_all, y_train_all), (x_test, y_test) = datasets.load_mnist(args.data)
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


def dataset(images, labels, training):
    """uint8 images and int labels -> batched (x in [0, 1], one-hot y), prefetched."""
    ds = tf.data.Dataset.from_tensor_slices(
        (datasets.scale_pixels(images), keras.utils.to_categorical(labels, NUM_CLASSES))
    )
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

train_ds = dataset(x_train_all[train_idx], y_train_all[train_idx], training=True)
val_ds = dataset(x_train_all[val_idx], y_train_all[val_idx], training=False)
test_ds = dataset(x_test, y_test, training=False)

# --- Build the model -----------------------------------------------------------

model = keras.Sequential(
    [
        keras.Input(shape=(preprocess.IMAGE_SIZE, preprocess.IMAGE_SIZE, 1)),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
        keras.layers.Conv2D(64, 3, activation="relu"),
        keras.layers.MaxPooling2D(2),
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
    optimizer=keras.optimizers.Adamax(LEARNING_RATE),
    loss="categorical_crossentropy",
    metrics=[
        "accuracy",
        keras.metrics.TopKCategoricalAccuracy(k=3, name="top3_accuracy"),
        keras.metrics.Precision(name="precision"),
        keras.metrics.Recall(name="recall"),
    ],
)
model.summary()

# --- Train ---------------------------------------------------------------------

checkpoints = args.out / "checkpoints"
checkpoints.mkdir(parents=True, exist_ok=True)
callbacks = [keras.callbacks.ModelCheckpoint(checkpoints / "model_epoch_{epoch:02d}.keras")]
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

confusion = np.zeros((NUM_CLASSES, NUM_CLASSES), int)
np.add.at(confusion, (y_test, predicted), 1)
per_class = {}
for digit in range(NUM_CLASSES):
    hits = confusion[digit, digit]
    precision = hits / max(confusion[:, digit].sum(), 1)
    recall = hits / max(confusion[digit].sum(), 1)
    per_class[str(digit)] = {
        "precision": round(float(precision), 5),
        "recall": round(float(recall), 5),
        "f1": round(float(2 * precision * recall / max(precision + recall, 1e-12)), 5),
        "support": int(confusion[digit].sum()),
    }

reports = args.out / "reports"
reports.mkdir(parents=True, exist_ok=True)
metrics = {
    "command": shlex.join(["python", "train.py", *sys.argv[1:]]),
    "model_sha256": hashlib.sha256(model_path.read_bytes()).hexdigest(),
    "epoch_chosen": best_epoch,
    "epochs": args.epochs,
    "seed": args.seed,
    "augment": args.augment,
    "test": {name: round(float(value), 5) for name, value in test_metrics.items()},
    "test_errors": int(len(y_test) - np.trace(confusion)),
    "test_size": int(len(y_test)),
    "training": {name: round(float(values[best_epoch - 1]), 5) for name, values in history.history.items()
                 if not name.startswith("val_")},
    "validation": {name[4:]: round(float(values[best_epoch - 1]), 5) for name, values in history.history.items()
                   if name.startswith("val_")},
    "per_class": per_class,
    "confusion_matrix": confusion.tolist(),
    "versions": {"tensorflow": tf.__version__, "keras": keras.__version__, "numpy": np.__version__},
}
(reports / "metrics.json").write_text(json.dumps(metrics, indent=2) + "\n")

import matplotlib  # noqa: E402

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

fig, ax = plt.subplots(figsize=(7, 6))
shown = np.where(confusion > 0, confusion, np.nan)
image = ax.imshow(np.log10(shown), cmap="Blues")
for (true, guess), count in np.ndenumerate(confusion):
    if count:
        colour = "white" if true == guess else "black"
        ax.text(guess, true, str(count), ha="center", va="center", fontsize=8, color=colour)
ax.set(xticks=range(NUM_CLASSES), yticks=range(NUM_CLASSES), xlabel="predicted digit", ylabel="true digit")
ax.set_title(f"MNIST test: {metrics['test']['accuracy']:.2%} correct, {metrics['test_errors']} errors")
fig.colorbar(image, ax=ax, label="log10(count)")
fig.tight_layout()
fig.savefig(reports / "confusion_matrix.png", dpi=120)

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

# --- Publish -------------------------------------------------------------------

if args.push_to_hub:
    try:
        commit = hub.push_to_hub(args.push_to_hub, args.out)
    except hub.ModelFileError as e:
        sys.exit(f"train.py: {e} (model.keras and reports/ are saved in {args.out})")
    print(f"published to {commit.repo_url}: {commit.commit_url}")
