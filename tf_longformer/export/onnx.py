"""ONNX export through `tf2onnx` (the optional `onnx` extra: `pip install "tf_longformer[onnx]"`)."""

from __future__ import annotations

import os
from typing import Any

import tf_longformer._compat as _compat
from tf_longformer.export import atomic, formats
from tf_longformer.export.signatures import DEFAULT_SIGNATURE, ExportError, float32_model, serving_functions

DEFAULT_OPSET = 17

_MISSING = (
    'ONNX export needs tf2onnx (and onnxruntime to run the result): pip install "tf_longformer[onnx]". '
    "Import failed: {error}"
)


def _import_tf2onnx():
    try:
        import tf2onnx  # noqa: F401  (heavy; imported only when used)
        from tf2onnx import utils
    except Exception as error:  # ImportError, or a tf2onnx that breaks on this TF/numpy
        raise ExportError(_MISSING.format(error=f"{type(error).__name__}: {error}")) from error
    return tf2onnx, utils


def _erfc_handler(ctx, node, name, args):
    """TF's exact GELU uses `Erfc`, which tf2onnx cannot map; ONNX has `Erf`: erfc(x) = 1 - erf(x)."""
    import numpy as np
    from tf2onnx import utils

    dtype = utils.map_onnx_to_numpy_type(ctx.get_dtype(node.input[0]))
    node.type = "Erf"
    consumers = ctx.find_output_consumers(node.output[0])
    one = ctx.make_const(utils.make_name(f"{node.name}_one"), np.array(1, dtype=dtype))
    minus = ctx.make_node("Sub", [one.output[0], node.output[0]], name=utils.make_name(f"{node.name}_erfc"))
    ctx.set_dtype(minus.output[0], ctx.get_dtype(node.output[0]))
    ctx.set_shape(minus.output[0], ctx.get_shape(node.output[0]))
    for consumer in consumers:
        ctx.replace_input(consumer, node.output[0], minus.output[0], None)
    if node.output[0] in ctx.outputs:
        ctx.outputs = [minus.output[0] if out == node.output[0] else out for out in ctx.outputs]
    return node


def _unshare_functions(graph_def) -> None:
    """Gives every node that calls a library function (an `If`'s branches, a loop's body) its own copy.

    The encoder runs layers of one configuration through one traced function, so once it is
    inlined, the layers' `If` nodes name the same branch functions; tf2onnx rewires a branch
    into its caller in place, and the second caller then fails ("Parameter count mismatch
    while binding controlflow"). Renamed copies make each call site independent.
    """
    functions = {function.signature.name: function for function in graph_def.library.function}
    used: set[str] = set()

    def unshare(nodes) -> None:
        for node in nodes:
            for attr in node.attr.values():
                name = attr.func.name
                if name not in functions:
                    continue
                if name in used:
                    copy = graph_def.library.function.add()
                    copy.CopyFrom(functions[name])
                    copy.signature.name = f"{name}_copy{len(graph_def.library.function)}"
                    functions[copy.signature.name] = copy
                    attr.func.name = name = copy.signature.name
                used.add(name)
                unshare(functions[name].node_def)  # functions the branch calls in turn

    unshare(graph_def.node)


# tf2onnx's reshape optimizer merges Keras Dense's Tensordot reshape with the attention's
# head split but keeps a `Shape` of the 2-D intermediate, so the merged Reshape fails at run
# time ("Input shape:{24,16}, requested shape:{24,16,2,8}"); every other optimizer is kept.
_SKIPPED_OPTIMIZERS = ("reshape_optimizer",)


def _convert(tf2onnx, function, opset: int):
    """`tf2onnx.convert.from_function` for a traced function, without its `continue_on_error`
    (an unsupported op must fail, not leave an invalid model) and without the reshape optimizer."""
    import tensorflow as tf
    from tf2onnx import tf_loader
    from tf2onnx.convert import tensor_names_from_structed

    input_names = [t.name for t in function.inputs if t.dtype != tf.dtypes.resource]
    output_names = [t.name for t in function.outputs if t.dtype != tf.dtypes.resource]
    optimizers = {k: v for k, v in _compat.onnx_optimizers().items() if k not in _SKIPPED_OPTIMIZERS}
    with tf.device("/cpu:0"):
        frozen = tf_loader.from_function(function, input_names, output_names)
        _unshare_functions(frozen)
        proto, _ = _compat.onnx_convert_common()(
            frozen,
            name=function.name,
            continue_on_error=False,
            opset=opset,
            custom_op_handlers={"Erfc": (_erfc_handler, [])},
            input_names=input_names,
            output_names=output_names,
            tensors_to_rename=tensor_names_from_structed(function, input_names, output_names),
            optimizers=optimizers,
        )
    for graph_input in proto.graph.input:  # name the free dims (tf2onnx leaves unk__N)
        dims = graph_input.type.tensor_type.shape.dim
        names = ("batch", "length") if len(dims) == 2 else ("batch", "num_choices", "length")
        for dim, name in zip(dims, names):
            if not dim.dim_value:
                dim.dim_param = name
    return proto


def onnx(
    model: Any,
    path: str | os.PathLike,
    *,
    signature: str = DEFAULT_SIGNATURE,
    opset: int = DEFAULT_OPSET,
    overwrite: bool = False,
) -> str:
    """Converts one serving signature of `model` to an ONNX file (batch and length free).

    The ONNX graph has the signature's inputs (int32 `input_ids`, `attention_mask` and, for
    `serving_default`, `global_attention_mask`; dims named `batch`/`length` are dynamic) and
    its named outputs. Run it with `onnxruntime.InferenceSession(path).run(None, feeds)`. A
    model built under mixed precision is converted from a float32 copy with its weights
    (`float32_model`).

    Args:
        model: a tf_longformer model (`LongformerModel` or a task head).
        path: the `.onnx` file to write (atomically).
        signature: `serving_default` or, for heads with automatic global attention,
            `serving_auto_global`.
        opset: the ONNX opset (default 17).
        overwrite: replace an existing file (default: refuse).

    Returns:
        The path of the written file.

    Raises:
        ExportError: tf2onnx is not installed or cannot be imported, the conversion fails, a bad
            argument, or the file exists without `overwrite`.
    """
    path = os.fspath(path)
    if os.path.lexists(path) and not overwrite:
        raise ExportError(f"ONNX file {os.path.abspath(path)!r} already exists; pass overwrite=True (--overwrite).")
    tf2onnx, _ = _import_tf2onnx()
    model = float32_model(model)  # tf2onnx cannot convert bfloat16 graphs
    function = serving_functions(model, [signature])[signature]
    try:  # the function is traced already (with the export's at least one global slot)
        proto = _convert(tf2onnx, function, opset)
    except ExportError:
        raise
    except Exception as error:
        raise ExportError(
            f"tf2onnx could not convert {type(model).__name__}: {type(error).__name__}: {error}"
        ) from error
    return atomic.atomic_write_bytes(path, proto.SerializeToString(), overwrite=overwrite, what="ONNX file")


formats.register_file_format("onnx", onnx, "an .onnx file (needs tf2onnx)")
