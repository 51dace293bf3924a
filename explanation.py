"""Why the model read a digit, and what its convolutions see: the "Why?" and "Inside the network" panels.

Why: gradient x input of the margin between the top digit's score and the runner-up's (the last
layer's scores before its softmax), on the 28x28 the model read. Positive where the ink pushed the
reading towards the top digit, negative where it pointed to the runner-up; zero off the ink.
Only outputs 0-9 are digits: a model with more outputs (an 11th, "not a digit") is explained
between its two likeliest digits all the same.

Inside: each convolution's feature maps for the same 28x28, as small multiples.
"""

import cv2
import gradio as gr
import keras
import numpy as np
import tensorflow as tf

import preprocess

DIGITS = 10  # outputs 0-9 are digits; any after them are not explained
# Diverging colours that read on a light and a dark page alike: each map is an opaque tile of its own.
FOR_TOP = np.array([214, 39, 40], np.float32)  # red
FOR_RUNNER_UP = np.array([31, 119, 180], np.float32)  # blue
PAPER = 255.0  # the tile's background, white
INK_SHADE = 70.0  # the digit's ink, light grey under the colours: where the evidence lies on it
TILE_COLUMNS = 8  # feature maps per row
TILE_GAP = 1  # pixels between feature maps
TILE_SCALE = 3  # each feature map's pixel shown this many pixels wide (a gallery smooths what it enlarges)
GAP_GREY = 128
NOTHING_TO_EXPLAIN = "Nothing to explain yet: draw a digit from 0 to 9."
# A panel follows the drawing only while it is open: the image's change clicks its hidden refresh button
# then, in the browser, so that a closed panel costs no request at all.
REFRESH_IF_OPEN = """() => {
  for (const id of %s) {
    const button = document.querySelector('#' + id);
    const content = button && button.closest('[data-testid="accordion-content"]');
    if (content && content.checkVisibility()) button.click();
  }
}"""


def legend(top, runner_up):
    """The map's one-sentence legend."""
    return f"**Red**: what made it a {top} rather than a {runner_up}; **blue**: what looked more like a {runner_up}."


class Explainer:
    """A Keras model ending in a Dense softmax layer -> its evidence maps and feature maps."""

    def __init__(self, model):
        scores = model.layers[-1]
        if not isinstance(scores, keras.layers.Dense):
            raise ValueError(f"the model must end in a Dense layer, not {type(scores).__name__}")
        convolutions = [layer for layer in model.layers if isinstance(layer, keras.layers.Conv2D)]
        self.names = [layer.name for layer in convolutions]
        # The scores' input, to compute the scores before the softmax (the margin in probabilities saturates).
        inputs = keras.Input(model.input_shape[1:])
        outputs = inputs
        hidden = None
        conv_outputs = []
        for layer in model.layers:
            if layer is scores:
                hidden = outputs
            outputs = layer(outputs)
            if layer in convolutions:
                conv_outputs.append(outputs)
        self.hidden = keras.Model(inputs, hidden)
        self.convolutions = keras.Model(inputs, conv_outputs)
        self.kernel, self.bias = scores.kernel, scores.bias
        self._evidence = tf.function(self._gradient_times_input, input_signature=[
            tf.TensorSpec([None, preprocess.IMAGE_SIZE, preprocess.IMAGE_SIZE, 1], tf.float32)])
        self.evidence(np.zeros((1, preprocess.IMAGE_SIZE, preprocess.IMAGE_SIZE, 1), np.float32))  # traced now, once

    def _gradient_times_input(self, digits):
        with tf.GradientTape() as tape:
            tape.watch(digits)
            logits = (tf.matmul(self.hidden(digits, training=False), self.kernel) + self.bias)[:, :DIGITS]
            top_two = tf.math.top_k(logits, 2).indices
            margin = (tf.gather(logits, top_two[:, 0], batch_dims=1) - tf.gather(logits, top_two[:, 1], batch_dims=1))
        # The gradient of the margins' sum: each digit's own, as the digits are independent (no batch statistics).
        return tape.gradient(margin, digits)[..., 0] * digits[..., 0], top_two

    def evidence(self, digits):
        """Prepared digits (N, 28, 28, 1) -> (maps (N, 28, 28), top digits (N,), runner-up digits (N,))."""
        maps, top_two = self._evidence(tf.convert_to_tensor(digits, tf.float32))
        top_two = top_two.numpy()
        return maps.numpy(), top_two[:, 0], top_two[:, 1]

    def feature_maps(self, digit):
        """A prepared (28, 28, 1) digit -> [(layer name, (H, W, C) activations)], one per convolution."""
        outputs = self.convolutions(digit[np.newaxis], training=False)
        outputs = outputs if isinstance(outputs, list | tuple) else [outputs]
        return [(name, np.asarray(maps)[0]) for name, maps in zip(self.names, outputs, strict=True)]

    def explain(self, digit):
        """A prepared (28, 28, 1) digit -> (its evidence map as RGB, the legend)."""
        maps, top, runner_up = self.evidence(digit[np.newaxis])
        return render_evidence(digit[..., 0], maps[0]), legend(int(top[0]), int(runner_up[0]))

    def sheets(self, digit):
        """A prepared (28, 28, 1) digit -> the gallery's [(image, caption)], one per convolution."""
        layers = self.feature_maps(digit)
        return [(render_feature_maps(maps), f"Convolution {number} of {len(layers)}: {maps.shape[2]} maps "
                 f"of {maps.shape[0]}×{maps.shape[1]}") for number, (_, maps) in enumerate(layers, 1)]

    # --- The page's handlers: any image prepare() takes (an upload), or the 28x28 the model saw ------------

    def why(self, image):
        """Show which strokes made the model read the digit it read, rather than its second guess.

        Gradient x input over the 28x28 image the model reads (an image is cropped, scaled and
        centred as for classify): red pixels made the top digit more likely than the runner-up
        digit, blue ones less.

        Args:
            image: the image of one digit, as a URL or a file uploaded to this app.

        Returns:
            the 28x28 map as an RGB image (None when there is nothing to explain)
            its legend in words, naming the top digit and the runner-up, or why there is no map
        """
        digit, message = _prepared(image)
        return (None, message) if digit is None else self.explain(digit)

    def inside(self, image):
        """Any image prepare() takes -> the gallery's [(image, caption)], one per convolution; [] if none."""
        digit, _ = _prepared(image)
        return [] if digit is None else self.sheets(digit)

    def why_seen(self, seen):
        """The 28x28 the model saw, as the page shows it (uint8, grey or RGB; None) -> what why returns."""
        return (None, NOTHING_TO_EXPLAIN) if seen is None else self.explain(_from_view(seen))

    def inside_seen(self, seen):
        """The 28x28 the model saw, as the page shows it -> what inside returns."""
        return [] if seen is None else self.sheets(_from_view(seen))


def add_panels(why, inside, source, name, **event_options):
    """Inside a gr.Blocks: the "Why?" and "Inside the network" accordions, closed, that show why(source's value)
    and inside(source's value) while open. name: the elements' ids' prefix; event_options: for the events that
    read `source` (preprocess=False for an upload; api_name and api_visibility for "Why?")."""
    with gr.Accordion("Why?", open=False) as why_panel:
        evidence = gr.Image(label="What made it this digit (the 28×28 it saw)", format="png", interactive=False,
                            height=224, elem_id=f"{name}-why", elem_classes="model-view")
        why_legend = gr.Markdown()
        why_refresh = gr.Button(visible="hidden", elem_id=f"{name}-why-refresh")
    with gr.Accordion("Inside the network", open=False) as inside_panel:
        gr.Markdown("What each convolution's filters respond to in this drawing: bright where a filter fires.")
        sheets = gr.Gallery(label="Feature maps", columns=1, object_fit="contain", format="png",
                            elem_id=f"{name}-inside", elem_classes="model-view")
        inside_refresh = gr.Button(visible="hidden", elem_id=f"{name}-inside-refresh")
    event_options.setdefault("api_visibility", "private")
    quiet = dict(show_progress="hidden", trigger_mode="always_last", preprocess=event_options.pop("preprocess", True))
    why_panel.expand(why, source, [evidence, why_legend], **quiet, **event_options)
    why_refresh.click(why, source, [evidence, why_legend], **quiet, api_visibility="private")
    inside_panel.expand(inside, source, sheets, **quiet, api_visibility="private")
    inside_refresh.click(inside, source, sheets, **quiet, api_visibility="private")
    source.change(None, js=REFRESH_IF_OPEN % [f"{name}-why-refresh", f"{name}-inside-refresh"])


def _prepared(image):
    """(the prepared digit, "") or (None, why there is none, in words); raises gr.Error for an unreadable image."""
    try:
        digit = preprocess.prepare(image)
    except preprocess.NotADigitError as e:
        return None, str(e)
    except preprocess.ImageError as e:
        raise gr.Error(str(e), title="Cannot read this image") from None
    return (None, NOTHING_TO_EXPLAIN) if digit is None else (digit, "")


def _from_view(seen):
    """The page's 28x28 view (app.model_view: the prepared digit in whole levels) -> a prepared digit."""
    grey = seen if seen.ndim == 2 else seen[..., 0]
    return (grey.astype(np.float32) / 255)[..., np.newaxis]


def render_evidence(digit, evidence):
    """A (28, 28) digit in [0, 1] and its evidence map -> uint8 RGB: the digit in light grey on white,
    red where the evidence is for the top digit and blue where against, as strong as it is."""
    strength = np.abs(evidence) / max(float(np.abs(evidence).max()), 1e-12)
    colour = np.where((evidence >= 0)[..., np.newaxis], FOR_TOP, FOR_RUNNER_UP)
    base = np.repeat((PAPER - INK_SHADE * digit)[..., np.newaxis], 3, axis=2)
    weight = np.sqrt(strength)[..., np.newaxis]  # faint evidence stays visible
    return np.round(base * (1 - weight) + colour * weight).astype(np.uint8)


def render_feature_maps(maps):
    """(H, W, C) activations -> one uint8 RGB image: the C maps in rows of TILE_COLUMNS, each enlarged
    TILE_SCALE times, viridis from no activation to the layer's strongest."""
    height, width, channels = maps.shape
    rows = -(-channels // TILE_COLUMNS)
    levels = np.round(255 * np.clip(maps, 0, None) / max(float(maps.max()), 1e-12)).astype(np.uint8)
    coloured = cv2.cvtColor(cv2.applyColorMap(levels.reshape(height, -1), cv2.COLORMAP_VIRIDIS), cv2.COLOR_BGR2RGB)
    coloured = coloured.reshape(height, width, channels, 3)
    sheet = np.full((rows * (height + TILE_GAP) - TILE_GAP, TILE_COLUMNS * (width + TILE_GAP) - TILE_GAP, 3),
                    GAP_GREY, np.uint8)
    for channel in range(channels):
        top, left = divmod(channel, TILE_COLUMNS)
        top, left = top * (height + TILE_GAP), left * (width + TILE_GAP)
        sheet[top : top + height, left : left + width] = coloured[:, :, channel]
    return cv2.resize(sheet, None, fx=TILE_SCALE, fy=TILE_SCALE, interpolation=cv2.INTER_NEAREST)
