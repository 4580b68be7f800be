"""Every private Keras / TensorFlow / tf2onnx name the package uses goes through `_compat.py`,
and each hook there works on the installed versions."""

import ast
import inspect
import pathlib
import re

import keras
import numpy as np
import tensorflow as tf

import tf_longformer
import tf_longformer._compat as _compat

PACKAGE = pathlib.Path(tf_longformer.__file__).parent
# Private methods of Keras / TensorFlow that our classes override (they are called by that name);
# `_compat`'s docstring lists where and why.
OVERRIDDEN_HOOKS = {"_trackable_children", "_default_save_signature", "_symbolic_build"}
# Public API despite the underscore: namedtuple's methods.
NAMEDTUPLE_METHODS = {"_replace", "_asdict", "_fields", "_make"}
PRIVATE_MODULES = ("keras.src", "tensorflow.python", "tensorflow.tsl", "tensorflow.core")
THIRD_PARTY = ("keras", "tensorflow", "tf2onnx", "tf_keras", "onnx", "tokenizers", "safetensors")


def _modules():
    return [path for path in sorted(PACKAGE.rglob("*.py")) if path.name != "_compat.py"]


def _own_private_names() -> set[str]:
    """Private names the package itself defines (functions, methods, attributes, constants)."""
    names = set()
    for path in _modules() + [PACKAGE / "_compat.py"]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
                names.add(node.name)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store):
                names.add(node.attr)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.keyword) and node.arg:  # e.g. argparse's set_defaults(_run=...)
                names.add(node.arg)
    return ({name for name in names if name.startswith("_")} - OVERRIDDEN_HOOKS) | NAMEDTUPLE_METHODS


def test_no_module_but_compat_reaches_a_private_name():
    own = _own_private_names()
    found = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text())):
            where = f"{path.relative_to(PACKAGE.parent)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Attribute):
                name = node.attr
                if name.startswith("_") and not name.startswith("__") and name not in own | OVERRIDDEN_HOOKS:
                    found.append(f"{where} .{name}")
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                modules = [alias.name for alias in node.names] if isinstance(node, ast.Import) else [node.module or ""]
                imported = [alias.name for alias in node.names] if isinstance(node, ast.ImportFrom) else []
                for module in modules:
                    parts = module.split(".")
                    if parts[0] in THIRD_PARTY and (
                        module.startswith(PRIVATE_MODULES) or any(part.startswith("_") for part in parts)
                    ):
                        found.append(f"{where} import {module}")
                    if parts[0] in THIRD_PARTY:
                        found += [f"{where} import {name}" for name in imported if name.startswith("_")]
    assert not found, "private names outside tf_longformer/_compat.py:\n" + "\n".join(found)


def test_overridden_hooks_exist_on_the_installed_versions():
    """Each private method we override is still one Keras / TF calls (else ours would be dead)."""
    bases = {
        "_trackable_children": tf.Module,
        "_default_save_signature": keras.Model,
        "_symbolic_build": keras.Model,
    }
    assert set(bases) == OVERRIDDEN_HOOKS
    for name, base in bases.items():
        assert hasattr(base, name), f"{base.__name__}.{name} is gone"


def test_every_hook_works_on_the_installed_versions():
    hooks = {
        name for name, value in inspect.getmembers(_compat, inspect.isfunction) if value.__module__ == _compat.__name__
    }
    checked = set()

    class Node(dict):
        def tree_flatten(self):
            return list(self.values()), list(self.keys())

        @classmethod
        def tree_unflatten(cls, keys, values):
            return cls(zip(keys, values))

    assert _compat.register_tree_node_class(Node) is Node
    checked.add("register_tree_node_class")

    saved = _compat.uninitialized_variables()  # a copy of Keras' list
    assert isinstance(saved, list)
    _compat.set_uninitialized_variables(list(saved))
    checked |= {"uninitialized_variables", "set_uninitialized_variables"}

    assert not _compat.in_stateless_scope()
    try:
        with keras.StatelessScope(initialize_variables=False):
            assert _compat.in_stateless_scope()
            deferred = keras.Variable(initializer="zeros", shape=(2,), dtype="float32")
    finally:  # Keras' list as it was: the next scope would initialise this variable again
        _compat.set_uninitialized_variables(list(saved))
    assert _compat.has_no_value(deferred) and _compat.defers_initializer(deferred)
    _compat.set_initial_value(deferred, np.array([1.0, 2.0], "float32"))
    _compat.deferred_initialize(deferred)
    np.testing.assert_array_equal(np.asarray(deferred), [1.0, 2.0])
    assert not _compat.has_no_value(deferred)
    checked |= {"in_stateless_scope", "has_no_value", "defers_initializer", "set_initial_value", "deferred_initialize"}

    dense = keras.layers.Dense(2)
    model = keras.Sequential([dense])
    assert dense in _compat.flatten_layers(model)
    checked.add("flatten_layers")

    assert _compat.compiled_loss(model) is None
    model.compile(optimizer="adam", loss="mse")
    assert _compat.compiled_loss(model) is not None
    model.build((None, 3))
    model.optimizer.build(model.trainable_variables)
    momentum, velocity = _compat.adam_slots(model.optimizer, dense.kernel)
    assert momentum.shape == velocity.shape == dense.kernel.shape and momentum is not velocity
    checked |= {"compiled_loss", "adam_slots"}

    assert isinstance(_compat.onednn_enabled(), bool)
    assert not _compat.in_xla_compilation()
    seen = []
    tf.function(lambda: seen.append(_compat.in_xla_compilation()) or tf.constant(0), jit_compile=True)()
    assert seen == [True]
    checked |= {"onednn_enabled", "in_xla_compilation"}
    no_gpu = not tf.config.list_logical_devices("GPU")
    assert _compat.onednn_runs_softmax() == (_compat.onednn_enabled() and no_gpu)
    seen = []
    tf.function(lambda: seen.append(_compat.onednn_runs_softmax()) or tf.constant(0), jit_compile=True)()
    assert seen == [False]
    checked.add("onednn_runs_softmax")

    # A function with the attribute stays a call in its caller's optimised graph.
    inner = tf.function(lambda x: x * 2.0, experimental_attributes=_compat.noinline_attributes())
    outer = tf.function(lambda x: inner(x) + 1.0).get_concrete_function(tf.TensorSpec([2], tf.float32))
    noinline = [f for f in outer.graph.as_graph_def().library.function if f.attr["_noinline"].b]
    assert len(noinline) == 1
    checked.add("noinline_attributes")

    if _onnx_installed():
        assert "optimize_transpose" in _compat.onnx_optimizers() or _compat.onnx_optimizers()
        assert callable(_compat.onnx_convert_common())
        checked |= {"onnx_optimizers", "onnx_convert_common"}
    else:
        hooks -= {"onnx_optimizers", "onnx_convert_common"}
    assert checked == hooks, f"hooks without a check here: {sorted(hooks - checked)}"


def _onnx_installed() -> bool:
    try:
        import tf2onnx  # noqa: F401
    except Exception:
        return False
    return True


def test_compat_and_setup_cfg_name_the_same_tested_versions():
    checked = re.search(r"Checked on: (.+)\.", _compat.__doc__).group(1)
    versions = dict(re.findall(r"(Keras|TensorFlow|tf2onnx) ([0-9.]*[0-9])", checked))
    assert sorted(versions) == ["Keras", "TensorFlow", "tf2onnx"]
    setup = (PACKAGE.parent / "setup.cfg").read_text()
    tested = dict(re.findall(r"(Keras|TensorFlow|tf2onnx) ([0-9.]*[0-9])", setup.split("install_requires")[0]))
    assert tested == versions
