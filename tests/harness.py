"""One shared contract check for every layer and model (keras-hub style).

`check_layer` runs: `compute_output_shape` and `count_params` against a real call, config
round trip, same outputs from a clone with copied weights, a functional (`keras.Input`)
model around the layer, one `fit` step, `.keras` save/load with identical outputs, and a
mixed-precision call that stays finite.
"""

from __future__ import annotations

from typing import Callable, Sequence

import keras
import numpy as np
import tensorflow as tf


def _symbolic_input(array: np.ndarray) -> keras.KerasTensor:
    # Free batch and length; keep the feature axes.
    shape = (None,) + array.shape[2:] if array.ndim >= 2 else ()
    return keras.Input(shape=shape, dtype=str(array.dtype), batch_size=None)


def _shape_list(structure) -> list[tuple]:
    """The shapes of a `compute_output_shape` result, in `keras.tree.flatten` order."""
    if isinstance(structure, dict):
        return [shape for key in sorted(structure) for shape in _shape_list(structure[key])]
    if all(isinstance(dim, (int, type(None))) for dim in structure):
        return [tuple(structure)]
    return [shape for item in structure for shape in _shape_list(item)]


def _as_list(outputs):
    return [np.asarray(x) for x in keras.tree.flatten(outputs)]


def check_layer(
    make_layer: Callable[..., keras.layers.Layer],
    inputs: Sequence[np.ndarray],
    tmp_path,
    call_kwargs: dict | None = None,
    mixed_precision_atol: float = 0.2,
) -> None:
    """The contract every layer of the package meets (tiny configs only)."""
    call_kwargs = call_kwargs or {}
    layer = make_layer()
    expected = _as_list(layer(*inputs, **call_kwargs))

    # What `summary()` does for a built layer: output shapes from the shapes it was built with.
    declared = _shape_list(layer.compute_output_shape(**layer._build_shapes_dict))
    actual = [tuple(np.shape(x)) for x in expected]
    assert declared == actual, (declared, actual)
    assert layer.count_params() == sum(int(np.prod(w.shape)) for w in layer.weights)

    config = layer.get_config()
    clone = type(layer).from_config(config)
    assert clone.get_config() == config
    clone(*inputs, **call_kwargs)
    clone.set_weights(layer.get_weights())
    for got, want in zip(_as_list(clone(*inputs, **call_kwargs)), expected):
        np.testing.assert_allclose(got, want, atol=1e-6)

    symbolic = [_symbolic_input(np.asarray(x)) for x in inputs]
    model = keras.Model(symbolic, layer(*symbolic, **call_kwargs))
    lines = []
    model.summary(print_fn=lambda line, **_: lines.append(line))
    assert f"Total params: {model.count_params():,}" in "\n".join(lines)
    for got, want in zip(_as_list(model.predict([np.asarray(x) for x in inputs], verbose=0)), expected):
        np.testing.assert_allclose(got, want, atol=1e-5)

    # One training step through the layer: finite loss, weights move.
    targets = [np.zeros_like(x) for x in expected]
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss=["mse"] * len(targets))
    before = [w.copy() for w in layer.get_weights()]
    history = model.fit([np.asarray(x) for x in inputs], targets, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][-1])
    assert any(not np.array_equal(a, b) for a, b in zip(before, layer.get_weights()))

    path = str(tmp_path / f"{type(layer).__name__}.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    for got, want in zip(
        _as_list(restored.predict([np.asarray(x) for x in inputs], verbose=0)),
        _as_list(model.predict([np.asarray(x) for x in inputs], verbose=0)),
    ):
        np.testing.assert_allclose(got, want, atol=1e-6)

    mixed = make_layer(dtype="mixed_bfloat16")
    mixed(*inputs, **call_kwargs)
    mixed.set_weights(before)  # the weights `expected` came from (fit has moved them since)
    for got, want in zip(_as_list(mixed(*inputs, **call_kwargs)), expected):
        got = np.asarray(tf.cast(got, tf.float32))
        assert np.all(np.isfinite(got))
        np.testing.assert_allclose(got, want, atol=mixed_precision_atol)
