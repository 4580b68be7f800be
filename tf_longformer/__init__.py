"""tf_longformer: the Longformer long-document transformer for Keras 3 / TensorFlow."""

from tf_longformer._backend import require_tensorflow_backend

require_tensorflow_backend()

from tf_longformer.config import LongformerConfig  # noqa: E402

__version__ = "0.1.0"
