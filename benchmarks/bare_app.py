"""The bare baseline of benchmarks/browser.py: what Gradio's own digit demo is, in a process of its own.

    GRADIO_SERVER_PORT=7861 python benchmarks/bare_app.py

The app's Sketchpad (the same canvas and brush, the brush picked on load), decoded by Gradio
itself, its composite resized to 28x28 (no crop, no centring) and read by the same model into a
Label. Nothing of app.py is imported: none of its costs are in this baseline. The model is called
through one traced function, as app.py calls it, so the model's own cost is the same in both.
"""

import sys
from pathlib import Path

import cv2
import gradio as gr
import keras
import numpy as np
import tensorflow as tf

ROOT = Path(__file__).resolve().parent.parent
CANVAS_SIZE, BRUSH_SIZE, TOP_CLASSES = 600, 28, 5  # app.py's
PICK_BRUSH = """() => {
  const pick = (tries) => {
    const brush = document.querySelector('#sketchpad .toolbar-wrap button');
    if (brush) { if (!brush.classList.contains('highlight')) brush.click(); }
    else if (tries > 0) setTimeout(() => pick(tries - 1), 100);
  };
  pick(100);
}"""  # app.py's: Gradio's Sketchpad starts with no tool picked

model = keras.saving.load_model(sys.argv[1] if len(sys.argv) > 1 else ROOT / "model.keras", safe_mode=True)
scores = tf.function(lambda digits: model(digits, training=False),
                     input_signature=[tf.TensorSpec([None, 28, 28, 1], tf.float32)])


def recognize(drawing):
    """The canvas's ink (its alpha; on white paper, as the browser sends it, 255 - its grey) resized to 28x28."""
    if drawing is None or drawing["composite"] is None:
        return {}
    canvas = drawing["composite"]
    ink = canvas[..., 3] if canvas[..., 3].min() < 255 else 255 - cv2.cvtColor(canvas, cv2.COLOR_RGBA2GRAY)
    if not ink.any():
        return {}
    digit = cv2.resize(ink, (28, 28), interpolation=cv2.INTER_AREA).astype(np.float32) / 255
    probabilities = scores(digit[np.newaxis, ..., np.newaxis]).numpy()[0]
    return {str(label): float(p) for label, p in enumerate(probabilities[:10])}


with gr.Blocks() as demo:
    sketch = gr.Sketchpad(elem_id="sketchpad", height=CANVAS_SIZE, canvas_size=(CANVAS_SIZE, CANVAS_SIZE),
                          fixed_canvas=True, type="numpy", image_mode="RGBA", format="png", layers=False,
                          transforms=(), brush=gr.Brush(default_size=BRUSH_SIZE, colors=["#000000"],
                                                        color_mode="fixed"))
    label = gr.Label(num_top_classes=TOP_CLASSES)
    sketch.change(recognize, sketch, label, trigger_mode="always_last", show_progress="hidden")
    sketch.clear(None, js=PICK_BRUSH)
    demo.load(None, js=PICK_BRUSH)
scores(np.zeros((1, 28, 28, 1), np.float32))  # traced before the first stroke, as app.py does

if __name__ == "__main__":
    demo.queue(default_concurrency_limit=None).launch(quiet=True)
