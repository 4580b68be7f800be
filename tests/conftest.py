import os

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# As tf_longformer does on import when TensorFlow is not loaded yet (some test modules import
# tensorflow first): the tests run on the kernels users get.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")
