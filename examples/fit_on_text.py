"""Fine-tune on a list of strings with `fit`, then serve the export with strings.

The classifier from the embedded default model carries a preprocessor (its tokenizer as
TensorFlow ops), so `fit` takes the documents as they are, `predict` takes strings, and
`model.export()` adds the `serving_text` signature: the SavedModel, loaded by plain TensorFlow
(or TF Serving), answers strings with no tokenizer on the serving side.

    python examples/fit_on_text.py            # about a minute on 2 CPU cores
    python examples/fit_on_text.py --smoke    # a few steps: checks the plumbing
"""

from __future__ import annotations

import argparse
import tempfile

import keras
import numpy as np
import tensorflow as tf

import tf_longformer as tfl
from tf_longformer.demo import synthetic


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    count, epochs = (12, 1) if args.smoke else (192, 4)

    # Documents of ~1,100 tokens whose label needs both ends (the demo's task), as plain strings.
    documents, labels = synthetic.gate_documents(count + 8, seed=1)
    train_texts, train_labels = documents[:count], labels[:count]
    test_texts, test_labels = documents[count:], labels[count:]

    keras.utils.set_random_seed(0)
    model = tfl.LongformerForSequenceClassification.from_pretrained(
        "default", id2label=dict(enumerate(synthetic.GATE_LABELS)), num_hidden_layers=1
    )
    print(f"preprocessor: {type(model.preprocessor).__name__}, up to {model.preprocessor.sequence_length} tokens")
    model.compile(optimizer=keras.optimizers.Adam(2e-4), metrics=["accuracy"])
    model.fit(train_texts, train_labels, batch_size=4, epochs=epochs, verbose=2)  # strings in
    loss, accuracy = model.evaluate(test_texts, test_labels, verbose=0)
    print(f"held-out accuracy on {len(test_texts)} documents: {accuracy:.3f} (chance 0.25; the demo trains longer)")

    with tempfile.TemporaryDirectory() as directory:
        model.export(directory, verbose=False)  # serving_default (ids) and serving_text (strings)
        serving_text = tf.saved_model.load(directory).signatures["serving_text"]
        served = serving_text(text=tf.constant(test_texts))["logits"].numpy()
    predicted = model.predict(test_texts, verbose=0)["logits"]
    agree = int((served.argmax(-1) == predicted.argmax(-1)).sum())
    print(
        f"serving_text on strings: same label as predict on {agree}/{len(test_texts)} documents, "
        f"max |logit diff| {np.abs(served - predicted).max():.1e}"
    )


if __name__ == "__main__":
    main()
