"""Tests of the tf.data helpers `tf_longformer.training.data.make_dataset` and `array_dataset`."""

from __future__ import annotations

import os

import numpy as np
import pytest
import tensorflow as tf

from locations import FIXTURES
from tf_longformer.preprocessing import LongformerQuestionAnsweringPreprocessor, LongformerTextClassifierPreprocessor
from tf_longformer.tokenization import LongformerTokenizer
from tf_longformer.training.data import array_dataset, default_bucket_boundaries, make_dataset, preprocessed_dataset

VOCAB_DIR = os.path.join(FIXTURES, "tokenizer", "vocab")


@pytest.fixture(scope="module")
def tok() -> LongformerTokenizer:
    return LongformerTokenizer.from_pretrained(VOCAB_DIR)


def _texts(n: int = 40, seed: int = 0) -> list[str]:
    rng = np.random.default_rng(seed)
    return [" ".join(["long", "former", "text"][i % 3] for i in range(int(k))) for k in rng.integers(1, 120, size=n)]


def test_rows_match_the_tokenizer_and_labels_follow(tok):
    texts = _texts()
    labels = list(range(len(texts)))
    seen = {}
    for features, label in make_dataset(texts, tok, labels, batch_size=4, max_length=128):
        assert features["input_ids"].dtype == tf.int32 and features["attention_mask"].dtype == tf.int32
        for ids, mask, y in zip(features["input_ids"].numpy(), features["attention_mask"].numpy(), label.numpy()):
            seen[int(y)] = ids[mask == 1].tolist()
            assert (ids[mask == 0] == tok.pad_token_id).all()
    assert sorted(seen) == labels
    # No tf.data autotuning: its iterator's teardown stalled each new epoch in `fit`.
    assert make_dataset(texts, tok, labels, batch_size=4, max_length=128).options().autotune.enabled is False
    expected = tok(texts, truncation=True, max_length=128)["input_ids"]
    assert [seen[i] for i in labels] == expected


def test_bucketing_wastes_less_padding_than_plain_batches(tok):
    texts = _texts(200, seed=1)

    def padding(dataset):
        return sum(int(tf.size(x["attention_mask"]) - tf.reduce_sum(x["attention_mask"])) for x in dataset)

    bucketed = padding(make_dataset(texts, tok, batch_size=8, max_length=512, bucket_boundaries=[16, 32, 64, 128, 256]))
    plain = padding(make_dataset(texts, tok, batch_size=8, max_length=512, bucket_boundaries=[]))
    assert bucketed < plain / 2


def test_tokens_per_batch_and_pad_to_multiple_of(tok):
    texts = _texts(60, seed=2)
    for x in make_dataset(
        texts,
        tok,
        batch_size=None,
        tokens_per_batch=256,
        max_length=256,
        pad_to_multiple_of=32,
        bucket_boundaries=[32, 64, 128],
    ):
        batch, length = x["input_ids"].shape
        assert length % 32 == 0 and batch * length <= 256 + 32 * batch


def test_dataset_input_with_pairs_and_qa_global_attention(tok):
    questions = ["What is it?", "Who?", "Where is it now?"]
    contexts = ["It is a model " * 30, "A person.", "Here " * 5]
    ds = tf.data.Dataset.from_tensor_slices(((questions, contexts), [0, 1, 2]))
    rows = 0
    for x, _ in make_dataset(ds, tok, batch_size=2, max_length=64, truncation="only_second", global_attention="qa"):
        assert x["global_attention_mask"].dtype == tf.int32
        expected = tok.question_answering_global_attention_mask(x["input_ids"]).numpy()
        np.testing.assert_array_equal(x["global_attention_mask"].numpy(), expected)
        rows += x["input_ids"].shape[0]
    assert rows == 3


def test_string_dataset_classification_global_attention(tok):
    ds = tf.data.Dataset.from_tensor_slices(["a b", "c d e f", "é 🤗"])
    batches = list(make_dataset(ds, tok, batch_size=8, global_attention="classification", max_length=32))
    assert all(
        (b["global_attention_mask"].numpy()[:, 0] == 1).all() and b["global_attention_mask"].numpy()[:, 1:].sum() == 0
        for b in batches
    )
    spec = make_dataset(ds, tok, batch_size=8).element_spec
    assert spec["input_ids"].shape.as_list() == [None, None]


def test_errors(tok):
    with pytest.raises(ValueError, match="texts"):
        make_dataset("not a list", tok)
    with pytest.raises(ValueError, match="labels"):
        make_dataset(["a", "b"], tok, labels=[1])
    with pytest.raises(ValueError, match="text_pairs"):
        make_dataset(["a", "b"], tok, text_pairs=["x"])
    with pytest.raises(ValueError, match="batch_size"):
        make_dataset(["a"], tok, batch_size=0)
    with pytest.raises(ValueError, match="bucket_boundaries"):
        make_dataset(["a"], tok, bucket_boundaries=[64, 32])
    with pytest.raises(ValueError, match="global_attention"):
        make_dataset(["a"], tok, global_attention="all")
    assert default_bucket_boundaries(512) == [64, 128, 256]


def _epoch(dataset) -> tuple[list[int], list[int]]:
    rows, labels = [], []
    for x, y in dataset:
        rows += x["input_ids"][:, 0].numpy().tolist()
        labels += y.numpy().tolist()
    return rows, labels


def test_array_dataset_gives_keras_batches_for_arrays_without_autotuning():
    from keras.src.trainers.data_adapters.array_data_adapter import ArrayDataAdapter

    n = 24
    features = {
        "input_ids": np.arange(n, dtype=np.int32)[:, None] * np.ones([1, 8], np.int32),
        "attention_mask": np.ones([n, 8], np.int32),
    }
    labels = np.arange(n, dtype=np.int32) % 4

    def epochs(make, count=2):
        tf.keras.utils.set_random_seed(3)  # Keras' shuffle of arrays draws from the global seed
        dataset = make()
        return dataset, [_epoch(dataset) for _ in range(count)]

    dataset, ours = epochs(lambda: array_dataset(features, labels, batch_size=5, shuffle=True))
    # Autotuning off: dropping an unfinished autotuned iterator (Keras does, every epoch and
    # every predict) stalled the next epoch's first step for ~1-2 s.
    assert dataset.options().autotune.enabled is False
    assert int(dataset.cardinality()) == 5  # Keras knows the steps per epoch from the first one
    for rows, row_labels in ours:
        assert sorted(rows) == list(range(n))  # every row once per epoch, the last, partial batch kept
        assert row_labels == [row % 4 for row in rows]  # labels follow their rows
    assert ours[0][0] != list(range(n))  # shuffled
    # The batches `fit(arrays, batch_size=5, shuffle=True)` trains on, in the same order.
    _, keras_batches = epochs(lambda: ArrayDataAdapter(features, labels, batch_size=5, shuffle=True).get_tf_dataset())
    assert ours == keras_batches

    plain = array_dataset(features, batch_size=6)
    assert plain.options().autotune.enabled is False
    assert plain.element_spec["input_ids"].shape.as_list() == [6, 8]  # all batches full: a static batch size
    assert np.concatenate([x["input_ids"][:, 0].numpy() for x in plain]).tolist() == list(range(n))


def test_array_dataset_fit_and_predict_trace_their_step_once():
    import keras

    import tf_longformer as tfl
    from training_utils import VOCAB, tiny_config

    traces = []

    class Counting(tfl.LongformerForSequenceClassification):  # Python runs once per trace of Keras' step
        def train_step(self, data):
            traces.append("train")
            return super().train_step(data)

        def predict_step(self, data):
            traces.append("predict")
            return super().predict_step(data)

    rng = np.random.default_rng(0)
    features = {
        "input_ids": rng.integers(3, VOCAB, [6, 32]).astype(np.int32),
        "attention_mask": np.ones([6, 32], np.int32),
    }
    labels = rng.integers(0, 2, 6).astype(np.int32)
    model = Counting(tiny_config())
    model.compile(optimizer=keras.optimizers.Adam(1e-3))
    model.fit(array_dataset(features, labels, batch_size=4, shuffle=True), epochs=3, shuffle=False, verbose=0)
    assert traces == ["train"]  # one trace for all epochs and both batch sizes (4 and the last 2)
    model.predict(array_dataset(features, batch_size=3), verbose=0)
    model.predict(array_dataset(features, batch_size=3), verbose=0)  # a new dataset, as the demo's each epoch
    assert traces == ["train", "predict"]


def test_preprocessed_dataset_rows_equal_make_datasets_in_buckets_with_labels(tok):
    texts = _texts(60, seed=4)
    labels = np.arange(len(texts))
    preprocessor = LongformerTextClassifierPreprocessor(tok, sequence_length=128)
    dataset = preprocessed_dataset(
        preprocessor, np.asarray(texts, object), labels, batch_size=4, shuffle_buffer_size=60, seed=1
    )
    assert dataset.options().autotune.enabled is False
    expected = tok(texts, truncation=True, max_length=128, global_attention="classification")
    seen, padded = {}, 0
    for features, label in dataset:
        ids, mask, glob = (features[k].numpy() for k in ("input_ids", "attention_mask", "global_attention_mask"))
        padded += int(mask.size - mask.sum())
        for row, y in enumerate(label.numpy()):
            seen[int(y)] = ids[row][mask[row] == 1].tolist()
            assert (ids[row][mask[row] == 0] == tok.pad_token_id).all()
            assert glob[row].tolist() == expected["global_attention_mask"][int(y)] + [0] * int((mask[row] == 0).sum())
    assert [seen[i] for i in range(len(texts))] == expected["input_ids"]
    plain = preprocessed_dataset(preprocessor, np.asarray(texts, object), labels, batch_size=4, bucket_boundaries=[])
    assert padded < sum(int(tf.size(x["attention_mask"]) - tf.reduce_sum(x["attention_mask"])) for x, _ in plain) / 2


def test_preprocessed_dataset_gives_each_window_of_a_long_context_a_row_with_its_answer(tok):
    contexts = [" ".join(["long former text"] * k) for k in (2, 30, 55)]
    questions = ["what is long ?"] * 3
    starts = np.asarray([c.rfind("former") for c in contexts], np.int32)
    answers = {"answer_start": starts, "answer_text": np.asarray(["former"] * 3, object)}
    x = {"question": np.asarray(questions, object), "context": np.asarray(contexts, object)}
    preprocessor = LongformerQuestionAnsweringPreprocessor(tok, sequence_length=64, stride=16)
    rows = [
        (ids[mask == 1].tolist(), int(start), int(end))
        for features, labels in preprocessed_dataset(preprocessor, x, answers, batch_size=2)
        for ids, mask, start, end in zip(
            features["input_ids"].numpy(),
            features["attention_mask"].numpy(),
            labels["start_positions"].numpy(),
            labels["end_positions"].numpy(),
        )
    ]
    windows = tok.encode_qa_windows(questions, contexts, max_length=64, stride=16, return_tensors=None)
    expected = [
        [i for i, m in zip(ids, mask) if m] for ids, mask in zip(windows["input_ids"], windows["attention_mask"])
    ]
    assert sorted(ids for ids, _, _ in rows) == sorted(expected) and len(rows) > 3
    answered = [(ids, start, end) for ids, start, end in rows if start > 0]
    assert len(answered) >= 3  # every context's last "former" is in its last window (or more)
    for ids, start, end in answered:
        assert tok.decode(ids[start : end + 1]).strip() == "former"
