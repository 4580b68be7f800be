"""Deployment: SavedModel for TF Serving, TFLite/LiteRT with builtin ops only, ONNX.

>>> tfl.export.saved_model(model, "exports")           # exports/<name>/1/, serving_default
>>> tfl.export.saved_model(model, "exports", tokenizer=tokenizer)   # + serving_text: strings in
>>> tfl.export.tflite(model, "model.tflite")           # builtins only, dynamic length
>>> tfl.export.onnx(model, "model.onnx")               # needs the `onnx` extra (tf2onnx)
"""

from tf_longformer.export import formats
from tf_longformer.export.onnx import onnx
from tf_longformer.export.saved_model import saved_model
from tf_longformer.export.signatures import (
    AUTO_GLOBAL_SIGNATURE,
    DEFAULT_SIGNATURE,
    ExportError,
    float32_model,
    head_spec,
)
from tf_longformer.export.text_signature import TEXT_SIGNATURE
from tf_longformer.export.tflite import tflite

__all__ = [
    "AUTO_GLOBAL_SIGNATURE",
    "DEFAULT_SIGNATURE",
    "TEXT_SIGNATURE",
    "ExportError",
    "float32_model",
    "formats",
    "head_spec",
    "onnx",
    "saved_model",
    "tflite",
]
