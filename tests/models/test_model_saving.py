"""Saving every model: `.keras` files, `save_weights` / `load_weights`, and `tf.train.Checkpoint`."""

import keras
import numpy as np
import pytest

import tf_longformer as tfl
from head_inputs import inputs_for

CONFIG = dict(
    vocab_size=40,
    hidden_size=8,
    num_hidden_layers=2,
    num_attention_heads=2,
    intermediate_size=16,
    attention_window=[4, 6],
    max_position_embeddings=40,
    num_labels=2,
)
MODELS = [
    tfl.LongformerModel,
    tfl.LongformerForMaskedLM,
    tfl.LongformerForSequenceClassification,
    tfl.LongformerForTokenClassification,
    tfl.LongformerForQuestionAnswering,
    tfl.LongformerForMultipleChoice,
]


def _outputs(model, inputs):
    return {k: np.asarray(v) for k, v in model(inputs).items()}


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_keras_file_round_trip(cls, tmp_path):
    model = cls(tfl.LongformerConfig(**CONFIG), max_global_tokens=None)
    inputs = inputs_for(cls)
    expected = _outputs(model, inputs)
    path = str(tmp_path / "model.keras")
    model.save(path)
    restored = keras.models.load_model(path)
    assert type(restored) is cls and restored.config == model.config
    got = _outputs(restored, inputs)
    assert got.keys() == expected.keys()
    for key in expected:
        np.testing.assert_array_equal(got[key], expected[key], err_msg=key)


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
def test_save_weights_load_weights(cls, tmp_path):
    config = tfl.LongformerConfig(**CONFIG)
    model, other = cls(config), cls(config)
    inputs = inputs_for(cls)
    expected = _outputs(model, inputs)
    path = str(tmp_path / "model.weights.h5")
    model.save_weights(path)
    other.build()
    other.load_weights(path)
    for key, value in _outputs(other, inputs).items():
        np.testing.assert_array_equal(value, expected[key], err_msg=key)


@pytest.mark.parametrize("cls", [tfl.LongformerModel, tfl.LongformerForQuestionAnswering], ids=lambda c: c.__name__)
def test_tf_train_checkpoint_saves_and_restores_every_weight(cls, tmp_path):
    """TensorFlow's object-based checkpoints (CheckpointManager) see the encoder's layers too."""
    import tensorflow as tf

    config = tfl.LongformerConfig(**CONFIG)
    model, other = cls(config), cls(config)
    inputs = inputs_for(cls)
    expected = _outputs(model, inputs)
    path = tf.train.Checkpoint(model=model).save(str(tmp_path / "ckpt"))
    saved = [name for name, _ in tf.train.list_variables(path) if name.startswith("model/")]
    assert len(saved) == len(model.trainable_variables)  # + no seed-generator states (Keras does not track them)
    other.build()
    tf.train.Checkpoint(model=other).read(path).assert_existing_objects_matched()
    for key, value in _outputs(other, inputs).items():
        np.testing.assert_array_equal(value, expected[key], err_msg=key)


def test_config_round_trip_keeps_constructor_arguments():
    model = tfl.LongformerForQuestionAnswering(tfl.LongformerConfig(**CONFIG), query_block_size=4, name="qa")
    clone = tfl.LongformerForQuestionAnswering.from_config(model.get_config())
    assert clone.get_config() == model.get_config()
