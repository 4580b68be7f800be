"""`load_predictor`: one interface over the four forms a trained Longformer is saved in.

- a checkpoint directory (`config.json` + weights, what `save_pretrained` writes),
- a `.keras` file (`model.save`),
- a SavedModel (`tfl.export.saved_model`; the TF Serving base directory or one version),
- a `.tflite` file (`tfl.export.tflite`; run with LiteRT).

Each becomes a `Predictor`: `predictor.outputs(features)` runs the model on int32 NumPy
features (`input_ids`, `attention_mask`, `global_attention_mask`) and returns NumPy outputs
named as the serving signatures name them; `predictor.predict(text)` tokenizes, runs and
turns the outputs into a JSON-ready dict for the task.
"""

from __future__ import annotations

import json
import os
from typing import Any, Callable, Mapping

import numpy as np

from tf_longformer.export.saved_model import exported_task
from tf_longformer.models import registry
from tf_longformer.ops.answer_span import best_answer_span

#: The tasks `predict` handles: those taking one text (or question and text) per example.
TASKS = tuple(task for task in registry.tasks() if registry.model_class(task).spec.input_rank == 2)
_TOKENIZER_FILES = ("tokenizer.json", "vocab.json")


def _softmax(x: np.ndarray) -> np.ndarray:
    x = x - x.max(axis=-1, keepdims=True)
    e = np.exp(x)
    return e / e.sum(axis=-1, keepdims=True)


def detect_format(path: str) -> str:
    """ "checkpoint", "keras", "saved_model" or "tflite" (ValueError when it is none of them)."""
    if os.path.isfile(path):
        if path.endswith(".keras"):
            return "keras"
        if path.endswith(".tflite"):
            return "tflite"
        raise ValueError(f"{path!r} is a file but neither a .keras nor a .tflite model.")
    if not os.path.isdir(path):
        raise FileNotFoundError(f"No such model: {path!r} (a checkpoint directory, .keras, SavedModel or .tflite).")
    if os.path.isfile(os.path.join(path, "saved_model.pb")):
        return "saved_model"
    if os.path.isfile(os.path.join(path, "config.json")):
        return "checkpoint"
    if _latest_version(path) is not None:
        return "saved_model"
    raise ValueError(
        f"{path!r} holds no config.json (checkpoint) and no saved_model.pb (SavedModel, or version directories of one)."
    )


def _latest_version(path: str) -> str | None:
    versions = [n for n in os.listdir(path) if n.isdigit() and os.path.isfile(os.path.join(path, n, "saved_model.pb"))]
    return os.path.join(path, max(versions, key=int)) if versions else None


def _find_tokenizer(path: str, tokenizer: str | None):
    from tf_longformer.tokenization import LongformerTokenizer

    candidates = [tokenizer] if tokenizer else []
    base = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    candidates += [base, os.path.dirname(base), os.path.dirname(os.path.dirname(base))]
    for candidate in candidates:
        if candidate and any(os.path.isfile(os.path.join(candidate, f)) for f in _TOKENIZER_FILES):
            return LongformerTokenizer.from_pretrained(candidate)
    if tokenizer:
        raise FileNotFoundError(f"No tokenizer files (tokenizer.json or vocab.json) in {tokenizer!r}.")
    raise FileNotFoundError(f"No tokenizer beside {path!r}: pass --tokenizer DIR (a directory with tokenizer.json).")


def _find_config(path: str) -> dict:
    base = path if os.path.isdir(path) else os.path.dirname(os.path.abspath(path))
    for candidate in (base, os.path.dirname(base), os.path.dirname(os.path.dirname(base))):
        file = os.path.join(candidate, "config.json")
        if os.path.isfile(file):
            with open(file, encoding="utf-8") as f:
                return json.load(f)
    return {}


class Predictor:
    """A model in any saved form, its tokenizer and its task.

    Args:
        run: features (int32 arrays, batch 1 or more) -> named NumPy outputs.
        tokenizer: the model's `LongformerTokenizer`.
        task: one of `TASKS`.
        id2label: class names for the classification heads.
        form: "checkpoint", "keras", "saved_model" or "tflite".
    """

    def __init__(
        self,
        run: Callable,
        tokenizer: Any,
        task: str,
        id2label: Mapping[int, str] | None = None,
        form: str = "checkpoint",
        max_length: int = 4096,
    ) -> None:
        if task not in TASKS:
            raise ValueError(f"task must be one of {', '.join(TASKS)}; got {task!r}")
        self._run = run
        self.tokenizer = tokenizer
        self.task = task
        self.id2label = {int(k): v for k, v in (id2label or {}).items()}
        self.form = form
        self.max_length = max_length

    def outputs(self, features: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Runs the model on int32 features; NumPy outputs named as the serving signatures."""
        features = {
            k: np.asarray(features[k], np.int32) for k in ("input_ids", "attention_mask", "global_attention_mask")
        }
        return {k: np.asarray(v) for k, v in self._run(features).items()}

    def encode(self, text: str, question: str | None = None) -> Any:
        kind = registry.model_class(self.task).spec.automatic_global
        if self.task == "question_answering":
            if not question:
                raise ValueError("question answering needs a question (--question).")
            return self.tokenizer(
                question,
                text,
                truncation="only_second",
                max_length=self.max_length,
                return_offsets_mapping=True,
                global_attention=kind,
            )
        return self.tokenizer(
            text, truncation=True, max_length=self.max_length, return_offsets_mapping=True, global_attention=kind
        )

    def features(self, encoding: Any) -> dict[str, np.ndarray]:
        ids = np.asarray([encoding["input_ids"]], np.int32)
        glob = encoding.get("global_attention_mask") if hasattr(encoding, "get") else None
        return {
            "input_ids": ids,
            "attention_mask": np.asarray([encoding["attention_mask"]], np.int32),
            "global_attention_mask": np.asarray([glob], np.int32) if glob is not None else np.zeros_like(ids),
        }

    def predict(self, text: str, question: str | None = None, top_k: int = 5) -> dict[str, Any]:
        """Tokenizes `text` (the context, with `question` for QA), runs the model, returns a JSON-ready dict."""
        encoding = self.encode(text, question)
        out = self.outputs(self.features(encoding))
        if self.task == "sequence_classification":
            probs = _softmax(out["logits"][0].astype(np.float64))
            best = int(probs.argmax())
            return {
                "label": self._label(best),
                "score": round(float(probs[best]), 6),
                "probabilities": {self._label(i): round(float(p), 6) for i, p in enumerate(probs)},
            }
        if self.task == "token_classification":
            labels = out["logits"][0].argmax(-1)
            tokens = self.tokenizer.convert_ids_to_tokens(list(encoding["input_ids"]))
            return {"tokens": tokens, "labels": [self._label(int(i)) for i in labels]}
        if self.task == "question_answering":
            return self._answer(encoding, out, text)
        if self.task == "masked_lm":
            probs = _softmax(out["logits"][0].astype(np.float64))
            ids = list(encoding["input_ids"])
            masks = []
            for position, token in enumerate(ids):
                if token == self.tokenizer.mask_token_id:
                    top = np.argsort(-probs[position])[:top_k]
                    masks.append(
                        {
                            "position": position,
                            "predictions": [
                                {"token": self.tokenizer.decode([int(t)]), "score": round(float(probs[position, t]), 6)}
                                for t in top
                            ],
                        }
                    )
            return {"masks": masks}
        if self.task == "base":
            hidden = out.get("pooler_output", out["last_hidden_state"][:, 0])
            return {"tokens": len(encoding["input_ids"]), "embedding": [round(float(v), 6) for v in hidden[0]]}
        # A head without a result format of its own: its outputs (as the spec names them) as lists.
        outputs = registry.model_class(self.task).spec.outputs
        return {name: np.round(out[name][0].astype(np.float64), 6).tolist() for name in outputs}

    def _label(self, index: int) -> str:
        return self.id2label.get(index, f"LABEL_{index}")

    def _answer(self, encoding: Any, out: Mapping[str, np.ndarray], text: str) -> dict[str, Any]:
        """The best span by `ops.answer_span` (the rule the `serving_text` signature uses too)."""
        context = np.array([[s == 1 for s in encoding.sequence_ids(0)]])
        span = best_answer_span(out["start_logits"][:1], out["end_logits"][:1], context)
        start, end, score = int(span.start[0]), int(span.end[0]), float(span.score[0])
        offsets = encoding["offset_mapping"]
        first, last = offsets[start][0], offsets[end][1]
        return {"answer": text[first:last], "start": int(first), "end": int(last), "score": round(score, 6)}


def _task_of_outputs(names: set[str], logits_rank: int | None, logits_width: int | None, vocab: int) -> str:
    """The task of an export that does not record it (TFLite, older SavedModels), from its outputs."""
    if "start_logits" in names:
        return "question_answering"
    if "last_hidden_state" in names or "pooler_output" in names:
        return "base"
    if logits_rank == 2:
        return "sequence_classification"
    return "masked_lm" if logits_width == vocab else "token_classification"


def load_predictor(
    path: str, *, task: str | None = None, tokenizer: str | None = None, max_length: int | None = None
) -> Predictor:
    """A `Predictor` for a checkpoint directory, `.keras` file, SavedModel or `.tflite` file.

    Args:
        path: the saved model.
        task: override the task read from the model (`TASKS`).
        tokenizer: directory of the tokenizer (and of a `config.json` with the label names, when the
            model has none beside it); default: the model's directory or its parents.
        max_length: truncate inputs to this many tokens (default: the model's limit, else 4096).
    """
    form = detect_format(path)
    tok = _find_tokenizer(path, tokenizer)
    config = _find_config(path) or (_find_config(tokenizer) if tokenizer else {})
    id2label = config.get("id2label")
    limit = max_length or (config.get("max_position_embeddings", 4098) - config.get("pad_token_id", 1) - 1)
    if form in ("checkpoint", "keras"):
        import keras

        if form == "checkpoint":
            model = registry.class_for_checkpoint(path).from_pretrained(path)
        else:
            model = keras.saving.load_model(path)
            id2label = model.config.id2label
            limit = max_length or model.config.max_sequence_length
        found = model.task_spec.task
        if found not in TASKS:
            raise ValueError(f"predict does not handle {found} models (they do not take one text per example).")
        id2label = id2label or model.config.id2label
        output_names = tuple(model.task_spec.outputs)

        def run(features):
            result = model(features, training=False)
            return {k: v.numpy() for k, v in result.items() if v is not None and k in output_names}

        return Predictor(run, tok, task or found, id2label, form, limit)

    if form == "saved_model":
        import tensorflow as tf

        directory = path if os.path.isfile(os.path.join(path, "saved_model.pb")) else _latest_version(path)
        loaded = tf.saved_model.load(directory)
        signature = loaded.signatures["serving_default"]

        def run(features):
            result = signature(**{k: tf.constant(v) for k, v in features.items()})
            return {k: v.numpy() for k, v in result.items()}

        recorded = exported_task(directory)
        if recorded is not None:
            return Predictor(run, tok, task or recorded, id2label, form, limit)
        # Exports written before the task was recorded: tell the task from the outputs.
        outputs = signature.structured_outputs
        logits = outputs.get("logits")
        rank = len(logits.shape) if logits is not None else None
        width = int(logits.shape[-1]) if logits is not None and logits.shape[-1] is not None else None
    else:
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:  # pragma: no cover - TF's own interpreter as a fallback
            import tensorflow as tf

            Interpreter = tf.lite.Interpreter
        interpreter = Interpreter(model_path=path)
        runner = interpreter.get_signature_runner("serving_default")

        def run(features):
            return runner(**features)

        probe = run(
            {
                "input_ids": np.array([[tok.bos_token_id, tok.eos_token_id]], np.int32),
                "attention_mask": np.ones((1, 2), np.int32),
                "global_attention_mask": np.zeros((1, 2), np.int32),
            }
        )
        outputs = dict(probe)
        logits = outputs.get("logits")
        rank = logits.ndim if logits is not None else None
        width = int(logits.shape[-1]) if logits is not None else None
    found = _task_of_outputs(set(outputs), rank, width, len(tok))
    return Predictor(run, tok, task or found, id2label, form, limit)
