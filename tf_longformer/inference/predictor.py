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

from tf_longformer.default_model import resolve_name as resolve_default_model_name
from tf_longformer.export.saved_model import exported_task
from tf_longformer.export.text_signature import checked_request_tokens, request_too_large
from tf_longformer.models import registry
from tf_longformer.task_spec import TextExample
from tf_longformer.tokenization.windows import checked_stride

#: The tasks `predict` handles: those whose examples are texts (`TaskSpec.text_inputs`).
TASKS = tuple(task for task in registry.tasks() if registry.model_class(task).spec.text_inputs is not None)
_TOKENIZER_FILES = ("tokenizer.json", "vocab.json")


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

    What an example is made of and what the result says come from the task's head class: its
    `spec.text_inputs` and its `format_prediction`.

    Args:
        run: features (int32 arrays, batch 1 or more) -> named NumPy outputs.
        tokenizer: the model's `LongformerTokenizer`.
        task: one of `TASKS`.
        id2label: class names for the classification heads.
        form: "checkpoint", "keras", "saved_model" or "tflite".
        max_length: the tokens of a row: a text is truncated to it; a question's context longer
            than that is read in overlapping windows of it, run as one batch.
        stride: the context tokens consecutive windows share (default: about half a window,
            at most 128, as `serving_text`).
        max_request_tokens: refuse an example whose rows times their length exceed this
            (default: 8 rows of `max_length`), as `serving_text` does.
    """

    def __init__(
        self,
        run: Callable,
        tokenizer: Any,
        task: str,
        id2label: Mapping[int, str] | None = None,
        form: str = "checkpoint",
        max_length: int = 4096,
        stride: int | None = None,
        max_request_tokens: int | None = None,
    ) -> None:
        if task not in TASKS:
            raise ValueError(f"task must be one of {', '.join(TASKS)}; got {task!r}")
        pairs = len(registry.model_class(task).spec.text_inputs) == 2
        if stride is not None and not pairs:
            raise ValueError(f"stride applies to question answering (windows over a context), not to {task}.")
        if pairs and max_length < 7:
            raise ValueError(
                f"max_length must be at least 7 for {task} (a window's special tokens, question and context)."
            )
        self.stride = checked_stride(stride, max_length) if pairs else None
        self.max_request_tokens = checked_request_tokens(max_request_tokens, max_length)
        self._run = run
        self.tokenizer = tokenizer
        self.task = task
        self.head = registry.model_class(task)
        self.id2label = {int(k): v for k, v in (id2label or {}).items()}
        self.form = form
        self.max_length = max_length

    @property
    def text_inputs(self) -> tuple[str, ...]:
        """The texts an example is made of (`TaskSpec.text_inputs`), e.g. `("question", "context")`."""
        return self.head.spec.text_inputs

    def outputs(self, features: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Runs the model on int32 features; NumPy outputs named as the serving signatures."""
        features = {
            k: np.asarray(features[k], np.int32) for k in ("input_ids", "attention_mask", "global_attention_mask")
        }
        return {k: np.asarray(v) for k, v in self._run(features).items()}

    def encode(self, texts: Mapping[str, str]) -> Any:
        """The tokenizer's encoding of one example's texts (by `text_inputs` name), global mask
        included: a row for a text; for a question and its context, a row per window
        (`LongformerTokenizer.encode_qa_windows`).

        Raises:
            ValueError: a text is missing, or the rows exceed `max_request_tokens`.
        """
        missing = [name for name in self.text_inputs if not texts.get(name)]
        if missing:
            raise ValueError(f"{self.task} takes {' and '.join(self.text_inputs)}; missing: {', '.join(missing)}.")
        values = [texts[name] for name in self.text_inputs]
        if len(values) == 2:
            encoding = self.tokenizer.encode_qa_windows(
                *values, max_length=self.max_length, stride=self.stride, pad_to_multiple_of=1
            )
        else:
            encoding = self.tokenizer(
                *values,
                truncation=True,
                max_length=self.max_length,
                return_offsets_mapping=True,
                global_attention=self.head.spec.automatic_global,
            )
        rows, length = np.shape(np.atleast_2d(encoding["input_ids"]))
        if rows * length > self.max_request_tokens:
            raise ValueError(f"{request_too_large(self.max_request_tokens)} This one: {rows} rows of {length}.")
        return encoding

    def features(self, encoding: Any) -> dict[str, np.ndarray]:
        """The model's int32 inputs [rows, length] of an `encode` result."""
        ids = np.atleast_2d(np.asarray(encoding["input_ids"], np.int32))
        glob = encoding.get("global_attention_mask")
        return {
            "input_ids": ids,
            "attention_mask": np.atleast_2d(np.asarray(encoding["attention_mask"], np.int32)),
            "global_attention_mask": np.atleast_2d(np.asarray(glob, np.int32))
            if glob is not None
            else np.zeros_like(ids),
        }

    def predict_texts(self, texts: Mapping[str, str], top_k: int = 5) -> dict[str, Any]:
        """Tokenizes one example's texts (by `text_inputs` name), runs the model and returns the
        head's JSON-ready result (`format_prediction`)."""
        encoding = self.encode(texts)
        example = TextExample(dict(texts), encoding, self.tokenizer, self.id2label, top_k)
        return self.head.format_prediction(self.outputs(self.features(encoding)), example)

    def predict(self, text: str, question: str | None = None, top_k: int = 5) -> dict[str, Any]:
        """`predict_texts` with the document as `text` and, for heads that take two texts, the
        first (the question) as `question`."""
        names = self.text_inputs
        texts = {names[-1]: text}
        if len(names) == 2:
            texts[names[0]] = question
        return self.predict_texts(texts, top_k)


def _task_of_outputs(shapes: Mapping[str, tuple], vocab_size: int) -> str:
    """The task of an export that does not record it (TFLite, older SavedModels): the head whose
    spec names these outputs with these ranks; an axis named `vocab_size` must have that size
    (which tells masked LM from token classification)."""
    known = {"vocab_size": vocab_size}
    matches = []
    for task in TASKS:
        outputs = registry.model_class(task).spec.outputs
        if not shapes or not set(shapes) <= set(outputs):
            continue
        axes = {name: outputs[name] for name in shapes}
        if any(len(axes[name]) != len(shape) for name, shape in shapes.items()):
            continue
        checked = [
            (size, known[axis])
            for name, shape in shapes.items()
            for size, axis in zip(shape, axes[name])
            if axis in known and size is not None
        ]
        if all(size == expected for size, expected in checked):
            matches.append((len(checked), task))
    if not matches:
        raise ValueError(f"No task has the outputs {sorted(shapes)}: pass the task (--task).")
    return max(matches)[1]


def load_predictor(
    path: str,
    *,
    task: str | None = None,
    tokenizer: str | None = None,
    max_length: int | None = None,
    stride: int | None = None,
    max_request_tokens: int | None = None,
) -> Predictor:
    """A `Predictor` for a checkpoint directory, `.keras` file, SavedModel or `.tflite` file.

    Args:
        path: the saved model (`"default"`: the embedded default model).
        task: override the task read from the model (`TASKS`).
        tokenizer: directory of the tokenizer (and of a `config.json` with the label names, when the
            model has none beside it); default: the model's directory or its parents.
        max_length: the tokens of a row (default: the model's limit, else 4096): a text is
            truncated to it, a question's long context read in windows of it.
        stride: the context tokens consecutive question-answering windows share (see `Predictor`).
        max_request_tokens: the largest example in rows times length (see `Predictor`).
    """
    path = resolve_default_model_name(path)
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
            raise ValueError(f"predict does not handle {found} models (their examples are not texts).")
        id2label = id2label or model.config.id2label
        output_names = tuple(model.task_spec.outputs)

        def run(features):
            result = model(features, training=False)
            return {k: v.numpy() for k, v in result.items() if v is not None and k in output_names}

        return Predictor(run, tok, task or found, id2label, form, limit, stride, max_request_tokens)

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
            return Predictor(run, tok, task or recorded, id2label, form, limit, stride, max_request_tokens)
        # Exports written before the task was recorded: tell the task from the outputs.
        shapes = {name: tuple(spec.shape) for name, spec in signature.structured_outputs.items()}
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
        shapes = {name: value.shape for name, value in probe.items()}
    found = task or _task_of_outputs(shapes, len(tok))
    return Predictor(run, tok, found, id2label, form, limit, stride, max_request_tokens)
