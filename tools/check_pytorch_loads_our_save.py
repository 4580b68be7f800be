"""Checks that the reference PyTorch classes load our `save_pretrained` output and agree with it.

Two steps, because our package needs TensorFlow and the reference needs torch:

    /work/venv/bin/python    tools/check_pytorch_loads_our_save.py save  /tmp/ours   # tf_longformer
    /work/refvenv/bin/python tools/check_pytorch_loads_our_save.py check /tmp/ours   # torch + transformers 4.x

`save` writes one directory per model class (`save_pretrained`) plus `ours.npz` (inputs and
our outputs); `check` loads each with `transformers.<Class>.from_pretrained(dir)`, requires
no missing, unexpected or mismatched weights, runs the same inputs and prints the largest
absolute difference per output. Exit status 1 when anything is off (tolerance 1e-5).
"""

from __future__ import annotations

import os
import sys

import numpy as np

CLASSES = (
    "LongformerModel",
    "LongformerForMaskedLM",
    "LongformerForSequenceClassification",
    "LongformerForTokenClassification",
    "LongformerForQuestionAnswering",
    "LongformerForMultipleChoice",
)
OUTPUT_KEYS = ("last_hidden_state", "pooler_output", "logits", "start_logits", "end_logits", "loss")
TOLERANCE = 1e-5


def make_inputs(class_name: str, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """<s> question </s></s> answer </s> rows with padding; labels for the loss."""
    batch, length = 2, 11
    ids = rng.integers(3, 60, size=(batch, length)).astype("int32")
    ids[:, 0] = 0
    ids[:, 3:5] = 2
    ids[:, 8] = 2
    mask = np.ones_like(ids)
    ids[1, 9:], mask[1, 9:] = 1, 0
    inputs = {"input_ids": ids, "attention_mask": mask}
    if class_name in ("LongformerModel", "LongformerForMaskedLM", "LongformerForTokenClassification"):
        global_mask = np.zeros_like(ids)
        global_mask[:, 0] = 1
        global_mask[0, 6] = 1
        inputs["global_attention_mask"] = global_mask
    if class_name == "LongformerForMaskedLM":
        labels = rng.integers(3, 60, size=ids.shape).astype("int32")
        labels[:, ::2] = -100
        inputs["labels"] = labels
    elif class_name == "LongformerForTokenClassification":
        inputs["labels"] = np.where(mask == 1, rng.integers(0, 3, size=ids.shape), -100).astype("int32")
    elif class_name == "LongformerForSequenceClassification":
        inputs["labels"] = np.array([0, 2], "int32")
    elif class_name == "LongformerForQuestionAnswering":
        inputs["start_positions"] = np.array([5, 6], "int32")
        inputs["end_positions"] = np.array([7, 20], "int32")
    elif class_name == "LongformerForMultipleChoice":
        inputs = {key: np.stack([value, value[::-1]], axis=1) for key, value in inputs.items()}  # 2 choices
        inputs["labels"] = np.array([1, 0], "int32")
    return inputs


def save(out: str) -> None:
    import tf_longformer as tfl

    for index, class_name in enumerate(CLASSES):
        rng = np.random.default_rng(index)
        config = tfl.LongformerConfig(
            vocab_size=60,
            hidden_size=16,
            num_hidden_layers=2,
            num_attention_heads=2,
            intermediate_size=32,
            attention_window=[4, 6],
            max_position_embeddings=40,
            layer_norm_eps=1e-5,
            num_labels=3 if "Question" not in class_name else 2,
        )
        model = getattr(tfl, class_name)(config)
        model.build()
        for variable in model.weights:  # noise so that a wrong weight shows
            variable.assign(variable.numpy() + rng.normal(0, 0.3, variable.shape).astype("float32"))
        inputs = make_inputs(class_name, rng)
        outputs = model(**inputs)
        directory = os.path.join(out, class_name)
        model.save_pretrained(directory)
        saved = {f"inputs/{k}": v for k, v in inputs.items()}
        saved.update({f"outputs/{k}": np.asarray(outputs[k]) for k in OUTPUT_KEYS if k in outputs})
        np.savez(os.path.join(directory, "ours.npz"), **saved)
        print(f"saved {class_name} -> {directory}: {sorted(os.listdir(directory))}")


def check(out: str) -> int:
    import torch
    import transformers

    transformers.logging.set_verbosity_error()
    failures = 0
    for class_name in CLASSES:
        directory = os.path.join(out, class_name)
        model, info = getattr(transformers, class_name).from_pretrained(directory, output_loading_info=True)
        model.eval()
        problems = {key: value for key, value in info.items() if value}
        data = np.load(os.path.join(directory, "ours.npz"))
        inputs = {
            k[len("inputs/") :]: torch.from_numpy(data[k].astype("int64"))
            for k in data.files
            if k.startswith("inputs/")
        }
        with torch.no_grad():
            reference = model(**inputs)
        report = []
        for key in OUTPUT_KEYS:
            ours_key = f"outputs/{key}"
            theirs = getattr(reference, key, None)
            if (ours_key in data.files) != (theirs is not None):
                report.append(f"{key}: present in only one")
                failures += 1
                continue
            if theirs is None:
                continue
            diff = float(np.abs(theirs.numpy() - data[ours_key]).max())
            report.append(f"{key} {diff:.2e}")
            failures += diff > TOLERANCE
        failures += bool(problems)
        print(f"{class_name}: loading problems {problems or 'none'}; max |ours - PyTorch|: {', '.join(report)}")
    print("OK" if not failures else f"{failures} FAILURES")
    return int(bool(failures))


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("save", "check"):
        sys.exit(__doc__)
    if sys.argv[1] == "save":
        save(sys.argv[2])
    else:
        sys.exit(check(sys.argv[2]))
