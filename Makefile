# The two commands of the README: `make run` and `make test`. Each sets up .venv first.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DATA ?= ../shared/mnist
PENDIGITS ?= ../shared/pendigits
OMNIGLOT ?= ../shared/omniglot

.PHONY: run test train benchmarks space

run: $(VENV)/installed
	$(BIN)/python app.py

test: $(VENV)/installed
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

# Two steps: the digits (about an hour on 2 cores), then "not a digit" learnt from there (about 15 minutes).
RECIPE := --data $(DATA) --pendigits $(PENDIGITS) --filters 32 64 --convolutions 2 --renderings 12 --augment --reduce-lr --ema
DIGITS_MODEL := checkpoints/digits/model.keras

train: $(DIGITS_MODEL)
	$(BIN)/python train.py $(RECIPE) --not-digits $(OMNIGLOT) --init $(DIGITS_MODEL) --learning-rate 0.0003 --epochs 6

$(DIGITS_MODEL): | $(VENV)/installed
	$(BIN)/python train.py $(RECIPE) --epochs 30 --out checkpoints/digits

benchmarks: $(VENV)/installed  # the README's figures: about 45 minutes on 2 cores
	$(BIN)/python benchmarks/real.py
	$(BIN)/python benchmarks/canvas.py
	$(BIN)/python benchmarks/read_numbers.py
	$(BIN)/python benchmarks/photos.py
	$(BIN)/python benchmarks/not_digits.py
	$(BIN)/python benchmarks/latency.py --training

space: $(VENV)/installed  # SPACE=<user>/<name>, and MODEL_REPO=, FEEDBACK_REPO= when given (space.py)
	$(if $(SPACE),,$(error give the Space: make space SPACE=<user>/<name>))
	$(BIN)/python space.py $(SPACE) $(if $(MODEL_REPO),--model-repo $(MODEL_REPO)) \
		$(if $(FEEDBACK_REPO),--feedback-repo $(FEEDBACK_REPO))

$(VENV)/installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@
