"""Fails fast, with a fix, when Keras is not running on TensorFlow; picks TF's fast CPU kernels."""

import os
import sys


def require_tensorflow_backend() -> None:
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if backend != "tensorflow":
        raise ImportError(
            f"tf_longformer needs the TensorFlow backend of Keras, but KERAS_BACKEND={backend!r}. "
            "Set KERAS_BACKEND=tensorflow (or unset it) before importing keras or tf_longformer."
        )
    if "tensorflow" not in sys.modules:
        # TensorFlow turns its oneDNN kernels off on x86 CPUs without AVX-512; with them the
        # banded attention's batched matmuls and softmax run about twice as fast. An explicit
        # TF_ENABLE_ONEDNN_OPTS (0 or 1) set by the user always wins.
        os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
    try:
        import tensorflow  # noqa: F401
    except ImportError as error:
        raise ImportError(
            "tf_longformer needs TensorFlow >= 2.18. Install it with `pip install tf_longformer[cpu]` "
            "(tensorflow-cpu) or `pip install tf_longformer[gpu]`."
        ) from error
    import keras

    if keras.backend.backend() != "tensorflow":
        raise ImportError(
            f"tf_longformer needs the TensorFlow backend of Keras, but Keras runs on "
            f"{keras.backend.backend()!r} (set in ~/.keras/keras.json or KERAS_BACKEND). "
            "Set KERAS_BACKEND=tensorflow before importing keras."
        )
