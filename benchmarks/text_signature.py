"""In-graph tokenization (`serving_text`) against the base-4096 forward: `python -m benchmarks.text_signature`.

The target: tokenizing a 4,096-token document inside the graph (`GraphTokenizer.encode`,
what `serving_text` runs before the model) takes at most 10% of the base-4096 forward on the
same machine. In this one process:

1. trains a byte-level BPE of `--vocab-size` tokens (RoBERTa's size by default) on a seeded
   synthetic corpus (Zipf-distributed pseudo-words, punctuation, contractions), as no real
   vocabulary ships offline;
2. builds a document of those sentences that the tokenizer turns into at least 4,094 tokens
   (4,096 with `<s>` and `</s>`), checks that the graph's ids equal the Python tokenizer's,
   and times `GraphTokenizer.encode` (median of `--repeats` after one warm-up; the Python
   tokenizer's time is printed beside it);
3. with `--forward`, times the random-weight base-4096 `LongformerModel` forward (batch 1,
   4,096 tokens, `<s>` global, `tf.function`) the same way and prints the ratio;
4. with `--documents N`, tokens per second over N such documents: the Python tokenizer on the
   whole list (what `tf-longformer train` and `make_dataset` do) against
   `LongformerTextClassifierPreprocessor` in a `tf.data` map with `num_parallel_calls=AUTOTUNE`
   (what `fit` on texts does), batches of `--batch-size`, after one warm-up pass;
5. with `--fit N`, what the text pipeline costs a `fit` step: a random-weight base-4096
   `LongformerForSequenceClassification` fits N such documents (batch 1) for two epochs on
   `dataset.map(preprocessor).cache()`: the first epoch tokenizes in the `tf.data` map beside
   the step, the second reads the same ids from the cache. The steps' mean time (each epoch's
   first step left out) differs by what the pipeline costs: the step waiting for input, and the
   CPU the map takes from it.

Prints the CPU (model name and AVX2 / AVX-512F / AVX512-BF16 flags), load average, date and command.
"""

from __future__ import annotations

import argparse
import datetime
import os
import random
import sys
import time

from benchmarks.machine import cpu_description
from benchmarks.timing import median_seconds

LENGTH = 4096


def synthetic_sentences(seed: int):
    """An endless seeded stream of English-like sentences over a Zipf-distributed lexicon."""
    rng = random.Random(seed)
    syllables = [c + v for c in "bcdfghjklmnprstvwz" for v in ("a", "e", "i", "o", "u", "ou", "ea", "ai")]
    lexicon = sorted({"".join(rng.choices(syllables, k=rng.randint(1, 4))) for _ in range(60000)})
    rng.shuffle(lexicon)
    weights = [1.0 / (rank + 1) for rank in range(len(lexicon))]
    endings = [" .", " ?", " !", ",", "'s", "'ll", " -", ":"]
    while True:
        words = rng.choices(lexicon, weights=weights, k=rng.randint(6, 20))
        words[0] = words[0].capitalize()
        yield " ".join(words) + rng.choice(endings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forward", action="store_true", help="also time the base-4096 forward and print the ratio")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls after one warm-up (default 5)")
    parser.add_argument("--vocab-size", type=int, default=50265, help="BPE vocabulary to train (default 50265)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--documents", type=int, default=0, help="also: tokens per second over N documents")
    parser.add_argument("--batch-size", type=int, default=4, help="--documents: documents per batch (default 4)")
    parser.add_argument("--fit", type=int, default=0, help="also: fit steps on text vs cached ids over N documents")
    args = parser.parse_args()

    import tf_longformer as tfl  # first: it turns oneDNN on before TensorFlow loads, as users get it

    # isort: split
    import tensorflow as tf

    from tf_longformer.tokenization.graph_bpe import GraphTokenizer

    print(f"# {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC; command: {' '.join(sys.argv)}")
    print(f"# CPU: {cpu_description()}; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"# TensorFlow {tf.__version__}, TF_ENABLE_ONEDNN_OPTS={os.environ.get('TF_ENABLE_ONEDNN_OPTS')}")

    sentences = synthetic_sentences(args.seed)
    start = time.perf_counter()
    corpus = [next(sentences) for _ in range(100000)]
    tokenizer = tfl.LongformerTokenizer.train_new_from_iterator(
        (corpus[i : i + 1000] for i in range(0, len(corpus), 1000)), vocab_size=args.vocab_size
    )
    print(f"# tokenizer: {len(tokenizer)} tokens, trained in {time.perf_counter() - start:.1f} s")

    document = ""
    while len(tokenizer(document, truncation=False)["input_ids"]) < LENGTH:
        document += next(sentences) + " "
    graph = GraphTokenizer.from_tokenizer(tokenizer, max_length=LENGTH)
    texts = tf.constant([document])
    encoded = graph.encode(texts)
    expected = tokenizer([document], truncation=True, max_length=LENGTH)["input_ids"][0]
    if encoded["input_ids"][0].numpy().tolist() != expected:
        raise SystemExit("the graph's ids differ from the Python tokenizer's")
    print(f"# document: {len(document)} characters, {len(document.encode())} bytes, {len(expected)} tokens")

    graph_seconds = median_seconds(lambda: graph.encode(texts)["input_ids"].numpy(), args.repeats)
    python_seconds = median_seconds(lambda: tokenizer([document], truncation=True, max_length=LENGTH), args.repeats)
    print("| what | median s |")
    print("|---|---:|")
    print(f"| GraphTokenizer.encode (in-graph, serving_text's tokenization) | {graph_seconds:.4f} |")
    print(f"| LongformerTokenizer (Python, Rust backend), for reference | {python_seconds:.4f} |")
    if args.documents:
        pipeline_throughput(tokenizer, sentences, args.documents, args.batch_size)
    if args.fit:
        fit_input_cost(tokenizer, sentences, args.fit)
    if not args.forward:
        return

    config = tfl.LongformerConfig(attention_window=512, max_position_embeddings=4098, vocab_size=50265)
    model = tfl.LongformerModel(config)
    model.build()
    ids = tf.constant([expected], tf.int32)
    mask = tf.ones_like(ids)
    global_mask = tf.concat([tf.ones([1, 1], tf.int32), tf.zeros([1, LENGTH - 1], tf.int32)], 1)

    @tf.function
    def forward() -> tf.Tensor:
        return model(input_ids=ids, attention_mask=mask, global_attention_mask=global_mask).last_hidden_state

    forward_seconds = median_seconds(lambda: forward().numpy(), max(1, min(args.repeats, 3)))
    print(f"| base-4096 LongformerModel forward (batch 1, 4096 tokens, <s> global) | {forward_seconds:.3f} |")
    print(f"\nin-graph tokenization / forward = {graph_seconds / forward_seconds:.1%} (target <= 10%)")


def long_documents(sentences, count: int) -> list[str]:
    """`count` documents past 4,096 tokens (truncated to it)."""
    documents = []
    for _ in range(count):
        document = ""
        while len(document) < 4 * LENGTH * 5:  # ~5 characters a token
            document += next(sentences) + " "
        documents.append(document)
    return documents


def fit_input_cost(tokenizer, sentences, count: int) -> None:
    """Mean `fit` step on text tokenized by the `tf.data` map vs on the same ids from a cache."""
    import keras
    import tensorflow as tf

    import tf_longformer as tfl

    documents = long_documents(sentences, count)
    preprocessor = tfl.LongformerTextClassifierPreprocessor(tokenizer, sequence_length=LENGTH)
    dataset = (
        tf.data.Dataset.from_tensor_slices((documents, [i % 2 for i in range(count)]))
        .batch(1)
        .map(preprocessor, num_parallel_calls=tf.data.AUTOTUNE)
        .cache()
        .prefetch(tf.data.AUTOTUNE)
    )
    keras.utils.set_random_seed(0)
    config = tfl.LongformerConfig(attention_window=512, max_position_embeddings=4098, vocab_size=len(tokenizer))
    model = tfl.LongformerForSequenceClassification(config)
    model.compile(optimizer="adam")
    steps: dict[int, list[float]] = {}

    class StepTimes(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_begin(self, batch, logs=None):
            self.started = time.perf_counter()

        def on_train_batch_end(self, batch, logs=None):
            steps.setdefault(self.epoch, []).append(time.perf_counter() - self.started)

    model.fit(dataset, epochs=2, verbose=0, shuffle=False, callbacks=[StepTimes()])
    text, cached = (sum(steps[e][1:]) / len(steps[e][1:]) for e in (0, 1))
    print(f"\nfit, base-4096 classifier, batch 1, {count} documents of {LENGTH} tokens, two epochs:")
    print("| epoch | input | first step s | mean step s (first left out) |")
    print("|---|---|---:|---:|")
    for epoch, name, mean in (
        (0, "text through the preprocessor map", text),
        (1, "the same ids from the cache", cached),
    ):
        print(f"| {epoch + 1} | {name} | {steps[epoch][0]:.2f} | {mean:.2f} |")
    print(f"\nstep on text / step on cached ids = {text / cached:.4f} (the pipeline's cost: target <= 2%)")


def pipeline_throughput(tokenizer, sentences, count: int, batch_size: int) -> None:
    """Tokens per second over `count` documents of about 4,096 tokens: Python vs the in-graph layer."""
    import tensorflow as tf

    import tf_longformer as tfl

    documents = long_documents(sentences, count)
    start = time.perf_counter()
    batch = tokenizer(documents, truncation=True, max_length=LENGTH, padding=True, global_attention="classification")
    python_seconds = time.perf_counter() - start
    tokens = int(sum(sum(row) for row in batch["attention_mask"]))

    preprocessor = tfl.LongformerTextClassifierPreprocessor(tokenizer, sequence_length=LENGTH)
    dataset = (
        tf.data.Dataset.from_tensor_slices(documents)
        .batch(batch_size)
        .map(preprocessor, num_parallel_calls=tf.data.AUTOTUNE)
        .prefetch(tf.data.AUTOTUNE)
    )
    sum(int(x["attention_mask"].numpy().sum()) for x in dataset)  # warm-up: traces the map
    start = time.perf_counter()
    graph_tokens = sum(int(x["attention_mask"].numpy().sum()) for x in dataset)
    graph_seconds = time.perf_counter() - start
    if graph_tokens != tokens:
        raise SystemExit(f"the layer gave {graph_tokens} tokens, the Python tokenizer {tokens}")
    print(f"\n{count} documents, {tokens} tokens ({tokens / count:.0f} a document), batches of {batch_size}:")
    print("| path | s | tokens/s | s per document |")
    print("|---|---:|---:|---:|")
    for name, seconds in (
        ("LongformerTokenizer on the list (Python, Rust backend)", python_seconds),
        ("LongformerTextClassifierPreprocessor in tf.data map, AUTOTUNE", graph_seconds),
    ):
        print(f"| {name} | {seconds:.2f} | {tokens / seconds:,.0f} | {seconds / count:.4f} |")


if __name__ == "__main__":
    main()
