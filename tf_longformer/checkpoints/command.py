"""`tf-longformer convert` and `tf-longformer info`: checkpoint formats and what a checkpoint holds.

Our native format is the reference's: a directory with `config.json` + `model.safetensors`.
`convert` turns the other forms into it and back:

- a reference checkpoint with `tf_model.h5` (the removed TF classes), `pytorch_model.bin`
  (needs torch) or sharded weights -> `model.safetensors` (every weight checked against the model);
- a checkpoint directory -> a `.keras` file, and a `.keras` file -> a checkpoint directory;
- a RoBERTa checkpoint -> a Longformer one (`--roberta-to-longformer`, the paper's recipe).
Tokenizer files beside the weights are copied along.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
from typing import Any

import numpy as np

from tf_longformer.argument_types import positive_int
from tf_longformer.checkpoints import files

TOKENIZER_FILES = ("tokenizer.json", "vocab.json", "merges.txt", "tokenizer_config.json", "special_tokens_map.json")

CONVERT_EPILOG = """examples:
  tf-longformer convert ./legacy-tf-checkpoint ./converted          # tf_model.h5 -> model.safetensors
  tf-longformer convert ./my-model model.keras                      # checkpoint directory -> .keras
  tf-longformer convert model.keras ./my-model                      # .keras -> checkpoint directory
  tf-longformer convert ./roberta-base ./longformer-base --roberta-to-longformer --max-length 4096"""


def add_convert_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = __doc__.split("\n\n", 1)[1]
    parser.epilog = CONVERT_EPILOG
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("source", help="checkpoint directory (any weights format) or .keras file")
    parser.add_argument("output", help="checkpoint directory to write, or a .keras file")
    parser.add_argument("--task", default="auto", help="model class to load: auto (config.json's architectures) or "
                        "base, masked_lm, sequence_classification, token_classification, question_answering, multiple_choice")
    parser.add_argument("--roberta-to-longformer", action="store_true",
                        help="source is a RoBERTa checkpoint: lengthen it into a Longformer")
    parser.add_argument("--max-length", type=positive_int, default=4096,
                        help="--roberta-to-longformer: longest input in tokens (default 4096)")
    parser.add_argument("--attention-window", type=positive_int, default=512,
                        help="--roberta-to-longformer: attention window, even (default 512)")
    parser.add_argument("--overwrite", action="store_true", help="replace an existing output")


def _check_output(output: str, overwrite: bool) -> None:
    if os.path.exists(output) and not overwrite and (os.path.isfile(output) or os.listdir(output)):
        raise FileExistsError(f"{output} already exists; pass --overwrite to replace it.")


def _copy_tokenizer(source_dir: str, output_dir: str) -> list[str]:
    copied = []
    for name in TOKENIZER_FILES:
        path = os.path.join(source_dir, name)
        if os.path.isfile(path):
            shutil.copyfile(path, os.path.join(output_dir, name))
            copied.append(name)
    return copied


def convert(source: str, output: str, *, task: str = "auto", roberta_to_longformer: bool = False,
            max_length: int = 4096, attention_window: int = 512, overwrite: bool = False) -> str:
    """Converts `source` into `output` (see the module docstring); returns a one-line description."""
    import keras

    import tf_longformer as tfl
    from tf_longformer.export.command import model_class_name

    if not os.path.exists(source):
        raise FileNotFoundError(f"No such checkpoint: {source!r}")
    if os.path.abspath(source) == os.path.abspath(output):
        raise ValueError("source and output are the same path")
    _check_output(output, overwrite)
    if roberta_to_longformer:
        if not os.path.isdir(source):
            raise ValueError("--roberta-to-longformer takes a RoBERTa checkpoint directory")
        if os.path.exists(output):
            shutil.rmtree(output)
        config = tfl.convert_roberta_to_longformer(source, output, max_position_embeddings=max_length,
                                                   attention_window=attention_window)
        _copy_tokenizer(source, output)
        return f"{output}: Longformer from RoBERTa, {config.num_hidden_layers} layers, window {attention_window}, " \
               f"{config.max_sequence_length} tokens"
    if os.path.isfile(source):
        if not source.endswith(".keras"):
            raise ValueError(f"{source!r} is a file but not a .keras file; give a checkpoint directory or a .keras file")
        if output.endswith(".keras"):
            raise ValueError("both source and output are .keras files; nothing to convert")
        model = keras.saving.load_model(source)
        if os.path.exists(output):
            shutil.rmtree(output)
        model.save_pretrained(output)
        return f"{output}: {type(model).__name__} checkpoint (config.json + model.safetensors)"
    config_path = os.path.join(source, "config.json")
    if not os.path.isfile(config_path):
        raise FileNotFoundError(f"No config.json in {source!r}: not a checkpoint directory")
    with open(config_path, encoding="utf-8") as f:
        if "roberta" in str(json.load(f).get("model_type", "")):
            raise ValueError(f"{source!r} is a RoBERTa checkpoint: pass --roberta-to-longformer")
    cls = getattr(tfl, model_class_name(source, task))
    weights = files.find_weights_file(source)
    model = cls.from_pretrained(source)
    if output.endswith(".keras"):
        if os.path.exists(output):
            os.remove(output)
        model.save(output)
        return f"{output}: {cls.__name__} from {os.path.basename(weights)} (Keras format)"
    if os.path.exists(output):
        shutil.rmtree(output)
    model.save_pretrained(output)
    copied = _copy_tokenizer(source, output)
    extra = f" + tokenizer ({len(copied)} files)" if copied else ""
    return f"{output}: {cls.__name__} from {os.path.basename(weights)} -> model.safetensors{extra}"


def run_convert(args: argparse.Namespace) -> int:
    print(convert(args.source, args.output, task=args.task, roberta_to_longformer=args.roberta_to_longformer,
                  max_length=args.max_length, attention_window=args.attention_window, overwrite=args.overwrite))
    return 0


# -- info --------------------------------------------------------------------------------------


def add_info_arguments(parser: argparse.ArgumentParser) -> None:
    parser.description = ("Print a checkpoint's configuration, parameter count and attention windows "
                          "(a checkpoint directory in any weights format, or a .keras file).")
    parser.add_argument("checkpoint", help="checkpoint directory or .keras file")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of a table")


def _count_parameters(state: dict[str, np.ndarray]) -> int:
    names = [n for n in state if not n.endswith("position_ids")]
    # The masked-LM decoder is tied to the word embeddings; some checkpoints store both.
    names = [n for n in names if not (n.endswith("lm_head.decoder.weight"))]
    return int(sum(int(np.prod(state[n].shape)) for n in names))


def info(checkpoint: str) -> dict[str, Any]:
    """What `tf-longformer info` prints, as a dict."""
    if os.path.isfile(checkpoint):
        if not checkpoint.endswith(".keras"):
            raise ValueError(f"{checkpoint!r} is not a .keras file or a checkpoint directory")
        import keras

        import tf_longformer  # noqa: F401  (registers the classes)

        model = keras.saving.load_model(checkpoint)
        config, architecture = model.config, type(model).__name__
        parameters, weights = int(model.count_params()), os.path.basename(checkpoint)
    else:
        from tf_longformer.config import LongformerConfig

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


def run_info(args: argparse.Namespace) -> int:
    result = info(args.checkpoint)
    if args.json:
        print(json.dumps(result))
        return 0
    windows = result["attention_windows"]
    window_text = str(windows[0]) + " in every layer" if len(set(windows)) == 1 else ", ".join(map(str, windows))
    print(f"{args.checkpoint}")
    print(f"  architecture         {result['architecture']} ({result['weights']})")
    print(f"  parameters           {result['parameters']:,}")
    print(f"  layers x hidden      {result['num_hidden_layers']} x {result['hidden_size']} "
          f"({result['num_attention_heads']} heads, intermediate {result['intermediate_size']})")
    print(f"  attention window     {window_text} (each token sees {windows[0] // 2} tokens to each side)")
    print(f"  max sequence length  {result['max_sequence_length']} tokens")
    print(f"  vocabulary           {result['vocab_size']}")
    if result["architecture"] not in ("LongformerModel", "LongformerForMaskedLM"):
        print(f"  labels               {result['num_labels']}: {', '.join(result['id2label'].values())}")
    return 0
