"""Visitors' records held out from training: how a model reads them, beside the model that was live.

    python benchmarks/feedback_records.py --records held-out/   # a folder of feedback records (feedback.py)
    python benchmarks/feedback_records.py --records <user>/<dataset> --model model.keras

Keep the records collected after a training run (or a share of them) out of --feedback,
and point this at them. Each record holds the digit its writer chose and the top 5 of the
model that read it then (its sha256 recorded): the table compares that reading with the
--model's reading of the same 28x28, overall and by digit, each 28x28 counted once.
"""

import argparse
import sys
from pathlib import Path

import numpy as np
from huggingface_hub import snapshot_download

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import keras  # noqa: E402

import datasets  # noqa: E402
import feedback  # noqa: E402

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--records", required=True, help="a folder of feedback records, or a Hub dataset repo id")
parser.add_argument("--model", type=Path, default=ROOT / "model.keras")
args = parser.parse_args()

folder = args.records if Path(args.records).is_dir() else snapshot_download(args.records, repo_type="dataset")
records = feedback.read_records(folder)
if not records:
    sys.exit(f"feedback_records.py: no feedback records in {folder}")
kept, duplicates = feedback.unique_records(records)
pixels, labels = feedback.digits_and_labels(kept)
live = np.array([int(record["top5"][0]["label"]) for record in kept])  # the model that read it then
model = keras.saving.load_model(args.model, safe_mode=True)
now = model.predict(datasets.scale_pixels(pixels), verbose=0).argmax(axis=1)

print(f"{len(labels)} digits from {len(records)} records ({duplicates} duplicates) in {folder}; "
      f"live models: {sorted({r['model_sha256'][:12] for r in records})}; --model {args.model}")
print("digit  records  live model  --model")
for digit in range(10):
    mine = labels == digit
    if mine.any():
        live_read, now_read = np.mean(live[mine] == digit), np.mean(now[mine] == digit)
        print(f"{digit:>5}  {mine.sum():>7}  {live_read:>10.1%}  {now_read:>7.1%}")
print(f"  all  {len(labels):>7}  {np.mean(live == labels):>10.1%}  {np.mean(now == labels):>7.1%}")
