"""The trained Keras model run with numpy: the app's forward pass, one drawing at a time.

Any call into TensorFlow costs about 0.6 ms of overhead here, even a traced one, while
this CNN's arithmetic for one 28x28 digit is ~3 MFLOP: tens of microseconds. So the app
reads the Keras layers' weights once and runs them as numpy matrix products: the same
scores as model(x) to float32 rounding (tests/test_inference.py), in ~0.15 ms.
Only the layer kinds of train.py's model are known; any other raises UnsupportedLayerError.
"""

import functools

import numpy as np
from numpy.lib.stride_tricks import as_strided


class UnsupportedLayerError(ValueError):
    """The model has a layer, or a layer setting, that forward() does not run."""


def softmax(x):
    exp = np.exp(x - x.max(axis=-1, keepdims=True))
    return exp / exp.sum(axis=-1, keepdims=True)


ACTIVATIONS = {"linear": lambda x: x, "relu": lambda x: np.maximum(x, 0, out=x), "softmax": softmax}
COMMUTE_WITH_MAX = ("linear", "relu")  # non-decreasing, value by value: pooling may come first


def _activation(layer):
    name = layer.get_config().get("activation", "linear")
    if name not in ACTIVATIONS:
        raise UnsupportedLayerError(f"{layer.name}: activation {name!r}")
    return ACTIVATIONS[name]


def _require(layer, **settings):
    config = layer.get_config()
    for key, value in settings.items():
        if config.get(key, value) != value:
            raise UnsupportedLayerError(f"{layer.name}: {key}={config[key]!r}, only {value!r} is run")


def conv2d(layer, pool=(1, 1)):
    """A 'valid', stride-1 Conv2D as one matrix product over the image's kh x kw patches.

    pool: the (rows, columns) of a max pooling that follows it, run between the product and the
    bias and activation (max commutes with adding a bias per channel and with relu: the same
    scores come out). The patches are then laid out one pooling offset after another, so that
    the pooling is a max over contiguous blocks, and the bias and activation touch a quarter of the values.
    """
    _require(layer, strides=(1, 1), padding="valid", dilation_rate=(1, 1), groups=1, data_format="channels_last")
    kernel, bias = layer.get_weights()
    kh, kw, channels, filters = kernel.shape
    weights = kernel.reshape(kh * kw * channels, filters)  # rows in (row, column, channel) order
    activation = _activation(layer)
    ph, pw = pool

    def run(x):
        x = np.ascontiguousarray(x)
        n, height, width, _ = x.shape
        rows, columns = (height - kh + 1) // ph, (width - kw + 1) // pw  # after pooling
        # Each output pixel's patch as a strided view of x, copied once into the patch matrix with
        # the longer run innermost: with few channels, a row of output pixels per patch element
        # (2x faster to copy for one channel), else the channels of each patch element.
        sn, sh, sw, sc = x.strides
        offsets, pixels = (ph, pw, n, rows, columns), (sh, sw, sn, ph * sh, pw * sw)
        patch = (kh, kw, channels), (sh, sw, sc)
        if channels < columns:
            patches = as_strided(x, patch[0] + offsets, patch[1] + pixels, writeable=False)
            patches = patches.reshape(kh * kw * channels, -1).T
        else:
            patches = as_strided(x, offsets + patch[0], pixels + patch[1], writeable=False)
            patches = patches.reshape(-1, kh * kw * channels)
        out = (patches @ weights).reshape(ph * pw, n, rows, columns, filters)
        out = functools.reduce(np.maximum, out)  # over the pooling offsets
        out += bias
        return activation(out)

    return run


def pool_size(layer):
    """A MaxPooling2D's (rows, columns), for non-overlapping 'valid' pooling, the only kind run."""
    pool = tuple(layer.get_config()["pool_size"])
    _require(layer, strides=pool, padding="valid", data_format="channels_last")
    return pool


def max_pooling2d(layer):
    """Max pooling on its own (after a Conv2D it runs inside it): the max of the pool's strided views."""
    ph, pw = pool_size(layer)

    def run(x):
        rows, columns = x.shape[1] // ph * ph, x.shape[2] // pw * pw
        views = [x[:, dy:rows:ph, dx:columns:pw] for dy in range(ph) for dx in range(pw)]
        return functools.reduce(np.maximum, views)  # faster here than a reshape and a max over two axes

    return run


def flatten(layer):
    _require(layer, data_format="channels_last")  # numpy's row-major order is then Keras' order
    return lambda x: x.reshape(len(x), -1)


def dense(layer):
    kernel, bias = layer.get_weights()
    activation = _activation(layer)

    def run(x):
        out = x @ kernel
        out += bias
        return activation(out)

    return run


LAYERS = {"Conv2D": conv2d, "MaxPooling2D": max_pooling2d, "Flatten": flatten, "Dense": dense}


def forward(model):
    """A Keras Sequential model -> a function: float32 batch (N, 28, 28, 1) -> (N, classes) scores."""
    layers = [layer for layer in model.layers if type(layer).__name__ != "Dropout"]  # inactive at inference
    for layer in layers:
        if type(layer).__name__ not in LAYERS:
            raise UnsupportedLayerError(f"{layer.name}: a {type(layer).__name__} layer")
    steps = []
    while layers:
        layer = layers.pop(0)
        kind = type(layer).__name__
        pooled = kind == "Conv2D" and layers and type(layers[0]).__name__ == "MaxPooling2D"
        if pooled and layer.get_config().get("activation") in COMMUTE_WITH_MAX:
            steps.append(conv2d(layer, pool=pool_size(layers.pop(0))))
        else:
            steps.append(LAYERS[kind](layer))

    def run(batch):
        x = np.asarray(batch, np.float32)
        for step in steps:
            x = step(x)
        return x

    return run
