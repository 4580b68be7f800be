"""Continued masked-LM pretraining of the default model on new (generated) long documents.

BERT masking (15% of tokens; 80% <mask>, 10% random, 10% kept), labels -100 elsewhere, the
masked-LM head's own loss, then `save_pretrained` so any head can start from the result.

    python examples/masked_lm_pretraining.py [--output /tmp/continued]
    python examples/masked_lm_pretraining.py --smoke
"""

from __future__ import annotations

import argparse
import tempfile

import keras
import numpy as np

import tf_longformer as tfl
from tf_longformer.demo import synthetic


def mask_tokens(ids, attention_mask, tokenizer, rng, rate=0.15):
    chosen = (rng.random(ids.shape) < rate) & (attention_mask == 1) & (ids > 4)
    labels = np.where(chosen, ids, -100).astype(np.int32)
    draw = rng.random(ids.shape)
    inputs = ids.copy()
    inputs[chosen & (draw < 0.8)] = tokenizer.mask_token_id
    swap = chosen & (draw >= 0.8) & (draw < 0.9)
    inputs[swap] = rng.integers(5, len(tokenizer), size=ids.shape)[swap]
    return inputs, labels


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--output", default=None, help="where to save the continued model (default: a temp dir)")
    args = parser.parse_args(argv)
    count, sentences, epochs = (8, 20, 1) if args.smoke else (64, 100, 2)

    model_dir = tfl.default_model_dir()
    tokenizer = tfl.LongformerTokenizer.from_pretrained(model_dir)
    documents = synthetic.pretraining_documents(count, sentences=(sentences, sentences + 1), seed=7)
    batch = tokenizer(
        documents, truncation=True, max_length=2048, padding=True, pad_to_multiple_of=64, return_tensors="np"
    )
    rng = np.random.default_rng(0)
    inputs, labels = mask_tokens(batch["input_ids"], batch["attention_mask"], tokenizer, rng)
    features = {"input_ids": inputs.astype(np.int32), "attention_mask": batch["attention_mask"].astype(np.int32)}
    print(f"{count} documents of up to {inputs.shape[1]} tokens, {int((labels != -100).sum())} masked tokens")

    keras.utils.set_random_seed(0)
    model = tfl.LongformerForMaskedLM.from_pretrained(model_dir)
    before = float(model(features, labels=labels).loss)
    model.compile(
        optimizer=keras.optimizers.AdamW(5e-4), run_eagerly=args.smoke
    )  # no loss: the head's own (-100 ignored)
    model.fit(features, labels, batch_size=4, epochs=epochs, verbose=2)
    after = float(model(features, labels=labels).loss)
    print(f"masked-LM loss on these documents: {before:.3f} -> {after:.3f}")

    output = args.output or tempfile.mkdtemp(prefix="continued-mlm-")
    model.save_pretrained(output)
    tokenizer.save_pretrained(output)
    print(f"saved to {output}: load any head from it, e.g. LongformerForSequenceClassification.from_pretrained(...)")


if __name__ == "__main__":
    main()
