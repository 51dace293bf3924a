"""Digit Recognizer: draw a digit and see the model's top five as you draw.

Data path: drawing -> preprocess.prepare (centred 28x28) -> model (classify_digits) -> top-5 -> Label,
whose top entry is "not a digit" when the model's eleventh class wins (answers.py).
A number: drawing -> splitting.split_number (digits left to right, one batched model call) -> "2026".
A correction: the digit clicked + the drawing -> the same path -> feedback.Store (a record on disk).
"""

import io
import os
import sys
from pathlib import Path

import gradio as gr
import keras
import numpy as np
import tensorflow as tf

import answers
import explanation
import feedback
import hub
import preprocess
import splitting

HERE = Path(__file__).parent
# Digits drawn on the canvas, and photographed on paper (examples/make_photos.py); a number photographed.
# A literal: space.py reads it to upload these files and no others.
EXAMPLE_GLOBS = {"digit": ("examples/digit_*.png", "examples/photo_*_[0-9].jpg"),
                 "number": ("examples/photo_*_number_*.jpg",)}
EXAMPLES = [str(path) for pattern in EXAMPLE_GLOBS["digit"] for path in sorted(HERE.glob(pattern))]
NUMBER_EXAMPLES = [str(path) for pattern in EXAMPLE_GLOBS["number"] for path in sorted(HERE.glob(pattern))]
TOP_CLASSES = answers.TOP_CLASSES
CANVAS_SIZE = 600  # square, in canvas pixels
BRUSH_SIZE = 28  # canvas pixels: a felt-tip on a 600-pixel canvas
PREVIEW_SIZE = 224  # CSS pixels: the 28x28 model input shown 8x, with hard pixel edges
EMPTY_HINT = "Nothing drawn yet: draw a digit from 0 to 9."
BLANK_PHOTO_HINT = "No digit in this image: it is blank, or holds only a few dots."
MAX_FILE_SIZE = "20mb"  # Gradio refuses larger uploads with a message; a phone photo is 2 to 12 MB
# The queue, chosen from `python benchmarks/latency.py` (benchmarks/README.md): a request's model
# work is ~1 % of the ~110 ms Gradio spends on it, so batching cannot pay; with no limit per event,
# requests overlap Gradio's own work (as many or more requests a second as a limit of 1 or 2, +19 %
# at 64 clients) and none waits behind a large upload; Gradio's 40 worker threads still bound it.
# A full queue (~9 s of waiting at ~14 requests a second) says so at once.
CONCURRENCY_LIMIT = None  # per event: no limit
QUEUE_SIZE = 128  # waiting requests, all events together
NUMBER_CANVAS = (1200, 400)  # width, height in canvas pixels: room for six digits
NUMBER_BRUSH = 20  # canvas pixels
EMPTY_NUMBER_HINT = "Nothing written yet: write a number, its digits side by side."
THANKS = "Thank you: kept as {what}. Draw the next one."
DISK_TROUBLE = "The server could not save your drawing just now. Nothing was kept; please try again later."
DIGIT_BUTTONS = [str(d) for d in range(10)]
NOT_A_DIGIT_BUTTON = "Not a digit"

# --- The model, checked and loaded once at start-up ------------------------------

try:
    MODEL_PATH = hub.find_model(HERE)  # beside app.py, else from the Hub repo $MODEL_REPO; sha256 as reported
except hub.ModelFileError as e:
    sys.exit(f"app.py: {e}")
model = keras.saving.load_model(MODEL_PATH, safe_mode=True)  # safe_mode: no Python code stored in the file is run


# Traced once for any batch size, so that a drawing costs no Python-level Keras work
# (~0.7-1.4 ms, where model.predict costs ~40 ms and predict_on_batch ~1.2 ms); one digit
# and a number's digits take the same path.
@tf.function(input_signature=[tf.TensorSpec([None, preprocess.IMAGE_SIZE, preprocess.IMAGE_SIZE, 1], tf.float32)])
def model_scores(digits):
    return model(digits, training=False)


def classify_digits(digits):
    """Prepared digits (N, 28, 28, 1) -> (N, 11) probabilities: the ten digits', then "not a digit"'s."""
    return model_scores(digits).numpy()


classify_digits(np.zeros((1, preprocess.IMAGE_SIZE, preprocess.IMAGE_SIZE, 1), np.float32))  # trace it at start-up
explainer = explanation.Explainer(model)  # the "Why?" and "Inside the network" panels

FEEDBACK_DIR = Path(os.environ.get(feedback.FOLDER_ENV, HERE / "feedback"))
feedback_pusher = feedback.start_pushing(FEEDBACK_DIR)  # None: the records stay local
feedback_store = feedback.Store(FEEDBACK_DIR, hub.sha256(MODEL_PATH), feedback_pusher)


def probabilities(digit):
    """A prepared (28, 28, 1) digit -> {"0": p0, ..., "9": p9, "not a digit": p}."""
    return answers.probabilities(classify_digits(digit[np.newaxis])[0])


def predict(image):
    """Any image prepare() accepts -> {class: probability} for the ten digits and "not a digit"; {} if blank."""
    digit = preprocess.prepare(image)
    return {} if digit is None else probabilities(digit)


# --- Handlers ------------------------------------------------------------------


def explain(error):
    """A preprocess.ImageError -> the gr.Error the user sees: what is wrong and what to do, in words."""
    if isinstance(error, splitting.TooManyDigitsError):
        title = "Too long a number"
    elif isinstance(error, preprocess.NotADigitError):
        title = "No single digit to read"
    else:
        title = "Cannot read this image"
    return gr.Error(str(error), title=title)


def model_view(digit):
    """The 28x28 the model saw, as it is: the page enlarges it (CSS), so each stroke sends 28x28, not 224x224."""
    return np.round(digit[..., 0] * 255).astype(np.uint8)


def read_drawing(image):
    """A drawing or photo -> (top-5 Label, the model's view, hint).

    A scribble that is no digit is explained in the hint beside the canvas, not in a
    pop-up at every stroke; so is a drawing the model finds is not a digit (or not yet:
    a 4's first stroke); input that cannot be read at all is an error.
    """
    try:
        digit = preprocess.prepare(image)
    except preprocess.NotADigitError as e:
        return None, None, str(e)
    except preprocess.ImageError as e:
        raise explain(e) from None
    if digit is None:
        return None, None, EMPTY_HINT
    scores = probabilities(digit)
    return scores, model_view(digit), answers.NOT_A_DIGIT_HINT if is_not_a_digit(scores) else ""


def is_not_a_digit(scores):
    """A Label's value -> whether "not a digit" leads it."""
    return max(scores, key=scores.get) == answers.NOT_A_DIGIT


def tell_the_digit(drawing, digit, request: gr.Request):
    """The visitor clicks the digit they drew, or "Not a digit" (a correction, or a confirmation): keep the
    drawing with it.

    Only this click saves anything; a blank or not-a-digit drawing, or one past feedback.Store's
    caps, is refused with a message and the canvas kept.
    """
    try:
        prepared = preprocess.prepare(drawing)
    except preprocess.ImageError as e:
        raise explain(e) from None
    if prepared is None:
        raise gr.Error(EMPTY_HINT, title="Nothing to keep")
    # the button's text; the store refuses all but 0-9 and NOT_A_DIGIT
    label = feedback.NOT_A_DIGIT if digit == NOT_A_DIGIT_BUTTON else int(digit) if digit in DIGIT_BUTTONS else None
    try:
        feedback_store.save(drawing, prepared, label, classify_digits(prepared[np.newaxis])[0], request.session_hash)
    except feedback.Refused as e:
        raise gr.Error(str(e), title="Not kept") from None
    except OSError:  # the disk is full or failing: the visitor can do nothing but try later
        raise gr.Error(DISK_TROUBLE, title="Not kept") from None
    return THANKS.format(what="not a digit" if label == feedback.NOT_A_DIGIT else f"a {label}")


# The upload events skip Gradio's own image decoding (preprocess=False): prepare() opens
# the file itself, refusing a huge one before decoding it, reading a large JPEG at a
# reduced scale.


def classify(upload):
    """Read one handwritten digit (0 to 9) in an image, with a small CNN trained on MNIST and real handwriting.

    The image may be a photo, a scan or a drawing of a single digit, dark on light or light on dark
    (PNG, JPEG or WebP, up to 20 MB). It is cropped to the ink, scaled and centred as MNIST's digits
    were before the model reads it. For several digits written side by side, use read_number. An
    image with no single digit in it (noise, a painted-over canvas), or no image, is refused with
    an error that says why. A drawing that is no digit (a letter, a sign, a doodle) is answered with the
    label "not a digit"; its confidences still list the digits' scores.

    Args:
        upload: the image of one digit, as a URL or a file uploaded to this app.

    Returns:
        the five likeliest classes, best first: {"label": "7", "confidences": [{"label": "7", "confidence": 0.99},
        ...]}; "label" is "not a digit" when the image holds no digit; {} when the image is blank
    """
    try:
        digit = preprocess.prepare(upload)
    except preprocess.ImageError as e:
        raise explain(e) from None
    return None if digit is None else probabilities(digit)


def show_model_view(upload):
    """An uploaded image -> (the model's view, hint); the Label, or the error, comes from classify."""
    try:
        digit = preprocess.prepare(upload)
    except preprocess.ImageError as e:
        return None, str(e)  # classify shows it as an error too
    if digit is None:
        return None, BLANK_PHOTO_HINT
    return model_view(digit), answers.NOT_A_DIGIT_PHOTO_HINT if is_not_a_digit(probabilities(digit)) else ""


def read_sketch_image(file, flatten_on_white=False):
    """Reads each image the Sketchpad is sent (background, layers, composite) in place of Gradio's decoding.

    preprocess.read_image, as for an upload: a huge or broken file is answered in words
    before any heavy work, a photo is turned upright, 16-bit and float images are read.
    flatten_on_white is Gradio's, for image modes without alpha; this Sketchpad's is RGBA.
    """
    if file is None:
        return None
    source = io.BytesIO(file) if isinstance(file, bytes | bytearray | memoryview) else file.path
    try:
        return preprocess.read_image(source)
    except preprocess.ImageError as e:
        raise explain(e) from None


def show_number(digits):
    """splitting.split_number's digits -> (the number, per-digit details, the crops the model saw,
    each digit's top 5, hint)."""
    if not digits:
        return "", [], None, None, EMPTY_NUMBER_HINT
    details = [answers.digit_details(digit, scores) for digit, scores in digits]
    number = answers.number_text(details)
    crops = [(model_view(digit.image), f"{place}: {detail['label']}")
             for place, ((digit, _), detail) in enumerate(zip(digits, details, strict=True), 1)]
    top5 = [[place, *(f"{c['label']}  {c['confidence']:.1%}" for c in detail["confidences"])]
            for place, detail in enumerate(details, 1)]
    return number, details, crops, top5, answers.number_hint(details)


def read_number(image):
    """Read a handwritten number, its digits side by side in one row (up to 12 digits), from an image.

    The digits are found left to right, two that touch are cut apart where the ink is thinnest,
    and each is read by the same CNN as classify (in one batched call). Signs, decimal points and
    commas are not read: a mark that is not a digit is "?" in the number, and "not a digit" in its details.

    Args:
        image: the image of the number (PNG, JPEG or WebP, up to 20 MB), as a URL or a file uploaded to this app.

    Returns:
        the number as a string of digits, "?" for a mark that is no digit ("" when the image is blank)
        per digit, left to right: {"label" (a digit, or "not a digit"), "confidences" (its top 5),
        "box" (x, y, width, height), "touching"}
        the 28x28 crops the model read
        each digit's top 5 as a table
        a hint in words (which marks are no digit, which digits touched and were cut apart), or ""
    """
    try:
        digits = splitting.split_number(image, classify_digits)
    except preprocess.ImageError as e:
        raise explain(e) from None
    return show_number(digits)


def read_number_drawing(image):
    """The Number tab's drawing -> what show_number shows. As read_drawing does, a scribble that is no
    number is explained in the hint, not in a pop-up at every stroke."""
    try:
        digits = splitting.split_number(image, classify_digits)
    except preprocess.NotADigitError as e:
        return "", [], None, None, str(e)
    except preprocess.ImageError as e:
        raise explain(e) from None
    return show_number(digits)


# --- The page ------------------------------------------------------------------

# The 28x28 previews shown large with hard pixel edges, by the browser; the ten digit buttons
# fit one row on a phone (412 CSS pixels) with narrow gaps.
CSS = (".model-view img { image-rendering: pixelated; object-fit: contain; width: 100%; height: 100%; } "
       "#tell-the-digit { gap: 4px; }")

# Gradio's Sketchpad starts, and restarts after a clear, with no tool picked ("select
# the draw tool to start"): pick the brush so that a visitor can draw at once. Its buttons
# are found by place, not by label: Gradio translates labels ("Pincel" in a Spanish browser).
PICK_BRUSH = """() => {
  const pick = (tries) => {
    const brush = document.querySelector('#sketchpad .toolbar-wrap button');  // brush, eraser, colour, size
    if (brush) { if (!brush.classList.contains('highlight')) brush.click(); }
    else if (tries > 0) setTimeout(() => pick(tries - 1), 100);
  };
  pick(100);
}"""
# The Clear button presses the Sketchpad's own "Clear canvas", the last button above it:
# emptying it from an event (returning None) clears it once only, and can leave a progress
# overlay over the canvas.
CLEAR_SKETCH = """() => [...document.querySelectorAll('#sketchpad .top-panel button')].pop().click()"""
# The same for the Number tab's Sketchpad.
PICK_NUMBER_BRUSH = PICK_BRUSH.replace("#sketchpad ", "#number-sketchpad ")
CLEAR_NUMBER_SKETCH = CLEAR_SKETCH.replace("#sketchpad ", "#number-sketchpad ")


def kept_line():
    """What the Draw tab says is kept when a visitor clicks a digit; the Hub only when records go there."""
    where = f" They go to the dataset {feedback_pusher.repo_id} on the Hugging Face Hub." if feedback_pusher else ""
    return f"Kept: the drawing and the digit you click, nothing about you.{where}"


def drawing_pad(label, elem_id, canvas_size, brush_size):
    """A Sketchpad ready to draw on: one black brush, no layers, no crop, a fixed canvas."""
    pad = gr.Sketchpad(
        label=label,
        elem_id=elem_id,
        height=canvas_size[1],
        canvas_size=canvas_size,
        fixed_canvas=True,
        type="numpy",
        image_mode="RGBA",
        format="png",
        brush=gr.Brush(default_size=brush_size, colors=["#000000"], color_mode="fixed"),
        layers=False,
        transforms=(),
    )
    # The browser sends the Sketchpad's images in chunks that only Gradio's preprocessing
    # collects (so preprocess=False is no option here); it reads each with this.
    pad.convert_and_format_image = read_sketch_image
    return pad


with gr.Blocks(title="Digit Recognizer") as demo:
    gr.Markdown(
        "# Digit Recognizer\n"
        "Draw a digit: the CNN reads it as you draw and shows its five best guesses, "
        "beside the 28×28 image it actually saw."
    )
    with gr.Tab("Draw"):
        with gr.Row(equal_height=False):
            with gr.Column():
                sketch = drawing_pad("Draw a digit", "sketchpad", (CANVAS_SIZE, CANVAS_SIZE), BRUSH_SIZE)
                clear = gr.Button("Clear", variant="secondary")
            with gr.Column():
                label = gr.Label(num_top_classes=TOP_CLASSES, label="Top 5")
                hint = gr.Markdown(EMPTY_HINT)
                gr.Markdown(f"**Wrong? Tell it.** Click the digit you drew (or Not a digit), or confirm a right "
                            f"reading. {kept_line()}")
                with gr.Row(elem_id="tell-the-digit"):
                    digit_buttons = [gr.Button(d, size="sm", min_width=28) for d in DIGIT_BUTTONS]
                digit_buttons.append(gr.Button(NOT_A_DIGIT_BUTTON, size="sm", elem_id="not-a-digit"))
                thanks = gr.Markdown()
                view = gr.Image(label="What the model saw (28×28)", format="png", interactive=False,
                                height=PREVIEW_SIZE, elem_classes="model-view")
                # The panels read the 28x28 above, not the Sketchpad: each event that reads a Sketchpad
                # has the browser export the canvas again, which takes as long as the reading itself.
                explanation.add_panels(explainer.why_seen, explainer.inside_seen, view, "draw")
    with gr.Tab("Upload"):
        with gr.Row(equal_height=False):
            with gr.Column():
                photo = gr.Image(label="A photo or scan of a digit", type="filepath", sources=["upload", "clipboard"])
                gr.Examples(EXAMPLES, inputs=photo, label="Try one")
            with gr.Column():
                photo_label = gr.Label(num_top_classes=TOP_CLASSES, label="Top 5")
                photo_hint = gr.Markdown()
                photo_view = gr.Image(label="What the model saw (28×28)", format="png", interactive=False,
                                      height=PREVIEW_SIZE, elem_classes="model-view")
                # /explain: callable by programs (README), but no MCP tool: its answer is a picture for a person.
                explanation.add_panels(explainer.why, explainer.inside, photo, "upload", preprocess=False,
                                       api_name="explain", api_visibility="undocumented")
    with gr.Tab("Number") as number_tab:
        number_sketch = drawing_pad("Write a number: digits side by side", "number-sketchpad", NUMBER_CANVAS,
                                    NUMBER_BRUSH)
        number_clear = gr.Button("Clear", variant="secondary")
        with gr.Accordion("Or upload a photo of a number", open=False):
            number_photo = gr.Image(label="A photo or scan of a number", type="filepath",
                                    sources=["upload", "clipboard"])
            gr.Examples(NUMBER_EXAMPLES, inputs=number_photo, label="Try one")
        with gr.Row(equal_height=False):
            with gr.Column():
                number = gr.Textbox(label="Number", elem_id="number", interactive=False)
                number_hint = gr.Markdown(EMPTY_NUMBER_HINT)
                number_top5 = gr.Dataframe(headers=["digit", "1st", "2nd", "3rd", "4th", "5th"],
                                           label="Each digit's top 5", interactive=False)
            with gr.Column():
                number_views = gr.Gallery(label="What the model saw (28×28 per digit)", columns=6, height=280,
                                          object_fit="contain", format="png", elem_classes="model-view")
        with gr.Accordion("Details, as the /read_number API returns them", open=False):
            number_details = gr.JSON(label="Per digit, left to right: top 5, box in the image, touching")

    # The latest stroke wins: while one prediction runs, only the newest drawing waits.
    # Undocumented: callable by programs (README), but no MCP tool: an LLM has no Sketchpad value to send.
    sketch.change(read_drawing, sketch, [label, view, hint], api_name="read_drawing", api_visibility="undocumented",
                  trigger_mode="always_last", show_progress="hidden")
    clear.click(None, js=CLEAR_SKETCH)
    for button in digit_buttons:  # the button's value is its digit
        button.click(tell_the_digit, [sketch, button], thanks, api_visibility="private",
                     show_progress="hidden").success(None, js=CLEAR_SKETCH)
    sketch.clear(None, js=PICK_BRUSH)
    demo.load(None, js=PICK_BRUSH)
    photo.change(classify, photo, photo_label, api_name="classify", preprocess=False, show_progress="hidden")
    photo.change(show_model_view, photo, [photo_view, photo_hint], api_visibility="private", preprocess=False,
                 show_progress="hidden")
    number_outputs = [number, number_details, number_views, number_top5, number_hint]
    number_sketch.change(read_number_drawing, number_sketch, number_outputs, api_name="read_number_drawing",
                         api_visibility="private", trigger_mode="always_last", show_progress="hidden")
    number_photo.change(read_number, number_photo, number_outputs, api_name="read_number", preprocess=False,
                        show_progress="hidden")
    number_clear.click(None, js=CLEAR_NUMBER_SKETCH)
    number_sketch.clear(None, js=PICK_NUMBER_BRUSH)
    number_tab.select(None, js=PICK_NUMBER_BRUSH)
demo.queue(default_concurrency_limit=CONCURRENCY_LIMIT, max_size=QUEUE_SIZE)

if __name__ == "__main__":
    demo.launch(css=CSS, max_file_size=MAX_FILE_SIZE, mcp_server=True)  # classify and read_number as MCP tools
