"""Writes tiny `tf_model.h5` checkpoints with the removed transformers TF Longformer classes.

The files are what `TFLongformer….save_pretrained(dir)` wrote in transformers 4.x, so the
tests can check that `from_pretrained` reads that layout (names, transposes, the tied
decoder, the `longformer/` scope of `TFLongformerModel`). Each case directory holds
`config.json`, `tf_model.h5` and `expected.npz` (the inputs and the TF model's outputs).

Needs a separate environment with the TF classes (they need tf-keras):

    python -m venv /tmp/reftf
    /tmp/reftf/bin/pip install tensorflow-cpu==2.21.* tf-keras==2.21.* "transformers>=4.40,<5"
    /tmp/reftf/bin/python tools/make_tf_h5_fixtures.py
"""

from __future__ import annotations

import argparse
import os
import shutil

import numpy as np

os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402
import transformers  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "fixtures", "tf_h5")
CASES = {
    "base": "TFLongformerModel",
    "mlm": "TFLongformerForMaskedLM",
    "seqcls": "TFLongformerForSequenceClassification",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", default=OUT)
    args = parser.parse_args()
    for index, (case, class_name) in enumerate(CASES.items()):
        tf.random.set_seed(index)
        rng = np.random.default_rng(index)
        config = transformers.LongformerConfig(
            vocab_size=60,
            hidden_size=16,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=32,
            attention_window=4,
            max_position_embeddings=40,
            layer_norm_eps=1e-5,
            pad_token_id=1,
            bos_token_id=0,
            eos_token_id=2,
            sep_token_id=2,
            num_labels=3,
        )
        model = getattr(transformers, class_name)(config)
        model(model.dummy_inputs)
        for weight in model.weights:  # visible signal: noise on every weight
            weight.assign(weight + rng.normal(0, 0.3, weight.shape).astype("float32"))
        input_ids = rng.integers(3, 60, size=(2, 9)).astype("int32")
        input_ids[:, 0] = 0
        attention_mask = np.ones_like(input_ids)
        attention_mask[1, -2:] = 0
        global_attention_mask = np.zeros_like(input_ids)
        global_attention_mask[:, 0] = 1
        outputs = model(
            input_ids=input_ids,
            attention_mask=attention_mask,
            global_attention_mask=global_attention_mask,
            training=False,
        )
        directory = os.path.join(args.out, case)
        shutil.rmtree(directory, ignore_errors=True)
        model.save_pretrained(directory)
        for name in os.listdir(directory):
            if name not in ("config.json", "tf_model.h5"):
                os.remove(os.path.join(directory, name))
        saved = {
            "inputs/input_ids": input_ids,
            "inputs/attention_mask": attention_mask,
            "inputs/global_attention_mask": global_attention_mask,
        }
        for key in ("last_hidden_state", "pooler_output", "logits"):
            if getattr(outputs, key, None) is not None:
                saved[f"outputs/{key}"] = outputs[key].numpy()
        np.savez(os.path.join(directory, "expected.npz"), model_class=np.array(class_name), **saved)
        print(case, class_name, sorted(os.listdir(directory)))


if __name__ == "__main__":
    main()
