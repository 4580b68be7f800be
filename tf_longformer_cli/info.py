"""`tf-longformer info`: what a checkpoint holds (configuration, parameter count, attention windows)."""

from __future__ import annotations

import argparse
import json
import os
from typing import Any

import numpy as np


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = (
        "Print a checkpoint's configuration, parameter count and attention windows "
        "(a checkpoint directory in any weights format, or a .keras file)."
    )
    parser.add_argument("checkpoint", help="checkpoint directory, .keras file, or default (the embedded model)")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")


def _count_parameters(state: dict[str, np.ndarray]) -> int:
    names = [n for n in state if not n.endswith("position_ids")]
    # The masked-LM decoder is tied to the word embeddings; some checkpoints store both.
    names = [n for n in names if not (n.endswith("lm_head.decoder.weight"))]
    return int(sum(int(np.prod(state[n].shape)) for n in names))


def info(checkpoint: str) -> dict[str, Any]:
    """What `tf-longformer info` prints, as a dict."""
    from tf_longformer.checkpoints import files
    from tf_longformer.config import LongformerConfig
    from tf_longformer.default_model import resolve_name

    checkpoint = resolve_name(checkpoint)
    if os.path.isfile(checkpoint):
        if not checkpoint.endswith(".keras"):
            raise ValueError(f"{checkpoint!r} is not a .keras file or a checkpoint directory")
        import keras

        model = keras.saving.load_model(checkpoint)
        config, architecture = model.config, type(model).__name__
        parameters, weights = int(model.count_params()), os.path.basename(checkpoint)
    else:
        config_path = os.path.join(checkpoint, "config.json")
        if not os.path.isfile(config_path):
            raise FileNotFoundError(f"No config.json in {checkpoint!r}: not a checkpoint directory")
        config = LongformerConfig.from_json_file(config_path)
        architecture = (config.extra.get("architectures") or ["LongformerModel"])[0]
        weights_path = files.find_weights_file(checkpoint)
        parameters, weights = _count_parameters(files.read_weights(weights_path)), os.path.basename(weights_path)
    return {
        "architecture": architecture,
        "weights": weights,
        "parameters": parameters,
        "vocab_size": config.vocab_size,
        "hidden_size": config.hidden_size,
        "num_hidden_layers": config.num_hidden_layers,
        "num_attention_heads": config.num_attention_heads,
        "intermediate_size": config.intermediate_size,
        "attention_windows": config.attention_windows,
        "max_sequence_length": config.max_sequence_length,
        "num_labels": config.num_labels,
        "id2label": {str(k): v for k, v in config.id2label.items()},
    }


def run(args: argparse.Namespace) -> int:
    result = info(args.checkpoint)
    if args.json:
        print(json.dumps(result))
        return 0
    windows = result["attention_windows"]
    window_text = str(windows[0]) + " in every layer" if len(set(windows)) == 1 else ", ".join(map(str, windows))
    print(f"{args.checkpoint}")
    print(f"  architecture         {result['architecture']} ({result['weights']})")
    print(f"  parameters           {result['parameters']:,}")
    print(
        f"  layers x hidden      {result['num_hidden_layers']} x {result['hidden_size']} "
        f"({result['num_attention_heads']} heads, intermediate {result['intermediate_size']})"
    )
    print(f"  attention window     {window_text} (each token sees {windows[0] // 2} tokens to each side)")
    print(f"  max sequence length  {result['max_sequence_length']} tokens")
    print(f"  vocabulary           {result['vocab_size']}")
    if result["architecture"] not in ("LongformerModel", "LongformerForMaskedLM"):
        print(f"  labels               {result['num_labels']}: {', '.join(result['id2label'].values())}")
    return 0
