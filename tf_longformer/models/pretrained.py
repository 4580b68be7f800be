"""`LongformerPreTrainedModel`: the Keras behaviour every public Longformer model shares.

Reference checkpoints in and out (`from_pretrained` / `save_pretrained`, done by
`checkpoints/model_io.py`), Keras saving and loading, and `export` (done by the format
registered in `export/formats.py`).
"""

from __future__ import annotations

import inspect
import os
import zipfile
from typing import Any, ClassVar, Mapping

import keras
import numpy as np
import tensorflow as tf

from tf_longformer.checkpoints import files, model_io, weight_map
from tf_longformer.config import LongformerConfig
from tf_longformer.default_model import resolve_name as resolve_default_model_name
from tf_longformer.export import formats as export_formats
from tf_longformer.export import signatures
from tf_longformer.models import inputs as model_inputs
from tf_longformer.models import prediction, registry
from tf_longformer.task_spec import TaskSpec, TextExample

_KERAS_KWARGS = ("dtype", "name")


class LongformerPreTrainedModel(keras.Model):
    """Base of every public Longformer model: reference checkpoints in and out, Keras saving.

    Subclasses take a `LongformerConfig` as their first argument, keep it as `self.config`,
    build all their variables in `build(None)` and list them in `weight_rows()`. A class that
    declares its own `spec` (a `TaskSpec`) is registered for its task (`models/registry.py`).
    """

    spec: ClassVar[TaskSpec]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "spec" in cls.__dict__:
            registry.register(cls)

    @property
    def task_spec(self) -> TaskSpec:
        """This model's `spec` (a subclass may drop outputs it does not build)."""
        return self.spec

    def compute_output_shape(self, input_shape=None) -> dict[str, tuple]:
        """Output shapes from the shape of `input_ids` (`spec.input_axes`) or a dict of input shapes."""
        spec = self.task_spec
        return spec.output_shapes(self.config, model_inputs.leading_axes(input_shape, rank=spec.input_rank))

    def weight_rows(self) -> list[weight_map.WeightRow]:
        """The model's rows of the weight table (the base model's by default)."""
        return weight_map.base_model_rows(self)

    # -- the task's results for readers (`predict`, `serving_text`); heads override ---------------

    @classmethod
    def format_prediction(cls, outputs: Mapping[str, np.ndarray], example: TextExample) -> dict[str, Any]:
        """The JSON-ready result of one example (`tf-longformer predict`, `Predictor.predict`).

        `outputs`: the model's outputs for it (NumPy, a row per row of `example.encoding`, named as
        `spec.outputs`).
        By default each output as (rounded) lists.
        """
        return {name: prediction.rounded(outputs[name][0]) for name in cls.spec.outputs if name in outputs}

    def text_signature_outputs(
        self, outputs: Mapping[str, tf.Tensor], encoded: Mapping[str, tf.Tensor], texts: Mapping[str, tf.Tensor]
    ) -> dict[str, tf.Tensor]:
        """What the `serving_text` signature returns besides (or instead of) the model's outputs,
        `input_ids` and `offsets`.

        `encoded`: the in-graph tokenizer's `input_ids`, `offsets` and, for two texts (one row per
        context window), `context_mask` and `overflow_to_sample_mapping`; `texts`: the signature's
        string inputs by `spec.text_inputs` name. Nothing by default; question answering reduces
        the windows to one answer per question.
        """
        return {}

    # -- Keras saving: always rebuild from the config, whatever the first call looked like --

    def get_build_config(self):
        return {"input_shape": None}

    def build_from_config(self, config):
        self.build(None)

    def _ensure_built(self) -> None:
        if not self.built:
            self.build(None)

    # Keras traces its predict / test / train step with the model's first call inside; weights
    # (or optimizer slots) created in that trace make TensorFlow trace the step twice and keep
    # the variables' initialisers in it. Create them first, eagerly.

    def make_predict_function(self, force=False):
        self._ensure_built()
        return super().make_predict_function(force=force)

    def make_test_function(self, force=False):
        self._ensure_built()
        return super().make_test_function(force=force)

    def make_train_function(self, force=False):
        self._ensure_built()
        optimizer = getattr(self, "optimizer", None)
        if optimizer is not None and not optimizer.built:
            with self.distribute_strategy.scope():
                optimizer.build(self.trainable_variables)
        return super().make_train_function(force=force)

    def predict_step(self, data):
        """Keras' predict step; its graph is never exported, so each distinct layer graph is
        traced and optimised once (`shared_layer_graphs`), for a faster first `predict`."""
        x, _, _ = keras.utils.unpack_x_y_sample_weight(data)
        return self(x, training=False, shared_layer_graphs=True)

    #: Keras' quantization modes that calibrate on data, block by block.
    CALIBRATED_QUANTIZATION_MODES = ("gptq", "awq")

    def quantize(self, mode=None, config=None, filters=None, **kwargs):
        """Keras' `Model.quantize` for the weight-only modes (`"int8"`, `"int4"`): every
        projection and embedding computes through its quantized layer.

        The calibrated modes (`"gptq"`, `"awq"`) are refused before any layer changes: Keras'
        pipeline runs each block on one tensor, and a Longformer layer also needs its
        attention mask.
        """
        requested = mode if mode is not None else getattr(config, "mode", None)
        if requested in self.CALIBRATED_QUANTIZATION_MODES:
            raise ValueError(
                f"{type(self).__name__} does not support quantization mode {requested!r} (Keras' calibrated "
                "modes run each block on one tensor; a Longformer layer also needs its attention mask). "
                "Use model.quantize('int8') or model.quantize('int4')."
            )
        return super().quantize(mode, config=config, filters=filters, **kwargs)

    def load_weights(self, filepath, *args, **kwargs):
        """Keras' `load_weights` (`.weights.h5`, `.keras`), all or nothing.

        Keras assigns layer by layer and raises only at the end, so a corrupt or truncated
        file would leave a half-loaded model. Here a failed load puts every variable (the
        optimizer's included) back as it was, then re-raises.
        """
        self._ensure_built()
        variables = list(self.variables)
        optimizer = getattr(self, "optimizer", None)
        if optimizer is not None:
            variables += [v for v in optimizer.variables if all(v is not w for w in variables)]
        saved = [v.numpy() for v in variables]
        try:
            return super().load_weights(filepath, *args, **kwargs)
        except BaseException as error:
            for variable, value in zip(variables, saved):
                variable.assign(value)
            if isinstance(error, zipfile.BadZipFile):  # a truncated .keras archive
                raise files.CheckpointError(
                    f"{os.fspath(filepath)} is not a readable .keras file (corrupt or truncated?): {error}. "
                    "No weight was loaded."
                ) from None
            raise

    # -- Keras and TensorFlow export ------------------------------------------------------------

    @property
    def _default_save_signature(self):
        """TensorFlow hook (private; listed in `tf_longformer._compat`): the default SavedModel signature."""
        # TensorFlow serves this attribute when `tf.saved_model.save(model, dir)` gets no
        # `signatures=`; Keras' own derives float inputs from the build shapes. Ours: the
        # int32 `serving_default` of `tfl.export`.
        name = signatures.DEFAULT_SIGNATURE
        return signatures.serving_functions(self, [name])[name]

    def _trackable_children(self, save_type="checkpoint", **kwargs):
        """TensorFlow hook (private; listed in `tf_longformer._compat`): what a checkpoint or SavedModel tracks."""
        if save_type != "savedmodel":
            return super()._trackable_children(save_type, **kwargs)
        # A SavedModel of the model (`tf.saved_model.save`, `ExportArchive.track`, the TFLite
        # converter's `from_concrete_functions(..., model)`) is a serving artifact: the raw
        # variables and the serving function, as `tfl.export` writes. Keras' walk of every
        # layer would trace each layer's `call` with float inputs, and its functions would
        # keep the variables mutable (the TFLite converter then cannot freeze them).
        function = self._default_save_signature
        return {"serving": signatures.serving_module(self, {}), "_default_save_signature": function}

    def export(
        self, filepath, format: str = "tf_saved_model", verbose: bool | None = None, input_signature=None, **kwargs
    ):
        """Keras' `Model.export`, with the package's serving signatures.

        - `format="tf_saved_model"` (default): a SavedModel at `filepath` with the signatures
          of `tfl.export.saved_model` (`serving_default`: int32 `input_ids`, `attention_mask`,
          `global_attention_mask` of shape [batch, length], any batch and length; outputs named
          after the head's fields; `serving_auto_global` where the head places global attention
          itself), and Keras' endpoint `serve`, which takes what the model takes: the input
          dict, `attention_mask` and `global_attention_mask` optional
          (`tf.saved_model.load(filepath).serve(batch)`), or the same as keywords.
          With `input_signature`, Keras' own export of `model(*inputs)` is used instead.
        - `format="litert"`: `tfl.export.tflite(model, filepath, **kwargs)` (builtin ops only).
        - `format="onnx"`: `tfl.export.onnx(model, filepath, **kwargs)`.
        - any other format registered in `tfl.export.formats`.

        An existing `filepath` is replaced, as Keras does; the write is atomic.
        """
        if input_signature is None and format in export_formats.names():
            return export_formats.export(self, filepath, format, verbose=verbose, **kwargs)
        return super().export(filepath, format=format, verbose=verbose, input_signature=input_signature, **kwargs)

    # -- reference checkpoints -------------------------------------------------------------

    @classmethod
    def _model_argument_names(cls) -> set[str]:
        parameters = inspect.signature(cls.__init__).parameters
        names = {n for n, p in parameters.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        return (names - {"self", "config"}) | set(_KERAS_KWARGS)

    @classmethod
    def default_preprocessor(cls, directory: str, config: LongformerConfig) -> keras.layers.Layer | None:
        """The preprocessing layer `from_pretrained` gives a model that takes one (None here: the
        backbone takes token ids only; task heads override it)."""
        return None

    @classmethod
    def from_pretrained(
        cls,
        path_or_hub_id: str | os.PathLike,
        *,
        config: LongformerConfig | None = None,
        revision: str | None = None,
        cache_dir: str | None = None,
        ignore_mismatched_sizes: bool = False,
        output_loading_info: bool = False,
        **kwargs: Any,
    ):
        """Builds the model from a checkpoint directory or Hub id and loads its weights.

        Args:
            path_or_hub_id: a directory with `config.json` and `model.safetensors` (or sharded
                safetensors, `tf_model.h5` of the removed TF classes, or `pytorch_model.bin`
                when torch is installed), or a Hugging Face Hub id such as
                `"allenai/longformer-base-4096"`.
            config: a `LongformerConfig` to use instead of the checkpoint's `config.json`.
            revision: the Hub revision (branch, tag or commit) for Hub ids.
            cache_dir: `huggingface_hub`'s cache folder for Hub ids.
            ignore_mismatched_sizes: initialise (with a warning) weights whose shape differs
                from the checkpoint's, e.g. a classifier for a new `num_labels`.
            output_loading_info: also return a `LoadingInfo` (missing, unexpected, mismatched names).
            **kwargs: the model's own arguments (`max_global_tokens`, `query_block_size`,
                `dtype`, `preprocessor`, ...); every other keyword overrides a config field
                (`num_labels=5`). A head with a preprocessing layer (sequence classification)
                gets one built from the tokenizer files of a local checkpoint directory, so that
                `fit` / `predict` take text; `preprocessor=None` leaves it out.

        Returns:
            The model (and the `LoadingInfo` with `output_loading_info=True`).

        Raises:
            FileNotFoundError: no such directory / Hub repository, or no config or weights file.
            OSError: a Hub id while the Hub cannot be reached.
            CheckpointError (a `ValueError`): a corrupt or truncated file, a weight with the
                wrong shape (named), or missing backbone weights.
        """
        model_kwargs = {name: kwargs.pop(name) for name in list(kwargs) if name in cls._model_argument_names()}
        attach_preprocessor = "preprocessor" in cls._model_argument_names() and "preprocessor" not in model_kwargs

        def make_model(config: LongformerConfig):
            if attach_preprocessor:  # before the model is built (Keras locks its layers then)
                directory = resolve_default_model_name(path_or_hub_id)
                model_kwargs["preprocessor"] = cls.default_preprocessor(directory, config)
            return cls(config, **model_kwargs)

        model, info = model_io.load_model(
            make_model,
            path_or_hub_id,
            config=config,
            config_overrides=kwargs,
            revision=revision,
            cache_dir=cache_dir,
            ignore_mismatched_sizes=ignore_mismatched_sizes,
        )
        return (model, info) if output_loading_info else model

    def save_pretrained(self, directory: str | os.PathLike) -> None:
        """Writes `config.json` and `model.safetensors` with the reference's names and layouts.

        `transformers`' PyTorch `Longformer….from_pretrained(directory)` loads the result. The
        write is atomic: a new directory appears complete or not at all; in an existing
        directory (other files there are kept) `config.json` is removed first and written
        last, so an interrupted save leaves no directory that loads as a wrong model.
        """
        model_io.save_model(self, directory)
