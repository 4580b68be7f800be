"""Functional-API composition: the Longformer backbone as one layer of a bigger Keras model.

A mean-pooled document embedding and the <s> embedding feed a small Keras head; the whole
model trains with `fit`, saves to `.keras` and loads back with identical outputs.

    python examples/functional_api.py [--smoke]
"""

from __future__ import annotations

import argparse
import os
import tempfile

import keras
import numpy as np

import tf_longformer as tfl
from tf_longformer.demo import synthetic


def build(backbone: tfl.LongformerModel) -> keras.Model:
    inputs = {
        "input_ids": keras.Input(shape=(None,), dtype="int32", name="input_ids"),
        "attention_mask": keras.Input(shape=(None,), dtype="int32", name="attention_mask"),
        "global_attention_mask": keras.Input(shape=(None,), dtype="int32", name="global_attention_mask"),
    }
    hidden = backbone(inputs)["last_hidden_state"]  # [batch, length, hidden]
    mask = keras.ops.expand_dims(keras.ops.cast(inputs["attention_mask"], hidden.dtype), -1)
    mean = keras.ops.sum(hidden * mask, axis=1) / keras.ops.maximum(keras.ops.sum(mask, axis=1), 1.0)
    first = hidden[:, 0]
    features = keras.layers.Concatenate()([mean, first])
    features = keras.layers.Dense(32, activation="gelu")(features)
    logits = keras.layers.Dense(2, name="logits")(features)
    return keras.Model(inputs, logits, name="longformer_with_custom_head")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    count, sentences, epochs = (8, 10, 1) if args.smoke else (64, 60, 3)

    model_dir = tfl.default_model_dir()
    tokenizer = tfl.LongformerTokenizer.from_pretrained(model_dir)
    questions, documents, labels = synthetic.long_range_documents(count, sentences=sentences, seed=2)
    batch = tokenizer(
        questions,
        documents,
        truncation="only_second",
        max_length=4096,
        padding=True,
        pad_to_multiple_of=64,
        global_attention="question_answering",
        return_tensors="np",
    )
    x = {k: batch[k].astype(np.int32) for k in ("input_ids", "attention_mask", "global_attention_mask")}

    keras.utils.set_random_seed(0)
    backbone = tfl.LongformerModel.from_pretrained(model_dir)  # the MLM head's weights are left out
    model = build(backbone)
    model.summary(line_length=100)
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        run_eagerly=args.smoke,
    )
    model.fit(x, labels, batch_size=8, epochs=epochs, verbose=2)

    path = os.path.join(tempfile.mkdtemp(), "composed.keras")
    model.save(path)
    restored = keras.saving.load_model(path)
    sample = {k: v[:2] for k, v in x.items()}
    difference = np.max(np.abs(model.predict(sample, verbose=0) - restored.predict(sample, verbose=0)))
    print(f"saved {path}; reloaded model max |difference| = {difference:.2e}")


if __name__ == "__main__":
    main()
