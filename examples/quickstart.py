"""Quick start: a small Longformer reads a long document with global attention on token 0.

Runs offline in well under a minute on 2 CPU cores:
    python examples/quickstart.py
"""

from __future__ import annotations

import time

import numpy as np

import tf_longformer as tfl


def make_corpus(documents: int = 50, seed: int = 0) -> list[str]:
    """Synthetic text (the repo ships no data and downloads nothing)."""
    rng = np.random.default_rng(seed)
    words = "the model reads long documents with local windows and a few global tokens".split()
    return [" ".join(rng.choice(words, size=int(rng.integers(200, 800)))) for _ in range(documents)]


def main() -> None:
    corpus = make_corpus()
    tokenizer = tfl.LongformerTokenizer.train_new_from_iterator(corpus, vocab_size=400)
    config = tfl.LongformerConfig(
        vocab_size=tokenizer.vocab_size,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=128,
        attention_window=64,
        max_position_embeddings=4098,
    )
    model = tfl.LongformerModel(config)
    document = " ".join(corpus[:8])
    encoded = tokenizer(
        document, truncation=True, max_length=4096, return_tensors="tf", global_attention="classification"
    )
    start = time.perf_counter()
    outputs = model(encoded)
    elapsed = time.perf_counter() - start
    length = encoded["input_ids"].shape[1]
    print(
        f"tokens: {length}   last_hidden_state: {tuple(outputs.last_hidden_state.shape)}   "
        f"pooler_output: {tuple(outputs.pooler_output.shape)}   forward: {elapsed:.2f} s"
    )


if __name__ == "__main__":
    main()
