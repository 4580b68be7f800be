import os
import sys

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# As tf_longformer does on import when TensorFlow is not loaded yet (some test modules import
# tensorflow first): the tests run on the kernels users get.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "1")

# The tests sit in folders that mirror the package (tests/ops, tests/layers, ...); the helpers
# they share (harness.py, export_cases.py, locations.py, ...) and the subprocess workers stay
# here, importable by their module name from every folder.
_TESTS = os.path.dirname(os.path.abspath(__file__))
if _TESTS not in sys.path:
    sys.path.insert(0, _TESTS)
