"""The model configurations the benchmarks run (`--model`), and one sized for a given length."""

from __future__ import annotations

from benchmarks import flops

MODELS = {
    "base": dict(flops.BASE_4096),
    # For developing the benchmark itself on a shared machine: seconds, not minutes.
    "tiny": dict(
        vocab_size=1000,
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=128,
        attention_window=64,
        max_position_embeddings=1026,
    ),
}


def model_for(name: str, length: int) -> dict:
    cfg = dict(MODELS[name])
    # Longer than the position table: a bigger table (the reference needs n + 2 positions).
    cfg["max_position_embeddings"] = max(
        cfg["max_position_embeddings"], flops.padded_length(length, cfg["attention_window"]) + 2
    )
    return cfg
