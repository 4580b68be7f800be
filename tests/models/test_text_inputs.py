"""A head with a preprocessor takes text in `fit`, `evaluate`, `predict`, `.keras` and `export`:
the same results as the Python tokenizer's ids."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tf_longformer as tfl

TEXTS = [f"the {who} is at the {colour} gate ." for who in ("guard", "visitor") for colour in ("red", "blue")] * 2
LABELS = np.array([0, 1, 2, 3] * 2, np.int32)


def classifier(**kwargs):
    keras.utils.set_random_seed(0)
    return tfl.LongformerForSequenceClassification.from_pretrained(
        "default", id2label=dict(enumerate("abcd")), hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0, **kwargs
    )


def id_inputs(texts):
    tokenizer = tfl.LongformerTokenizer.from_pretrained("default")
    batch = tokenizer(texts, padding=True, global_attention="classification")
    return {k: np.asarray(batch[k], np.int32) for k in ("input_ids", "attention_mask", "global_attention_mask")}


def unknown_shape(tensor):
    return tf.raw_ops.PlaceholderWithDefault(input=tensor, shape=[None] * tensor.shape.rank)


@pytest.mark.filterwarnings("ignore::tf_longformer.LongformerLoadWarning")
def test_from_pretrained_attaches_the_checkpoints_tokenizer_unless_told_not_to(tmp_path):
    model = classifier()
    assert isinstance(model.preprocessor, tfl.LongformerTextClassifierPreprocessor)
    assert model.preprocessor.sequence_length == model.config.max_sequence_length
    assert classifier(preprocessor=None).preprocessor is None
    model.save_pretrained(tmp_path)  # weights and config only: no tokenizer files
    assert tfl.LongformerForSequenceClassification.from_pretrained(tmp_path).preprocessor is None
    # A head whose labels the preprocessor cannot carry (one per token) gets none.
    assert tfl.LongformerForTokenClassification.from_pretrained("default", num_labels=2).preprocessor is None


@pytest.mark.filterwarnings("ignore::tf_longformer.LongformerLoadWarning")
def test_fit_on_a_list_of_texts_trains_as_fit_on_the_tokenizers_ids():
    model = classifier()
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(TEXTS, LABELS, batch_size=4, epochs=2, shuffle=False, verbose=0)
    reference = classifier(preprocessor=None)
    reference.compile(optimizer=keras.optimizers.Adam(1e-3))
    batches = [(id_inputs(TEXTS[i : i + 4]), LABELS[i : i + 4]) for i in (0, 4)]
    ids = (
        tf.data.Dataset.from_tensors(batches[0])
        .concatenate(tf.data.Dataset.from_tensors(batches[1]))
        .map(lambda x, y: ({k: unknown_shape(v) for k, v in x.items()}, unknown_shape(y)))
    )
    reference.fit(ids, epochs=2, shuffle=False, verbose=0)
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, want)


@pytest.mark.filterwarnings("ignore::tf_longformer.LongformerLoadWarning")
def test_predict_and_evaluate_on_texts_equal_them_on_ids():
    model = classifier()
    model.compile(metrics=["accuracy"])
    from_texts = model.predict(np.array(TEXTS), verbose=0)["logits"]
    from_ids = model.predict(id_inputs(TEXTS), verbose=0)["logits"]
    np.testing.assert_array_equal(from_texts, from_ids)
    np.testing.assert_allclose(
        model.evaluate(TEXTS, LABELS, verbose=0), model.evaluate(id_inputs(TEXTS), LABELS, verbose=0), rtol=1e-6
    )
    dataset = tf.data.Dataset.from_tensor_slices((TEXTS, LABELS)).batch(3)
    history = model.fit(dataset, validation_data=(TEXTS, LABELS), epochs=1, verbose=0)
    assert set(history.history) == {"accuracy", "loss", "val_accuracy", "val_loss"}


@pytest.mark.filterwarnings("ignore::tf_longformer.LongformerLoadWarning")
def test_the_keras_file_and_the_export_carry_the_preprocessor(tmp_path):
    model = classifier()
    logits = model.predict(TEXTS, verbose=0)["logits"]
    model.save(tmp_path / "classifier.keras")
    reloaded = keras.saving.load_model(tmp_path / "classifier.keras")
    assert reloaded.preprocessor.get_config() == model.preprocessor.get_config()
    np.testing.assert_array_equal(reloaded.predict(TEXTS, verbose=0)["logits"], logits)
    model.export(tmp_path / "export", verbose=False)
    served = tf.saved_model.load(str(tmp_path / "export")).signatures["serving_text"](text=tf.constant(TEXTS))
    np.testing.assert_allclose(served["logits"], logits, atol=1e-6)


@pytest.mark.filterwarnings("ignore::tf_longformer.LongformerLoadWarning")
def test_text_without_a_preprocessor_or_with_validation_split_is_a_clear_error():
    with pytest.raises(ValueError, match="received text but has no preprocessor"):
        classifier(preprocessor=None).predict(TEXTS, verbose=0)
    model = classifier()
    model.compile()
    with pytest.raises(ValueError, match="validation_split does not apply to text"):
        model.fit(TEXTS, LABELS, validation_split=0.5, verbose=0)
