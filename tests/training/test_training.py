"""Keras losses and metrics on the heads, labels in the inputs, label errors, retracing."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tf_longformer as tfl
from training_utils import dataset, head_batch, make_head, tiny_config


def test_labels_inside_the_input_dict_train_without_y():
    model = make_head("sequence_classification")
    data = dataset("sequence_classification").map(lambda x, y: {**x, "labels": y})
    model.compile(optimizer="adam")
    history = model.fit(data, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])


def test_keras_loss_and_accuracy_apply_to_the_logits():
    model = make_head("sequence_classification")
    data = dataset("sequence_classification")
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    logs = model.evaluate(data, verbose=0, return_dict=True)
    x, y = next(iter(data.unbatch().batch(8)))
    logits = model(x).logits
    np.testing.assert_allclose(logs["accuracy"], np.mean(np.argmax(logits, -1) == y.numpy()), atol=1e-6)
    # Same value as the head's own cross entropy.
    np.testing.assert_allclose(logs["loss"], float(model(x, labels=y).loss), rtol=1e-4)
    assert np.isfinite(model.fit(data, epochs=1, verbose=0).history["loss"][0])


def test_question_answering_keras_loss_takes_position_labels():
    model = make_head("question_answering")
    data = dataset("question_answering")
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics={"start_logits": ["accuracy"], "end_logits": ["accuracy"]},
    )
    logs = model.fit(data, epochs=1, verbose=0).history
    assert np.isfinite(logs["loss"][0]) and "start_logits_accuracy" in logs
    # Keras' total is start CE + end CE; the reference's loss is their mean.
    x, y = next(iter(data.unbatch().batch(8)))
    total = model.evaluate(x, y, verbose=0, return_dict=True)["loss"]
    np.testing.assert_allclose(total / 2, float(model(x, **y).loss), rtol=1e-4)


def test_wrong_label_structure_is_a_clear_error():
    model = make_head("question_answering")
    with pytest.raises(ValueError, match="start_positions"):
        model.head_labels(np.zeros([2], "int32"))
    with pytest.raises(ValueError, match="sample_weight"):
        model.compile(optimizer="adam")
        x, y = head_batch("question_answering", np.random.default_rng(0))
        model.fit(x, y, sample_weight=np.ones(4), epochs=1, verbose=0)


class _CountingClassifier(tfl.LongformerForSequenceClassification):
    traces = 0

    def call(self, *args, **kwargs):
        type(self).traces += 1  # Python runs once per trace (and per eager call)
        return super().call(*args, **kwargs)


def test_variable_length_batches_do_not_retrace_every_step():
    model = _CountingClassifier(tiny_config(), name="counting_classifier")
    model.compile(optimizer="adam")
    rng = np.random.default_rng(0)
    batches = [head_batch("sequence_classification", rng, batch=2, length=n) for n in (8, 13, 17, 24, 30, 41)]

    # A tf.data pipeline of padded batches of many lengths (as `training.data` buckets them).
    def rows():
        for x, y in batches:
            yield x, y

    spec = (
        {"input_ids": tf.TensorSpec([None, None], tf.int32), "attention_mask": tf.TensorSpec([None, None], tf.int32)},
        tf.TensorSpec([None], tf.int32),
    )
    data = tf.data.Dataset.from_generator(rows, output_signature=spec)
    model.fit(data, epochs=2, verbose=0)
    assert _CountingClassifier.traces <= 2  # the train function, traced once for all lengths

    # Batch by batch with concrete shapes: reduce_retracing generalises the length after one retrace.
    _CountingClassifier.traces = 0
    for x, y in batches:
        model.train_on_batch(x, y)
    assert _CountingClassifier.traces <= 2, _CountingClassifier.traces
