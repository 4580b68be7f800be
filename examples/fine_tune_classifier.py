"""Fine-tune a document classifier with Keras `fit` on long documents.

The embedded default model (saved_models/default) learns to answer "what colour does the guard
wear ?" from a document whose facts come thousands of tokens after the question (the demo's task),
with global attention on the question and length-bucketed `tf.data` batches.

    python examples/fine_tune_classifier.py            # ~1-2 minutes on 2 CPU cores
    python examples/fine_tune_classifier.py --smoke    # a few seconds of training: checks the plumbing
"""

from __future__ import annotations

import argparse

import keras
import numpy as np

import tf_longformer as tfl
from tf_longformer.demo import synthetic
from tf_longformer.training.data import make_dataset


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    train_count, test_count, sentences, epochs = (8, 4, 20, 1) if args.smoke else (96, 32, 70, 3)

    model_dir = tfl.default_model_dir()
    tokenizer = tfl.LongformerTokenizer.from_pretrained(model_dir)
    questions, documents, labels = synthetic.long_range_documents(train_count + test_count, sentences=sentences)

    def dataset(rows, shuffle):
        return make_dataset(
            list(questions[rows]),
            tokenizer,
            labels[rows],
            text_pairs=list(documents[rows]),
            max_length=4096,
            batch_size=8,
            pad_to_multiple_of=64,
            global_attention="question_answering",
            truncation="only_second",
            shuffle_buffer_size=64 if shuffle else None,
            seed=0,
        )

    questions, documents = np.array(questions, dtype=object), np.array(documents, dtype=object)
    train, test = dataset(slice(0, train_count), True), dataset(slice(train_count, None), False)

    keras.utils.set_random_seed(0)
    model = tfl.LongformerForSequenceClassification.from_pretrained(
        model_dir, num_labels=2, id2label={0: "red", 1: "blue"}
    )
    # No loss: the head's own (the reference's cross entropy). Metrics see the logits.
    model.compile(optimizer=keras.optimizers.Adam(1e-3), metrics=["accuracy"], run_eagerly=args.smoke)
    model.fit(train, validation_data=test, epochs=epochs, verbose=2)
    loss, accuracy = model.evaluate(test, verbose=0)
    print(f"held-out loss {loss:.3f}  accuracy {accuracy:.3f}  (chance 0.5; the demo trains longer)")


if __name__ == "__main__":
    main()
