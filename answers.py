"""What the page and the API answer for the model's scores: a Label's value, a number's text, hints in words.

The model scores the ten digits and, if it learnt one (train.py --not-digits), an eleventh class:
"not a digit". A drawing is not a digit when that class scores highest. The answer then says so
(the Label's top entry is NOT_A_DIGIT, a number shows "?" in its place), and still carries the
digits' scores for a curious visitor or program.
"""

import numpy as np

DIGITS = 10
NOT_A_DIGIT = "not a digit"  # the Label's and the API's name of the eleventh class
UNREADABLE = "?"  # a mark that is not a digit, in a number's text
TOP_CLASSES = 5
NOT_A_DIGIT_HINT = ("This does not look like a digit yet. Still drawing? Carry on. Otherwise try a digit "
                    "from 0 to 9: the scores it gave each digit are above.")
NOT_A_DIGIT_PHOTO_HINT = ("This does not look like a digit from 0 to 9. The scores the model gave each digit "
                          "are above, if you are curious.")


def is_not_a_digit(scores):
    """True when the model has an eleventh class and it scores highest."""
    return len(scores) > DIGITS and int(np.argmax(scores)) == DIGITS


def class_name(index):
    return NOT_A_DIGIT if index == DIGITS else str(index)


def probabilities(scores):
    """One drawing's scores -> {"0": p0, ..., "9": p9[, "not a digit": p]}: a Label's value."""
    return {class_name(index): float(p) for index, p in enumerate(scores)}


def digit_details(digit, scores):
    """One digit of a number -> its top 5 (as a Label's value), its box in the image and whether it touched."""
    top = np.argsort(scores)[::-1][:TOP_CLASSES]
    return {
        "label": class_name(int(top[0])),
        "confidences": [{"label": class_name(int(index)), "confidence": float(scores[index])} for index in top],
        "box": dict(zip(("x", "y", "width", "height"), digit.box, strict=True)),
        "touching": digit.touching,
    }


def number_text(details):
    """A number's digits, left to right, with UNREADABLE where a mark is not a digit."""
    return "".join(UNREADABLE if detail["label"] == NOT_A_DIGIT else detail["label"] for detail in details)


def ordinal(place):
    return f"{place}{'th' if 10 <= place % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(place % 10, 'th')}"


def number_hint(details):
    """Which marks are not digits and which digits were cut apart, in words; "" when neither."""
    lines = []
    unreadable = [ordinal(place) for place, detail in enumerate(details, 1) if detail["label"] == NOT_A_DIGIT]
    if unreadable:
        marks = unreadable[0] if len(unreadable) == 1 else f"{', '.join(unreadable[:-1])} and {unreadable[-1]}"
        lines.append(f"The {marks} mark from the left does not look like a digit: it is shown as "
                     f"{UNREADABLE}. Write it again as a digit from 0 to 9.")
    cut = [str(place) for place, detail in enumerate(details, 1) if detail["touching"]]
    if cut:
        lines.append(f"Digits {', '.join(cut[:-1])} and {cut[-1]} (from the left) touched: they were cut apart "
                     "where the ink is thinnest. If they are misread, leave a gap between them.")
    return "\n\n".join(lines)
