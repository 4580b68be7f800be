"""`LongformerTextClassifierPreprocessor`: the Python tokenizer's ids in the graph, labels through,
usable in `tf.data` and `fit` (the same weights as training on the Python tokenizer's ids)."""

import keras
import numpy as np
import pytest
import tensorflow as tf

import tf_longformer as tfl
from tf_longformer.preprocessing import LongformerTextClassifierPreprocessor

TEXTS = [
    "the guard is at the gate . the gate is red .",
    "  whitespace   runs\tand\nnew lines  ",
    "CJK 长文档 and emoji 🙂👍🏽, combining e\u0301 marks",
    "a",
    "",
    "the visitor is at the blue gate . " * 20,  # longer than the sequence length: truncated
]


@pytest.fixture(scope="module")
def tokenizer():
    return tfl.LongformerTokenizer.from_pretrained("default")


def python_inputs(tokenizer, texts, sequence_length):
    batch = tokenizer(
        texts, truncation=True, max_length=sequence_length, padding=True, global_attention="classification"
    )
    return {k: np.asarray(batch[k], np.int32) for k in ("input_ids", "attention_mask", "global_attention_mask")}


@pytest.mark.parametrize("sequence_length", [8, 32, 4096])
def test_the_ids_and_masks_are_the_python_tokenizers(tokenizer, sequence_length):
    preprocessor = LongformerTextClassifierPreprocessor(tokenizer, sequence_length=sequence_length)
    got = preprocessor(tf.constant(TEXTS))
    want = python_inputs(tokenizer, TEXTS, sequence_length)
    assert sorted(got) == sorted(want)
    for name in want:
        np.testing.assert_array_equal(got[name].numpy(), want[name], err_msg=name)


def test_lists_arrays_and_one_string_are_texts_and_labels_pass_through(tokenizer):
    preprocessor = LongformerTextClassifierPreprocessor(tokenizer, sequence_length=16)
    from_list = preprocessor(TEXTS[:2])
    from_array = preprocessor(np.array(TEXTS[:2]))
    np.testing.assert_array_equal(from_list["input_ids"], from_array["input_ids"])
    one = preprocessor("the gate is red .")
    assert one["input_ids"].shape[0] == 1
    x, y = preprocessor(TEXTS[:2], tf.constant([3, 1]))
    np.testing.assert_array_equal(y, [3, 1])
    x, y, weights = preprocessor(TEXTS[:2], [3, 1], [0.5, 1.0])
    np.testing.assert_array_equal(weights, [0.5, 1.0])


def test_in_a_parallel_tf_data_map(tokenizer):
    preprocessor = LongformerTextClassifierPreprocessor(tokenizer, sequence_length=32)
    labels = np.arange(len(TEXTS), dtype=np.int32)
    dataset = (
        tf.data.Dataset.from_tensor_slices((TEXTS, labels))
        .batch(4)
        .map(preprocessor, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
    )
    batches = list(dataset)
    assert [len(y) for _, y in batches] == [4, 2]
    for (x, y), rows in zip(batches, (slice(0, 4), slice(4, 6))):
        np.testing.assert_array_equal(y, labels[rows])
        want = python_inputs(tokenizer, TEXTS[rows], 32)
        np.testing.assert_array_equal(x["input_ids"], want["input_ids"])


def test_fit_on_texts_gives_the_weights_of_fit_on_the_python_tokenizers_ids(tokenizer):
    texts = [f"the {who} is at the {colour} gate ." for who in ("guard", "visitor") for colour in ("red", "blue")] * 2
    labels = np.array([0, 1, 2, 3] * 2, np.int32)
    config = tfl.LongformerConfig.from_pretrained(
        "default", id2label=dict(enumerate("abcd")), hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0
    )

    def trained(dataset):
        keras.utils.set_random_seed(0)
        model = tfl.LongformerForSequenceClassification(config)
        model.compile(optimizer=keras.optimizers.Adam(1e-3))
        model.fit(dataset, epochs=2, shuffle=False, verbose=0)
        return model.get_weights()

    preprocessor = LongformerTextClassifierPreprocessor(tokenizer, sequence_length=64)
    from_texts = tf.data.Dataset.from_tensor_slices((texts, labels)).batch(4).map(preprocessor)

    # The Python tokenizer's ids batch by batch, padded per batch as the map pads, with shapes
    # unknown to the trace as the map's are: the same graph, so the same rounding.
    def unknown_shape(tensor):
        return tf.raw_ops.PlaceholderWithDefault(input=tensor, shape=[None] * tensor.shape.rank)

    batches = [(python_inputs(tokenizer, texts[i : i + 4], 64), labels[i : i + 4]) for i in (0, 4)]
    from_ids = (
        tf.data.Dataset.from_tensors(batches[0])
        .concatenate(tf.data.Dataset.from_tensors(batches[1]))
        .map(lambda x, y: ({k: unknown_shape(v) for k, v in x.items()}, unknown_shape(y)))
    )
    assert from_ids.element_spec == from_texts.element_spec
    for got, want in zip(trained(from_texts), trained(from_ids)):
        np.testing.assert_array_equal(got, want)


def test_the_config_and_assets_rebuild_the_same_preprocessor(tokenizer, tmp_path):
    preprocessor = LongformerTextClassifierPreprocessor(tokenizer, sequence_length=12, name="texts")
    config = preprocessor.get_config()
    assert config["sequence_length"] == 12 and "vocab" not in str(config)
    preprocessor.save_assets(str(tmp_path))
    rebuilt = LongformerTextClassifierPreprocessor.from_config(config)
    rebuilt.load_assets(str(tmp_path))
    np.testing.assert_array_equal(rebuilt(TEXTS)["input_ids"], preprocessor(TEXTS)["input_ids"])


def test_bad_arguments_and_inputs_are_clear_errors(tokenizer):
    with pytest.raises(ValueError, match="sequence_length must be an int >= 2"):
        LongformerTextClassifierPreprocessor(tokenizer, sequence_length=1)
    with pytest.raises(ValueError, match="no tokenizer"):
        LongformerTextClassifierPreprocessor(sequence_length=8)(["text"])
    with pytest.raises(ValueError, match="takes texts"):
        LongformerTextClassifierPreprocessor(tokenizer)(tf.constant([1, 2]))


def test_under_a_distribution_strategy(tokenizer):
    """The map runs on the input pipeline's side: Mirrored `fit`, and per-worker datasets."""
    texts = [f"the {who} is at the {colour} gate ." for who in ("guard", "visitor") for colour in ("red", "blue")]
    labels = np.arange(4, dtype=np.int32)
    preprocessor = LongformerTextClassifierPreprocessor(tokenizer, sequence_length=32)
    strategy = tf.distribute.MirroredStrategy(["/cpu:0"])
    with strategy.scope():
        config = tfl.LongformerConfig.from_pretrained("default", id2label=dict(enumerate("abcd")))
        model = tfl.LongformerForSequenceClassification(config)
        model.compile(optimizer="adam")
    dataset = tf.data.Dataset.from_tensor_slices((texts, labels)).batch(2).map(preprocessor)
    history = model.fit(dataset, epochs=1, verbose=0)
    assert np.isfinite(history.history["loss"][0])

    def dataset_fn(context):
        batch_size = context.get_per_replica_batch_size(2)
        rows = tf.data.Dataset.from_tensor_slices((texts, labels))
        rows = rows.shard(context.num_input_pipelines, context.input_pipeline_id)
        return rows.batch(batch_size).map(preprocessor, num_parallel_calls=tf.data.AUTOTUNE)

    distributed = strategy.distribute_datasets_from_function(dataset_fn)
    batches = [strategy.experimental_local_results(x)[0]["input_ids"].shape[0] for x, _ in distributed]
    assert batches == [2, 2]


def test_a_compiled_xla_step_trains_on_text_batches_of_any_length(tokenizer):
    """Preprocessing stays in the input pipeline; the XLA step sees batches whose length the trace
    does not know (each batch as long as its longest text)."""
    texts = ["the gate is red .", "the guard is at the blue gate . " * 3, "a", "the visitor is here ."]
    preprocessor = LongformerTextClassifierPreprocessor(tokenizer, sequence_length=64)
    dataset = tf.data.Dataset.from_tensor_slices((texts, np.arange(4, dtype=np.int32))).batch(2).map(preprocessor)
    config = tfl.LongformerConfig.from_pretrained("default", id2label=dict(enumerate("abcd")))
    model = tfl.LongformerForSequenceClassification(config, max_global_tokens=2)
    model.compile(optimizer="adam", jit_compile=True)
    history = model.fit(dataset, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))


def test_the_output_spec_of_symbolic_texts(tokenizer):
    preprocessor = LongformerTextClassifierPreprocessor(tokenizer, sequence_length=16)
    spec = preprocessor.compute_output_spec(keras.KerasTensor((3,), dtype="string"))
    assert {name: (s.shape, s.dtype) for name, s in spec.items()} == {
        name: ((3, None), "int32") for name in ("input_ids", "attention_mask", "global_attention_mask")
    }
