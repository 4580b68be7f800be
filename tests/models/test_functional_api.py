"""Keras functional API: Longformer models compose on `keras.Input`, fit, save as .keras, reload."""

import keras
import numpy as np

import tf_longformer as tfl
from training_utils import head_batch, tiny_config

NAMES = ("input_ids", "attention_mask")


def _inputs(prefix=""):
    return {prefix + name: keras.Input(shape=(None,), dtype="int32", name=prefix + name) for name in NAMES}


def _fit_save_reload(model, x, y, tmp_path):
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2), loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    )
    history = model.fit(x, y, epochs=2, batch_size=4, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    path = str(tmp_path / "model.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    np.testing.assert_array_equal(restored.predict(x, verbose=0), model.predict(x, verbose=0))


def test_classifier_from_the_backbone_hidden_states(tmp_path):
    inputs = _inputs()
    backbone = tfl.LongformerModel(tiny_config(), add_pooling_layer=False, name="backbone")
    hidden = backbone(inputs)["last_hidden_state"]
    pooled = keras.layers.GlobalAveragePooling1D()(hidden)
    logits = keras.layers.Dense(3, name="head")(keras.layers.Dense(16, activation="relu")(pooled))
    model = keras.Model(inputs, logits)

    x, y = head_batch("sequence_classification", np.random.default_rng(0), batch=8)
    _fit_save_reload(model, x, y, tmp_path)


def test_two_longformer_encoders_in_one_model(tmp_path):
    first, second = _inputs("a_"), _inputs("b_")
    encoder_a = tfl.LongformerModel(tiny_config(), name="encoder_a")
    encoder_b = tfl.LongformerModel(tiny_config(attention_window=8), name="encoder_b")
    pooled = keras.layers.Concatenate()(
        [
            encoder_a(dict(zip(NAMES, first.values())))["pooler_output"],
            encoder_b(dict(zip(NAMES, second.values())))["pooler_output"],
        ]
    )
    model = keras.Model({**first, **second}, keras.layers.Dense(2)(pooled))

    rng = np.random.default_rng(1)
    (a, y), (b, _) = head_batch("sequence_classification", rng, 8), head_batch("sequence_classification", rng, 8, 17)
    x = {**{"a_" + k: v for k, v in a.items()}, **{"b_" + k: v for k, v in b.items()}}
    _fit_save_reload(model, x, y % 2, tmp_path)
