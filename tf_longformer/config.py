"""`LongformerConfig`: the model's hyper-parameters, compatible with the reference `config.json`."""

from __future__ import annotations

import copy
import json
import os
from typing import Any, Sequence

from tf_longformer.default_model import resolve_name as resolve_default_model_name

CONFIG_NAME = "config.json"

_ACTIVATIONS = ("gelu", "gelu_new", "gelu_pytorch_tanh", "relu", "silu", "swish", "tanh", "gelu_fast")


def check_positive_int(name: str, value: Any) -> None:
    """Raises ValueError unless `value` (the argument `name`) is a positive int (not a bool)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"`{name}` must be a positive integer. Received: {name}={value!r}")


def check_rate(name: str, value: Any) -> None:
    """Raises ValueError unless `value` (the argument `name`, a dropout rate) is a number in [0, 1)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise ValueError(f"`{name}` must be in [0, 1). Received: {name}={value!r}")


def check_attention_window(window: Any, received: Any = None) -> None:
    """Raises ValueError unless `window` is a positive even int (it counts both sides of each
    token). `received`: what to quote as the argument the user gave (default `window`)."""
    if isinstance(window, bool) or not isinstance(window, int) or window <= 0 or window % 2:
        shown = window if received is None else received
        raise ValueError(
            "`attention_window` must be a positive even integer (it counts both sides of each token). "
            f"Received: attention_window={shown!r}"
        )


class LongformerConfig:
    """Hyper-parameters of a Longformer model.

    Every field of the reference `LongformerConfig` (transformers 4.x) is here with the
    reference default, so a reference `config.json` loads unchanged and our `config.json`
    loads in the reference. Keys this class does not know (legacy ones such as
    `attention_mode`, or anything a newer writer adds) are kept in `extra` and written back.

    Args:
        attention_window: Size of the sliding window, counting both sides: each token sees
            `attention_window // 2` tokens to each side. Must be even and positive. An int
            applies to every layer; a list gives one window per layer.
        vocab_size: Number of token ids.
        hidden_size: Width of the hidden states; a multiple of `num_attention_heads`.
        num_hidden_layers: Number of transformer layers.
        num_attention_heads: Number of attention heads per layer.
        intermediate_size: Width of the feed-forward layer.
        hidden_act: Activation of the feed-forward layer (`"gelu"` is the exact erf GELU).
        hidden_dropout_prob: Dropout on embeddings and sub-layer outputs.
        attention_probs_dropout_prob: Dropout on attention probabilities.
        max_position_embeddings: Rows of the position table. Position ids start at
            `pad_token_id + 1`, so the longest input is `max_position_embeddings - pad_token_id - 1`.
        type_vocab_size: Number of token type ids.
        initializer_range: Standard deviation of the truncated-normal initialiser.
        layer_norm_eps: Epsilon of every LayerNorm.
        pad_token_id: Id of the padding token (also the position-id offset).
        bos_token_id: Id of `<s>`.
        eos_token_id: Id of `</s>`.
        sep_token_id: Id of the separator (`</s>` in the reference's vocabulary).
        num_labels: Outputs of the classification heads (`id2label` wins when given).
        problem_type: `"regression"`, `"single_label_classification"` or
            `"multi_label_classification"`; inferred from labels when None, as in the reference.
        gradient_checkpointing: Recompute each layer in the backward pass to save memory.
        **kwargs: Other keys of a `config.json`; kept in `extra`.

    Example:
        >>> config = LongformerConfig(attention_window=[32, 64], num_hidden_layers=2)
        >>> config.attention_windows
        [32, 64]
    """

    model_type = "longformer"

    def __init__(
        self,
        attention_window: int | Sequence[int] = 512,
        sep_token_id: int = 2,
        pad_token_id: int = 1,
        bos_token_id: int = 0,
        eos_token_id: int = 2,
        vocab_size: int = 30522,
        hidden_size: int = 768,
        num_hidden_layers: int = 12,
        num_attention_heads: int = 12,
        intermediate_size: int = 3072,
        hidden_act: str = "gelu",
        hidden_dropout_prob: float = 0.1,
        attention_probs_dropout_prob: float = 0.1,
        max_position_embeddings: int = 512,
        type_vocab_size: int = 2,
        initializer_range: float = 0.02,
        layer_norm_eps: float = 1e-12,
        onnx_export: bool = False,
        num_labels: int | None = None,
        id2label: dict | None = None,
        label2id: dict | None = None,
        problem_type: str | None = None,
        gradient_checkpointing: bool = False,
        **kwargs: Any,
    ) -> None:
        self.attention_window = (
            list(attention_window) if isinstance(attention_window, (list, tuple)) else attention_window
        )
        self.sep_token_id = sep_token_id
        self.pad_token_id = pad_token_id
        self.bos_token_id = bos_token_id
        self.eos_token_id = eos_token_id
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.initializer_range = initializer_range
        self.layer_norm_eps = layer_norm_eps
        self.onnx_export = onnx_export
        if id2label is not None:
            self.id2label = {int(k): v for k, v in id2label.items()}
        else:
            self.id2label = {i: f"LABEL_{i}" for i in range(2 if num_labels is None else num_labels)}
        if num_labels is not None and num_labels != len(self.id2label):
            raise ValueError(
                f"`num_labels` ({num_labels}) disagrees with `id2label` ({len(self.id2label)} labels). "
                "Pass one of them, or make them agree."
            )
        self.label2id = dict(label2id) if label2id is not None else {v: k for k, v in self.id2label.items()}
        self.problem_type = problem_type
        self.gradient_checkpointing = gradient_checkpointing
        kwargs.pop("model_type", None)
        self.extra: dict[str, Any] = kwargs
        self.validate()

    # -- derived values -------------------------------------------------------------------

    @property
    def num_labels(self) -> int:
        return len(self.id2label)

    @property
    def attention_windows(self) -> list[int]:
        """The window of each layer, as a list of `num_hidden_layers` ints."""
        if isinstance(self.attention_window, list):
            return list(self.attention_window)
        return [self.attention_window] * self.num_hidden_layers

    @property
    def max_sequence_length(self) -> int:
        """Longest input the position table allows (positions start after `pad_token_id`)."""
        return self.max_position_embeddings - self.pad_token_id - 1

    # -- validation -----------------------------------------------------------------------

    def validate(self) -> None:
        """Raises `ValueError` naming the first invalid field."""

        for name in (
            "vocab_size",
            "hidden_size",
            "num_hidden_layers",
            "num_attention_heads",
            "intermediate_size",
            "max_position_embeddings",
            "type_vocab_size",
        ):
            check_positive_int(name, getattr(self, name))
        windows = self.attention_window
        if isinstance(windows, list):
            if len(windows) != self.num_hidden_layers:
                raise ValueError(
                    "`attention_window` as a list needs one entry per layer: got "
                    f"{len(windows)} entries for num_hidden_layers={self.num_hidden_layers}."
                )
        else:
            windows = [windows]
        for window in windows:
            check_attention_window(window, received=self.attention_window)
        if self.hidden_size % self.num_attention_heads:
            raise ValueError(
                f"`hidden_size` ({self.hidden_size}) must be a multiple of `num_attention_heads` "
                f"({self.num_attention_heads})."
            )
        for name in ("hidden_dropout_prob", "attention_probs_dropout_prob"):
            check_rate(name, getattr(self, name))
        for name in ("initializer_range", "layer_norm_eps"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or value <= 0:
                raise ValueError(f"`{name}` must be a positive number. Received: {name}={value!r}")
        if self.hidden_act not in _ACTIVATIONS:
            raise ValueError(f"`hidden_act` must be one of {_ACTIVATIONS}. Received: hidden_act={self.hidden_act!r}")
        for name in ("pad_token_id", "bos_token_id", "eos_token_id", "sep_token_id"):
            value = getattr(self, name)
            if value is not None and not 0 <= value < self.vocab_size:
                raise ValueError(
                    f"`{name}` must be a token id in [0, vocab_size={self.vocab_size}). Received: {name}={value!r}"
                )
        if self.max_sequence_length < 1:
            raise ValueError(
                f"`max_position_embeddings` ({self.max_position_embeddings}) leaves no room for tokens: "
                f"positions start at pad_token_id + 1 = {self.pad_token_id + 1}."
            )
        problem_types = (None, "regression", "single_label_classification", "multi_label_classification")
        if self.problem_type not in problem_types:
            raise ValueError(f"`problem_type` must be one of {problem_types}. Received: {self.problem_type!r}")

    # -- (de)serialisation ----------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The reference `config.json` content (plus any kept `extra` keys)."""
        out = dict(self.extra)
        out.update({key: copy.deepcopy(value) for key, value in vars(self).items() if key != "extra"})
        out["id2label"] = {str(k): v for k, v in self.id2label.items()}
        out["model_type"] = self.model_type
        return out

    @classmethod
    def from_dict(cls, values: dict[str, Any], **overrides: Any) -> "LongformerConfig":
        merged = dict(values)
        merged.update(overrides)
        return cls(**merged)

    def to_json_string(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=True) + "\n"

    def to_json_file(self, path: str | os.PathLike) -> None:
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.to_json_string())

    @classmethod
    def from_json_file(cls, path: str | os.PathLike, **overrides: Any) -> "LongformerConfig":
        with open(path, encoding="utf-8") as f:
            try:
                values = json.load(f)
            except json.JSONDecodeError as error:
                raise ValueError(f"{path} is not valid JSON: {error}") from None
        if not isinstance(values, dict):
            raise ValueError(f"{path} must hold a JSON object, not {type(values).__name__}.")
        return cls.from_dict(values, **overrides)

    @classmethod
    def from_pretrained(cls, path: str | os.PathLike, **overrides: Any) -> "LongformerConfig":
        """Reads `config.json` from a directory (or the file itself; `"default"`: the embedded default model)."""
        path = resolve_default_model_name(path)
        if os.path.isdir(path):
            path = os.path.join(path, CONFIG_NAME)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"No {CONFIG_NAME} at {path!r}.")
        return cls.from_json_file(path, **overrides)

    def save_pretrained(self, directory: str | os.PathLike) -> None:
        os.makedirs(directory, exist_ok=True)
        self.to_json_file(os.path.join(directory, CONFIG_NAME))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LongformerConfig) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        return f"LongformerConfig({self.to_json_string()})"
