#!/usr/bin/env python
"""Generate golden reference fixtures from the PyTorch Longformer (transformers).

Run with the reference environment (torch + transformers installed):

    /work/refvenv/bin/python tools/make_reference_fixtures.py [--out DIR] [--only SUBSTR]

Writes one compressed ``.npz`` per case into ``tests/fixtures/reference/``.  The
output is byte-for-byte deterministic: torch and numpy are seeded per case, torch
runs single-threaded, and the zip members carry a fixed timestamp.

File format (see tests/fixtures/reference/README.md):

* ``config``                 0-d unicode: ``json.dumps(model.config.to_dict())``
* ``model_class``            0-d unicode, e.g. ``"LongformerModel"``
* ``weights/<name>``         float32, every ``model.state_dict()`` entry, PyTorch layout
* ``inputs/<name>``          int32 (``inputs_embeds`` and float ``labels``: float32)
* ``kwargs/output_attentions``, ``kwargs/output_hidden_states``   0-d bool
* ``outputs/<name>``         float32 tensor outputs (``loss`` is 0-d)
* ``outputs/hidden_states/<i>``, ``outputs/attentions/<i>``, ``outputs/global_attentions/<i>``

A key is omitted when the reference returns ``None`` for it (e.g. ``global_attentions``
when no token in the batch is global, ``loss`` without labels).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import zipfile

import numpy as np
import torch
import transformers
from transformers import (
    LongformerConfig,
    LongformerForMaskedLM,
    LongformerForMultipleChoice,
    LongformerForQuestionAnswering,
    LongformerForSequenceClassification,
    LongformerForTokenClassification,
    LongformerModel,
)

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(REPO_ROOT, "tests", "fixtures", "reference")

PAD = 1  # pad_token_id
BOS = 0  # bos / cls
SEP = 2  # sep_token_id == eos_token_id
VOCAB = 60
NOISE_STD = 0.3

MODEL_CLASSES = {
    cls.__name__: cls
    for cls in (
        LongformerModel,
        LongformerForMaskedLM,
        LongformerForSequenceClassification,
        LongformerForTokenClassification,
        LongformerForQuestionAnswering,
        LongformerForMultipleChoice,
    )
}

INT_INPUTS = (
    "input_ids",
    "attention_mask",
    "global_attention_mask",
    "token_type_ids",
    "position_ids",
    "labels",
    "start_positions",
    "end_positions",
)


# --------------------------------------------------------------------------- helpers


def small_config(window, hidden=16, heads=2, layers=2, inter_mult=2, max_pos=32, **extra):
    kw = dict(
        vocab_size=VOCAB,
        hidden_size=hidden,
        num_hidden_layers=layers,
        num_attention_heads=heads,
        intermediate_size=hidden * inter_mult,
        hidden_act="gelu",
        hidden_dropout_prob=0.1,  # eval mode: dropout is off anyway
        attention_probs_dropout_prob=0.1,
        max_position_embeddings=max_pos,
        type_vocab_size=2,
        initializer_range=0.02,
        layer_norm_eps=1e-5,
        attention_window=window,
        pad_token_id=PAD,
        bos_token_id=BOS,
        eos_token_id=SEP,
        sep_token_id=SEP,
    )
    kw.update(extra)
    return LongformerConfig(**kw)


def perturb_(model, gen):
    """Add seeded noise so attention is peaked and every mistake shows."""
    with torch.no_grad():
        for name, p in model.named_parameters():  # tied params appear once
            noise = torch.randn(p.shape, generator=gen, dtype=torch.float32)
            if "LayerNorm.weight" in name or "layer_norm.weight" in name:
                p.copy_(1.0 + NOISE_STD * noise)
            else:
                p.add_(NOISE_STD * noise)


def rand_ids(rng, shape, low=3, high=VOCAB):
    """Random ordinary tokens (never pad / bos / sep)."""
    return rng.integers(low, high, size=shape, dtype=np.int64)


def mask_from_lengths(lengths, seq_len):
    m = np.zeros((len(lengths), seq_len), dtype=np.int64)
    for i, n in enumerate(lengths):
        m[i, :n] = 1
    return m


def ids_with_padding(rng, lengths, seq_len, cls_first=True):
    ids = rand_ids(rng, (len(lengths), seq_len))
    for i, n in enumerate(lengths):
        if cls_first and n > 0:
            ids[i, 0] = BOS
        ids[i, n:] = PAD
    return ids


def qa_ids(rng, q_lens, c_lens, seq_len):
    """<s> q </s></s> c </s> <pad>... : exactly three sep tokens per row."""
    b = len(q_lens)
    ids = np.full((b, seq_len), PAD, dtype=np.int64)
    mask = np.zeros((b, seq_len), dtype=np.int64)
    for i, (q, c) in enumerate(zip(q_lens, c_lens)):
        row = [BOS] + list(rand_ids(rng, (q,))) + [SEP, SEP] + list(rand_ids(rng, (c,))) + [SEP]
        assert len(row) <= seq_len, (row, seq_len)
        ids[i, : len(row)] = row
        mask[i, : len(row)] = 1
    return ids, mask


def _npy_bytes(arr):
    buf = io.BytesIO()
    np.lib.format.write_array(buf, np.asarray(arr), allow_pickle=False)
    return buf.getvalue()


def write_npz(path, arrays):
    """Deterministic np.savez_compressed equivalent (fixed member timestamps)."""
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key in sorted(arrays):
            info = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, _npy_bytes(arrays[key]), compresslevel=9)
    os.replace(tmp, path)


def to_np(t):
    return t.detach().cpu().numpy()


# --------------------------------------------------------------------------- case runner


def build_case(model_class, config, inputs, output_attentions=True, output_hidden_states=True, seed=0):
    """Build the model, run the reference forward, return {key: array}."""
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed + 1000)
    model = MODEL_CLASSES[model_class](config)
    model.eval()
    perturb_(model, gen)

    # Config as the model sees it (LongformerModel.__init__ expands an int attention_window
    # to a per-layer list).  Dumped before the forward pass so a sequence-classification
    # problem_type inferred from the labels is NOT baked in: the port must infer it too.
    arrays = {
        "config": np.array(json.dumps(model.config.to_dict(), sort_keys=True)),
        "model_class": np.array(model_class),
        "kwargs/output_attentions": np.array(bool(output_attentions)),
        "kwargs/output_hidden_states": np.array(bool(output_hidden_states)),
    }

    for k, v in model.state_dict().items():
        if k.endswith("position_ids") or k.endswith("token_type_ids"):
            continue  # non-persistent buffers (not present in 4.57, kept for safety)
        arrays[f"weights/{k}"] = to_np(v).astype(np.float32)

    torch_inputs = {}
    for k, v in inputs.items():
        v = np.asarray(v)
        if k == "inputs_embeds" or v.dtype.kind == "f":
            arrays[f"inputs/{k}"] = v.astype(np.float32)
            torch_inputs[k] = torch.from_numpy(v.astype(np.float32))
        else:
            assert k in INT_INPUTS, k
            arrays[f"inputs/{k}"] = v.astype(np.int32)
            torch_inputs[k] = torch.from_numpy(v.astype(np.int64))

    with torch.no_grad():
        out = model(
            **torch_inputs,
            output_attentions=output_attentions,
            output_hidden_states=output_hidden_states,
            return_dict=True,
        )

    for key, val in out.items():
        if val is None:
            continue
        if isinstance(val, tuple):
            for i, t in enumerate(val):
                arrays[f"outputs/{key}/{i}"] = to_np(t).astype(np.float32)
        else:
            arrays[f"outputs/{key}"] = to_np(val).astype(np.float32)
    return arrays


# --------------------------------------------------------------------------- cases


def cases():
    """Yield (file_stem, description, builder) with builder() -> arrays."""
    C = []

    def case(stem, desc):
        def deco(fn):
            C.append((stem, desc, fn))
            return fn

        return deco

    # ---------------- LongformerModel: windows and lengths -------------------
    @case("base_w6_len5_b1", "w=6, len 5 (not a multiple, padded to 6), no mask, no globals")
    def _():
        rng = np.random.default_rng(1)
        ids = rand_ids(rng, (1, 5))
        ids[0, 0] = BOS
        return build_case("LongformerModel", small_config(6), {"input_ids": ids}, seed=1)

    @case("base_w4_len1_b2", "w=4, len 1 (shorter than the window, padded to 4), attention_mask given")
    def _():
        rng = np.random.default_rng(2)
        ids = rand_ids(rng, (2, 1))
        return build_case(
            "LongformerModel", small_config(4), {"input_ids": ids, "attention_mask": np.ones((2, 1))}, seed=2
        )

    @case("base_w4_len3_b1", "w=4, len 3 (< window), no globals")
    def _():
        rng = np.random.default_rng(3)
        ids = rand_ids(rng, (1, 3))
        return build_case(
            "LongformerModel", small_config(4), {"input_ids": ids, "attention_mask": np.ones((1, 3))}, seed=3
        )

    @case("base_w4_len8_b2", "w=4, len 8 (multiple of window: no padding), no globals")
    def _():
        rng = np.random.default_rng(4)
        ids = rand_ids(rng, (2, 8))
        return build_case(
            "LongformerModel", small_config(4), {"input_ids": ids, "attention_mask": np.ones((2, 8))}, seed=4
        )

    @case("base_w8_len8_b1_global1", "w=8, len 8 (== window), one global token (position 0)")
    def _():
        rng = np.random.default_rng(5)
        ids = rand_ids(rng, (1, 8))
        ids[0, 0] = BOS
        g = np.zeros((1, 8))
        g[0, 0] = 1
        return build_case(
            "LongformerModel",
            small_config(8, hidden=32, heads=4, layers=2, inter_mult=2),
            {"input_ids": ids, "attention_mask": np.ones((1, 8)), "global_attention_mask": g},
            seed=5,
        )

    @case("base_w4_len13_b3_pad", "w=4, len 13 -> padded 16, batch 3 with 0/4/9 trailing padding, no globals")
    def _():
        rng = np.random.default_rng(6)
        lengths = [13, 9, 4]
        ids = ids_with_padding(rng, lengths, 13)
        return build_case(
            "LongformerModel",
            small_config(4),
            {"input_ids": ids, "attention_mask": mask_from_lengths(lengths, 13)},
            seed=6,
        )

    @case(
        "base_w4_len13_b3_globals",
        "w=4, len 13, batch 3, padding 0/3/6; globals per row: 3 (incl. pos 0, 5, 12 = last),"
        " 0 (none; but a global flag on a padding position 11), 2 (pos 1, 6)",
    )
    def _():
        rng = np.random.default_rng(7)
        lengths = [13, 10, 7]
        ids = ids_with_padding(rng, lengths, 13)
        g = np.zeros((3, 13), dtype=np.int64)
        g[0, [0, 5, 12]] = 1
        g[1, 11] = 1  # on padding -> ignored by the reference
        g[2, [1, 6]] = 1
        return build_case(
            "LongformerModel",
            small_config(4),
            {"input_ids": ids, "attention_mask": mask_from_lengths(lengths, 13), "global_attention_mask": g},
            seed=7,
        )

    @case(
        "base_w6_len12_b2_globals_edges",
        "w=6, len 12 (no padding), adjacent globals at both sequence ends (row0: 0,1,11; row1: 9,10)",
    )
    def _():
        rng = np.random.default_rng(8)
        ids = rand_ids(rng, (2, 12))
        g = np.zeros((2, 12), dtype=np.int64)
        g[0, [0, 1, 11]] = 1
        g[1, [9, 10]] = 1
        return build_case(
            "LongformerModel",
            small_config(6),
            {"input_ids": ids, "attention_mask": np.ones((2, 12)), "global_attention_mask": g},
            seed=8,
        )

    @case("base_w8_len37_b2_globals", "w=8, len 37 -> padded 40, batch 2 (padding 0/11), globals 4 and 1 per row")
    def _():
        rng = np.random.default_rng(9)
        lengths = [37, 26]
        ids = ids_with_padding(rng, lengths, 37)
        g = np.zeros((2, 37), dtype=np.int64)
        g[0, [0, 10, 11, 30]] = 1
        g[1, [0]] = 1
        return build_case(
            "LongformerModel",
            small_config(8, hidden=24, heads=3, layers=2, inter_mult=2, max_pos=48),
            {"input_ids": ids, "attention_mask": mask_from_lengths(lengths, 37), "global_attention_mask": g},
            seed=9,
        )

    @case("base_w8_len13_b2", "w=8, len 13 -> padded 16, padding 0/5, no globals, 3 layers, intermediate 4x")
    def _():
        rng = np.random.default_rng(10)
        lengths = [13, 8]
        ids = ids_with_padding(rng, lengths, 13)
        return build_case(
            "LongformerModel",
            small_config(8, hidden=16, heads=2, layers=3, inter_mult=4),
            {"input_ids": ids, "attention_mask": mask_from_lengths(lengths, 13)},
            seed=10,
        )

    @case(
        "base_wlist4-8-16_len13_b2_globals",
        "per-layer windows [4, 8, 16] (3 layers), len 13 -> padded to 16 (max window), padding 0/4, globals 1 and 2",
    )
    def _():
        rng = np.random.default_rng(11)
        lengths = [13, 9]
        ids = ids_with_padding(rng, lengths, 13)
        g = np.zeros((2, 13), dtype=np.int64)
        g[0, 0] = 1
        g[1, [0, 7]] = 1
        return build_case(
            "LongformerModel",
            small_config([4, 8, 16], layers=3),
            {"input_ids": ids, "attention_mask": mask_from_lengths(lengths, 13), "global_attention_mask": g},
            seed=11,
        )

    @case("base_wlist4-12-6_len5_b1", "per-layer windows [4, 12, 6] (non-monotone), len 5 -> padded 12, no globals")
    def _():
        rng = np.random.default_rng(12)
        ids = rand_ids(rng, (1, 5))
        return build_case(
            "LongformerModel",
            small_config([4, 12, 6], layers=3),
            {"input_ids": ids, "attention_mask": np.ones((1, 5))},
            seed=12,
        )

    @case("base_w4_len13_b2_tokentype", "w=4, len 13, token_type_ids (0 then 1), padding 0/3, one global each")
    def _():
        rng = np.random.default_rng(13)
        lengths = [13, 10]
        ids = ids_with_padding(rng, lengths, 13)
        tt = np.zeros((2, 13), dtype=np.int64)
        tt[0, 6:] = 1
        tt[1, 4:10] = 1
        g = np.zeros((2, 13), dtype=np.int64)
        g[:, 0] = 1
        return build_case(
            "LongformerModel",
            small_config(4),
            {
                "input_ids": ids,
                "attention_mask": mask_from_lengths(lengths, 13),
                "global_attention_mask": g,
                "token_type_ids": tt,
            },
            seed=13,
        )

    @case("base_w4_len11_b2_posids", "w=4, len 11 -> 12, explicit (non-standard) position_ids, padding 0/2")
    def _():
        rng = np.random.default_rng(14)
        lengths = [11, 9]
        ids = ids_with_padding(rng, lengths, 11)
        pos = np.stack([np.arange(2, 13), np.arange(20, 9, -1)]).astype(np.int64)
        return build_case(
            "LongformerModel",
            small_config(4),
            {"input_ids": ids, "attention_mask": mask_from_lengths(lengths, 11), "position_ids": pos},
            seed=14,
        )

    @case(
        "base_w4_len10_b2_padid_inside",
        "w=4, len 10, pad_token_id inside rows with attention_mask 1 (positions skip it)",
    )
    def _():
        rng = np.random.default_rng(15)
        ids = rand_ids(rng, (2, 10))
        ids[0, 3] = PAD
        ids[1, [2, 3]] = PAD
        return build_case(
            "LongformerModel",
            small_config(4),
            {"input_ids": ids, "attention_mask": np.ones((2, 10))},
            seed=15,
        )

    @case(
        "base_w4_len7_b2_nomask_padids",
        "w=4, len 7, NO attention_mask passed although row 1 ends in pad ids (they are attended), one global",
    )
    def _():
        rng = np.random.default_rng(16)
        ids = ids_with_padding(rng, [7, 4], 7)
        g = np.zeros((2, 7), dtype=np.int64)
        g[:, 0] = 1
        return build_case("LongformerModel", small_config(4), {"input_ids": ids, "global_attention_mask": g}, seed=16)

    @case("base_w4_len9_b2_embeds", "w=4, inputs_embeds (len 9 -> 12), attention_mask padding 0/2, one global")
    def _():
        rng = np.random.default_rng(17)
        emb = rng.standard_normal((2, 9, 16)).astype(np.float32)
        g = np.zeros((2, 9), dtype=np.int64)
        g[:, 2] = 1
        return build_case(
            "LongformerModel",
            small_config(4),
            {"inputs_embeds": emb, "attention_mask": mask_from_lengths([9, 7], 9), "global_attention_mask": g},
            seed=17,
        )

    @case(
        "base_w4_len9_b3_allpad_globals", "w=4, len 9 -> 12, batch 3 where row 1 is all padding; globals in rows 0, 2"
    )
    def _():
        rng = np.random.default_rng(18)
        lengths = [9, 0, 5]
        ids = ids_with_padding(rng, lengths, 9)
        g = np.zeros((3, 9), dtype=np.int64)
        g[0, [0, 4]] = 1
        g[1, 0] = 1  # on padding -> ignored
        g[2, 0] = 1
        return build_case(
            "LongformerModel",
            small_config(4),
            {"input_ids": ids, "attention_mask": mask_from_lengths(lengths, 9), "global_attention_mask": g},
            seed=18,
        )

    @case("base_w4_len9_b2_allpad_noglobal", "w=4, len 9, batch 2 where row 1 is all padding, no globals")
    def _():
        rng = np.random.default_rng(19)
        lengths = [9, 0]
        ids = ids_with_padding(rng, lengths, 9)
        return build_case(
            "LongformerModel",
            small_config(4),
            {"input_ids": ids, "attention_mask": mask_from_lengths(lengths, 9)},
            seed=19,
        )

    @case("base_w4_len13_b2_plain", "w=4, len 13, padding 0/5, globals, output_attentions/hidden_states OFF")
    def _():
        rng = np.random.default_rng(20)
        lengths = [13, 8]
        ids = ids_with_padding(rng, lengths, 13)
        g = np.zeros((2, 13), dtype=np.int64)
        g[:, 0] = 1
        return build_case(
            "LongformerModel",
            small_config(4),
            {"input_ids": ids, "attention_mask": mask_from_lengths(lengths, 13), "global_attention_mask": g},
            output_attentions=False,
            output_hidden_states=False,
            seed=20,
        )

    # ---------------- LongformerForMaskedLM ----------------------------------
    @case("mlm_w4_len13_b2_labels", "MLM, w=4, padding 0/3, global on pos 0, labels with -100 (incl. all padding)")
    def _():
        rng = np.random.default_rng(30)
        lengths = [13, 10]
        ids = ids_with_padding(rng, lengths, 13)
        labels = np.full((2, 13), -100, dtype=np.int64)
        labels[0, [2, 5, 11]] = rng.integers(0, VOCAB, 3)
        labels[1, [1, 9]] = rng.integers(0, VOCAB, 2)
        g = np.zeros((2, 13), dtype=np.int64)
        g[:, 0] = 1
        return build_case(
            "LongformerForMaskedLM",
            small_config(4),
            {
                "input_ids": ids,
                "attention_mask": mask_from_lengths(lengths, 13),
                "global_attention_mask": g,
                "labels": labels,
            },
            seed=30,
        )

    @case("mlm_w6_len7_b1", "MLM, w=6, len 7, no mask / no labels / no globals, outputs off")
    def _():
        rng = np.random.default_rng(31)
        ids = rand_ids(rng, (1, 7))
        return build_case(
            "LongformerForMaskedLM",
            small_config(6),
            {"input_ids": ids},
            output_attentions=False,
            output_hidden_states=False,
            seed=31,
        )

    # ---------------- LongformerForSequenceClassification --------------------
    @case(
        "seqcls_n3_w4_len13_b3_autoglobal_labels",
        "seq-cls num_labels 3, no global mask (auto: token 0), int labels -> single_label_classification inferred",
    )
    def _():
        rng = np.random.default_rng(40)
        lengths = [13, 11, 6]
        ids = ids_with_padding(rng, lengths, 13)
        return build_case(
            "LongformerForSequenceClassification",
            small_config(4, num_labels=3),
            {"input_ids": ids, "attention_mask": mask_from_lengths(lengths, 13), "labels": np.array([2, 0, 1])},
            seed=40,
        )

    @case("seqcls_n3_w4_len10_b2_explicitglobal", "seq-cls num_labels 3, explicit global mask (pos 0 and 4), no labels")
    def _():
        rng = np.random.default_rng(41)
        lengths = [10, 7]
        ids = ids_with_padding(rng, lengths, 10)
        g = np.zeros((2, 10), dtype=np.int64)
        g[:, [0, 4]] = 1
        return build_case(
            "LongformerForSequenceClassification",
            small_config(4, num_labels=3),
            {"input_ids": ids, "attention_mask": mask_from_lengths(lengths, 10), "global_attention_mask": g},
            seed=41,
        )

    @case("seqcls_n1_w4_len9_b3_regression", "seq-cls num_labels 1, float labels -> regression (MSE), auto global")
    def _():
        rng = np.random.default_rng(42)
        lengths = [9, 6, 3]
        ids = ids_with_padding(rng, lengths, 9)
        return build_case(
            "LongformerForSequenceClassification",
            small_config(4, num_labels=1),
            {
                "input_ids": ids,
                "attention_mask": mask_from_lengths(lengths, 9),
                "labels": np.array([0.5, -1.25, 2.0], dtype=np.float32),
            },
            seed=42,
        )

    @case(
        "seqcls_n3_w4_len9_b2_multilabel",
        "seq-cls num_labels 3, problem_type multi_label_classification in config, multi-hot float labels (BCE)",
    )
    def _():
        rng = np.random.default_rng(43)
        lengths = [9, 5]
        ids = ids_with_padding(rng, lengths, 9)
        return build_case(
            "LongformerForSequenceClassification",
            small_config(4, num_labels=3, problem_type="multi_label_classification"),
            {
                "input_ids": ids,
                "attention_mask": mask_from_lengths(lengths, 9),
                "labels": np.array([[1, 0, 1], [0, 1, 0]], dtype=np.float32),
            },
            seed=43,
        )

    @case(
        "seqcls_n3_w4_len9_b2_floatlabels_inferred",
        "seq-cls num_labels 3, problem_type None + float labels -> multi_label_classification inferred",
    )
    def _():
        rng = np.random.default_rng(44)
        lengths = [9, 7]
        ids = ids_with_padding(rng, lengths, 9)
        return build_case(
            "LongformerForSequenceClassification",
            small_config(4, num_labels=3),
            {
                "input_ids": ids,
                "attention_mask": mask_from_lengths(lengths, 9),
                "labels": np.array([[0, 0, 1], [1, 1, 0]], dtype=np.float32),
            },
            output_attentions=False,
            output_hidden_states=False,
            seed=44,
        )

    # ---------------- LongformerForTokenClassification -----------------------
    @case("tokcls_n5_w4_len13_b2_labels", "token-cls num_labels 5, padding 0/4, labels with -100, one global")
    def _():
        rng = np.random.default_rng(50)
        lengths = [13, 9]
        ids = ids_with_padding(rng, lengths, 13)
        labels = rng.integers(0, 5, size=(2, 13)).astype(np.int64)
        labels[1, 9:] = -100
        labels[0, [0, 7]] = -100
        g = np.zeros((2, 13), dtype=np.int64)
        g[:, 0] = 1
        return build_case(
            "LongformerForTokenClassification",
            small_config(4, num_labels=5),
            {
                "input_ids": ids,
                "attention_mask": mask_from_lengths(lengths, 13),
                "global_attention_mask": g,
                "labels": labels,
            },
            seed=50,
        )

    @case("tokcls_n2_w6_len5_b1", "token-cls num_labels 2, w=6, len 5, no labels, no globals")
    def _():
        rng = np.random.default_rng(51)
        ids = rand_ids(rng, (1, 5))
        return build_case(
            "LongformerForTokenClassification",
            small_config(6, num_labels=2),
            {"input_ids": ids, "attention_mask": np.ones((1, 5))},
            seed=51,
        )

    # ---------------- LongformerForQuestionAnswering -------------------------
    @case(
        "qa_w4_len15_b2_autoglobal_positions",
        "QA, <s> q </s></s> c </s> (3 seps/row), no global mask (auto: tokens before first sep),"
        " start positions [6, 40] (40 is clamped to len 15 = ignore_index -> ignored),"
        " end positions [8, -3] (-3 is clamped to 0 and counted)",
    )
    def _():
        rng = np.random.default_rng(60)
        ids, mask = qa_ids(rng, [3, 2], [6, 4], 15)
        return build_case(
            "LongformerForQuestionAnswering",
            small_config(4, num_labels=2),
            {
                "input_ids": ids,
                "attention_mask": mask,
                "start_positions": np.array([6, 40]),
                "end_positions": np.array([8, -3]),
            },
            seed=60,
        )

    @case(
        "qa_w8_len20_b2_explicitglobal",
        "QA, explicit global mask (pos 0 and 1 only), no positions, ids without 3 seps (auto would assert)",
    )
    def _():
        rng = np.random.default_rng(61)
        lengths = [20, 14]
        ids = ids_with_padding(rng, lengths, 20)
        ids[0, 5] = SEP
        g = np.zeros((2, 20), dtype=np.int64)
        g[:, [0, 1]] = 1
        return build_case(
            "LongformerForQuestionAnswering",
            small_config(8, hidden=24, heads=3, num_labels=2),
            {"input_ids": ids, "attention_mask": mask_from_lengths(lengths, 20), "global_attention_mask": g},
            seed=61,
        )

    # ---------------- LongformerForMultipleChoice ----------------------------
    @case(
        "mc_w4_c3_len12_b2_autoglobal_labels",
        "multiple choice, (2, 3, 12) inputs, 3 seps per row, no global mask (auto: tokens after the"
        " second sep, incl. the final sep), attention_mask padding, labels",
    )
    def _():
        rng = np.random.default_rng(70)
        b, c, L = 2, 3, 12
        ids = np.zeros((b, c, L), dtype=np.int64)
        mask = np.zeros((b, c, L), dtype=np.int64)
        for i in range(b):
            q_lens = [2 + i] * c
            c_lens = [3 + j for j in range(c)]
            row_ids, row_mask = qa_ids(rng, q_lens, c_lens, L)
            ids[i], mask[i] = row_ids, row_mask
        return build_case(
            "LongformerForMultipleChoice",
            small_config(4),
            {"input_ids": ids, "attention_mask": mask, "labels": np.array([1, 2])},
            seed=70,
        )

    @case(
        "mc_w6_c2_len7_b2_explicitglobal",
        "multiple choice, (2, 2, 7), explicit global mask on token 0, token_type_ids, no labels",
    )
    def _():
        rng = np.random.default_rng(71)
        ids = rand_ids(rng, (2, 2, 7))
        ids[:, :, 0] = BOS
        g = np.zeros((2, 2, 7), dtype=np.int64)
        g[:, :, 0] = 1
        tt = np.zeros((2, 2, 7), dtype=np.int64)
        tt[:, :, 4:] = 1
        return build_case(
            "LongformerForMultipleChoice",
            small_config(6),
            {"input_ids": ids, "attention_mask": np.ones((2, 2, 7)), "global_attention_mask": g, "token_type_ids": tt},
            seed=71,
        )

    return C


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--only", default=None, help="only cases whose name contains this")
    ap.add_argument("--list", action="store_true", help="list cases and exit")
    args = ap.parse_args(argv)

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    transformers.logging.set_verbosity_error()

    all_cases = cases()
    names = [c[0] for c in all_cases]
    assert len(names) == len(set(names)), "duplicate case names"
    if args.list:
        for stem, desc, _ in all_cases:
            print(f"{stem}.npz: {desc}")
        return 0

    os.makedirs(args.out, exist_ok=True)
    total = 0
    for stem, desc, fn in all_cases:
        if args.only and args.only not in stem:
            continue
        arrays = fn()
        path = os.path.join(args.out, stem + ".npz")
        write_npz(path, arrays)
        size = os.path.getsize(path)
        total += size
        print(f"{stem}.npz  {size / 1024:7.1f} KiB  {desc}")
    print(f"total {total / 1024:.1f} KiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
