"""Fails fast, with a fix, when Keras is not running on TensorFlow."""

import os


def require_tensorflow_backend() -> None:
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if backend != "tensorflow":
        raise ImportError(
            f"tf_longformer needs the TensorFlow backend of Keras, but KERAS_BACKEND={backend!r}. "
            "Set KERAS_BACKEND=tensorflow (or unset it) before importing keras or tf_longformer."
        )
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
