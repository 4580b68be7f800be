"""Builds saved_models/default: the small Longformer (and tokenizer) the demo and examples use.

Everything is generated here, nothing is downloaded, and the run is seeded:

1. a byte-level BPE tokenizer trained on generated documents (`tf_longformer.demo.synthetic`);
2. a small `LongformerForMaskedLM` (hidden 64, 2 layers, 4 heads, window 64, 4098 positions)
   pretrained with masked-LM on 512-token chunks of generated documents (local attention only);
3. the global projections (query/key/value_global) set to copies of the local ones, the
   Longformer paper's initialisation (`copy_local_to_global_projections`); training them on
   masked-LM instead left global attention near uniform (a constant `<s>` state, from which
   a classifier did not learn in a few minutes);
4. the position table extended the way the Longformer paper extends RoBERTa's: the 512 learned
   rows are tiled over all 4096 positions (`checkpoints.lengthen.tile_position_table`);
5. `save_pretrained` of the model and the tokenizer, plus a model card (README.md).

    python tools/make_default_model.py                 # 5-10 minutes on 2 CPU cores
    python tools/make_default_model.py --steps 20 --output /tmp/tiny   # a quick check
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

import tf_longformer as tfl  # noqa: E402
from tf_longformer.checkpoints import transfer, writer  # noqa: E402
from tf_longformer.checkpoints.lengthen import tile_position_table  # noqa: E402
from tf_longformer.demo import synthetic  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHUNK = 512
POSITION_NAME = "longformer.embeddings.position_embeddings.weight"


def mask_tokens(ids: np.ndarray, tokenizer, rng: np.random.Generator, rate: float = 0.15):
    """BERT masking: 15% of the non-special tokens are predicted; 80% <mask>, 10% random, 10% kept."""
    special = np.isin(ids, [tokenizer.bos_token_id, tokenizer.eos_token_id, tokenizer.pad_token_id])
    chosen = (rng.random(ids.shape) < rate) & ~special
    labels = np.where(chosen, ids, -100).astype(np.int32)
    inputs = ids.copy()
    draw = rng.random(ids.shape)
    inputs[chosen & (draw < 0.8)] = tokenizer.mask_token_id
    random_ids = rng.integers(5, tokenizer.vocab_size, size=ids.shape)
    swap = chosen & (draw >= 0.8) & (draw < 0.9)
    inputs[swap] = random_ids[swap]
    return inputs.astype(np.int32), labels


def copy_local_to_global_projections(model) -> None:
    """Sets every layer's query/key/value_global weights to its query/key/value weights.

    The Longformer paper initialises the global projections this way; masked-LM with local
    attention never uses them, so a fine-tuned task's global attention starts from attention
    that already reads the tokens (rather than from near-uniform, content-blind weights).
    """
    variables = {variable.path: variable for variable in model.weights}
    copied = 0
    for path, variable in variables.items():
        for name in ("query", "key", "value"):
            if f"/{name}_global/" in path:
                variable.assign(variables[path.replace(f"/{name}_global/", f"/{name}/")])
                copied += 1
    if copied != 6 * model.config.num_hidden_layers:
        raise RuntimeError(f"expected {6 * model.config.num_hidden_layers} global projection weights, copied {copied}")


def chunks(tokenizer, documents: list[str]) -> np.ndarray:
    """Concatenated documents cut into rows of <s> + 510 tokens + </s>."""
    stream: list[int] = []
    for row in tokenizer(documents, add_special_tokens=False)["input_ids"]:
        stream.extend(row)
    body = CHUNK - 2
    rows = len(stream) // body
    table = np.asarray(stream[: rows * body], np.int32).reshape(rows, body)
    bos = np.full((rows, 1), tokenizer.bos_token_id, np.int32)
    eos = np.full((rows, 1), tokenizer.eos_token_id, np.int32)
    return np.concatenate([bos, table, eos], axis=1)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--output", default=os.path.join(REPO, "saved_models", "default"))
    parser.add_argument("--steps", type=int, default=200, help="masked-LM steps (batch 16 x 512 tokens)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(args.seed)
    tf.config.experimental.enable_op_determinism()
    started = time.perf_counter()

    documents = synthetic.pretraining_documents(4000, seed=args.seed)
    tokenizer = tfl.LongformerTokenizer.train_new_from_iterator(documents, vocab_size=1000, model_max_length=4096)
    config = tfl.LongformerConfig(
        vocab_size=len(tokenizer),
        hidden_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        intermediate_size=256,
        attention_window=64,
        max_position_embeddings=4098,
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
    )
    model = tfl.LongformerForMaskedLM(config)
    model.build(None)

    rows = chunks(tokenizer, documents)
    rng = np.random.default_rng(args.seed)
    batch = 16
    held_out = rows[:32]
    train_rows = rows[32:]

    def batches():
        while True:
            for start in range(0, len(train_rows) - batch + 1, batch):
                inputs, labels = mask_tokens(train_rows[start : start + batch], tokenizer, rng)
                yield {"input_ids": inputs, "attention_mask": np.ones_like(inputs)}, labels

    spec = (
        {"input_ids": tf.TensorSpec([None, CHUNK], tf.int32), "attention_mask": tf.TensorSpec([None, CHUNK], tf.int32)},
        tf.TensorSpec([None, CHUNK], tf.int32),
    )
    data = tf.data.Dataset.from_generator(batches, output_signature=spec)
    schedule = keras.optimizers.schedules.CosineDecay(
        1e-3, args.steps, warmup_target=3e-3, warmup_steps=args.steps // 10
    )
    model.compile(optimizer=keras.optimizers.AdamW(schedule, weight_decay=0.01))
    history = model.fit(data, steps_per_epoch=max(1, args.steps // 10), epochs=10, verbose=2)
    copy_local_to_global_projections(model)

    eval_rng = np.random.default_rng(args.seed + 1)
    inputs, labels = mask_tokens(held_out, tokenizer, eval_rng)
    logits = model({"input_ids": inputs, "attention_mask": np.ones_like(inputs)}).logits.numpy()
    chosen = labels != -100
    accuracy = float((logits.argmax(-1)[chosen] == labels[chosen]).mean())

    state = transfer.state_from_rows(model.weight_rows())
    reserved = config.pad_token_id + 1
    learned = state[POSITION_NAME][: reserved + CHUNK]  # the rows pretraining used
    state[POSITION_NAME] = tile_position_table(learned, config.max_position_embeddings, reserved)
    values = config.to_dict()
    values["architectures"] = ["LongformerForMaskedLM"]
    if os.path.exists(args.output):
        for name in os.listdir(args.output):
            os.remove(os.path.join(args.output, name))
    writer.write_checkpoint(args.output, values, state)
    tokenizer.save_pretrained(args.output)

    parameters = sum(int(np.prod(v.shape)) for v in model.weights)
    summary = {
        "parameters": parameters,
        "vocab_size": len(tokenizer),
        "steps": args.steps,
        "final_train_loss": round(float(history.history["loss"][-1]), 4),
        "held_out_masked_token_accuracy": round(accuracy, 4),
        "seconds": round(time.perf_counter() - started, 1),
        "seed": args.seed,
    }
    with open(os.path.join(args.output, "README.md"), "w", encoding="utf-8") as f:
        f.write(MODEL_CARD.format(summary=json.dumps(summary, indent=2)))
    print(json.dumps(summary))
    return 0


MODEL_CARD = """# saved_models/default

A small Longformer made by `tools/make_default_model.py` (seeded, offline) for the demo, the
examples and the tests. It is **not** a language model of real English: its tokenizer and
weights come from generated documents (`tf_longformer/demo/synthetic.py`).

- `LongformerForMaskedLM`: hidden 64, 2 layers, 4 heads, intermediate 256, attention window 64
  in every layer, 4098 position rows (inputs up to 4096 tokens); the reference's file layout
  (`config.json` + `model.safetensors`), so `transformers`' PyTorch Longformer loads it too.
- Tokenizer: byte-level BPE (RoBERTa's special tokens, ids 0-4) trained on the generated text.
- Pretraining: masked-LM (15%, 80/10/10) on 512-token chunks with local attention; then, as
  the Longformer paper does, the global query/key/value projections were set to copies of the
  local ones and the 512 learned position rows were tiled over the 4096 positions.

Load any head from it (`LongformerForSequenceClassification.from_pretrained("saved_models/default",
num_labels=2)`: the classifier is initialised, the backbone loaded).

```json
{summary}
```
"""


if __name__ == "__main__":
    sys.exit(main())
