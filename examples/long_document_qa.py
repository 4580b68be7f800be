"""Extractive QA over a document longer than the model's window budget, with overflow windows.

Training: `LongformerQuestionAnsweringPreprocessor(stride=...)` cuts each (question, context)
pair into rows of at most `max_length` tokens that overlap by `stride` tokens, each starting
with the question (global attention on it), inside the `tf.data` graph, and turns each SQuAD-style
answer (first character, text) into its token positions in every window that holds it.
Answering: `tokenizer.encode_qa_windows` cuts the same rows, the model scores every row, and
`tfl.best_answer_over_windows` picks the best span over all rows of a pair, mapped back to
characters with the offsets.

    python examples/long_document_qa.py          # trains the QA head briefly, then answers
    python examples/long_document_qa.py --smoke
"""

from __future__ import annotations

import argparse

import keras
import numpy as np

import tf_longformer as tfl
from tf_longformer.demo import synthetic
from tf_longformer.training.data import preprocessed_dataset


def answer_spans(contexts, colours):
    """Character span of the asked colour: the last occurrence of "wears <colour>" for the asked person."""
    spans = []
    for context, (person, colour) in zip(contexts, colours):
        start = context.rfind(f"the {person} wears {colour}") + len(f"the {person} wears ")
        spans.append((start, start + len(colour)))
    return spans


def best_answer(windows, contexts, sample, answers):
    """The answer of pair `sample` (`tfl.best_answer_over_windows`: best span over its windows) and its score."""
    row, start, end = (int(answers.window[sample]), int(answers.start[sample]), int(answers.end[sample]))
    offsets = np.asarray(windows["offset_mapping"][row])
    return contexts[sample][offsets[start][0] : offsets[end][1]], float(answers.score[sample])


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    args = parser.parse_args(argv)
    count, sentences, epochs, max_length = (6, 30, 1, 256) if args.smoke else (48, 60, 4, 512)

    model_dir = tfl.default_model_dir()
    tokenizer = tfl.LongformerTokenizer.from_pretrained(model_dir)
    questions, contexts, labels = synthetic.long_range_documents(count, sentences=sentences, seed=1)
    asked = [q.split()[4] for q in questions]  # "what colour does the <person> wear ?"
    spans = answer_spans(contexts, zip(asked, [synthetic.COLOURS[i] for i in labels]))

    preprocessor = tfl.LongformerQuestionAnsweringPreprocessor(tokenizer, sequence_length=max_length, stride=128)
    x = {"question": np.array(questions, object), "context": np.array(contexts, object)}
    y = {
        "answer_start": np.array([first for first, _ in spans], np.int32),
        "answer_text": np.array([context[first:last] for context, (first, last) in zip(contexts, spans)], object),
    }
    train = preprocessed_dataset(preprocessor, x, y, batch_size=8, shuffle_buffer_size=count, seed=0)

    keras.utils.set_random_seed(0)
    model = tfl.LongformerForQuestionAnswering.from_pretrained(model_dir)
    model.compile(
        optimizer=keras.optimizers.Adam(2e-3), run_eagerly=args.smoke
    )  # the head's own loss (start + end cross entropy)
    model.fit(train, epochs=epochs, verbose=2)

    windows = tokenizer.encode_qa_windows(
        questions, contexts, max_length=max_length, stride=128, pad_to_multiple_of=64, return_tensors="np"
    )
    print(f"{count} documents of ~{15 * sentences} tokens -> {len(windows['input_ids'])} windows of <= {max_length}")
    features = {k: windows[k] for k in ("input_ids", "attention_mask", "global_attention_mask")}
    outputs = model.predict(features, batch_size=8, verbose=0)
    answers = tfl.best_answer_over_windows(
        outputs["start_logits"],
        outputs["end_logits"],
        windows["context_mask"],
        windows["overflow_to_sample_mapping"],
        max_answer_tokens=10,
    )
    correct = 0
    for sample in range(min(count, 8)):
        text, score = best_answer(windows, contexts, sample, answers)
        truth = contexts[sample][spans[sample][0] : spans[sample][1]]
        correct += text.strip() == truth
        print(f"  {questions[sample]:<38} -> {text!r:<10} (truth {truth!r}, score {score:.1f})")
    print(f"exact match on the {min(count, 8)} shown: {correct}")


if __name__ == "__main__":
    main()
