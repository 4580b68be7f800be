#!/usr/bin/env bash
# Creates the peer virtual environments that `python -m benchmarks.run` compares against,
# under benchmarks/.venvs/ (gitignored), and makes sure the interpreter that runs the
# benchmark (the one with tf_longformer's dependencies) has matplotlib for the plots.
#
#   bash benchmarks/setup.sh            # idempotent: a venv that already works is kept
#   FORCE=1 bash benchmarks/setup.sh    # rebuild both peer venvs from scratch
#   OURS_PYTHON=/path/to/venv/bin/python bash benchmarks/setup.sh
#
# Venvs:
#   .venvs/ref-tf     tensorflow-cpu 2.21 + tf-keras 2.21 + transformers 4.x (TF classes,
#                     run with TF_USE_LEGACY_KERAS=1)
#   .venvs/ref-torch  torch 2.13.0 (CPU wheel; the local /opt/wheels one where present)
#                     + transformers 4.x
# Base interpreter for the venvs: $PYTHON, else python3 (3.10-3.12 needed by TF 2.21).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENVS="$HERE/.venvs"
PYTHON="${PYTHON:-python3}"
FORCE="${FORCE:-0}"
mkdir -p "$VENVS"

if [[ -z "${OURS_PYTHON:-}" ]]; then
  if [[ -n "${VIRTUAL_ENV:-}" ]]; then OURS_PYTHON="$VIRTUAL_ENV/bin/python"; else OURS_PYTHON="$(command -v python3)"; fi
fi

log() { printf '[setup] %s\n' "$*"; }

ref_tf_ok() {
  [[ -x "$VENVS/ref-tf/bin/python" ]] && TF_USE_LEGACY_KERAS=1 TF_CPP_MIN_LOG_LEVEL=3 \
    "$VENVS/ref-tf/bin/python" - <<'PY' >/dev/null 2>&1
import tensorflow as tf, tf_keras, transformers
from transformers import TFLongformerModel, TFLongformerForSequenceClassification
assert tf.__version__.startswith("2.21"), tf.__version__
assert transformers.__version__.startswith("4."), transformers.__version__
PY
}

ref_torch_ok() {
  [[ -x "$VENVS/ref-torch/bin/python" ]] && "$VENVS/ref-torch/bin/python" - <<'PY' >/dev/null 2>&1
import torch, transformers
from transformers import LongformerModel, LongformerForSequenceClassification
assert torch.__version__.split("+")[0] == "2.13.0", torch.__version__
assert transformers.__version__.startswith("4."), transformers.__version__
PY
}

make_venv() {  # name
  rm -rf "$VENVS/$1"
  "$PYTHON" -m venv "$VENVS/$1"
  "$VENVS/$1/bin/python" -m pip install --quiet --upgrade pip
}

# (1) Reference TensorFlow: transformers 4.x TF classes on tf-keras.
if [[ "$FORCE" != 1 ]] && ref_tf_ok; then
  log "ref-tf venv works; kept"
else
  log "creating ref-tf venv"
  make_venv ref-tf
  "$VENVS/ref-tf/bin/pip" install --quiet "tensorflow-cpu==2.21.*" "tf-keras==2.21.*" "transformers>=4.40,<5"
  ref_tf_ok || { log "ref-tf venv does not import; see the pip output above"; exit 1; }
  log "ref-tf venv ready"
fi

# (2) Reference PyTorch: torch 2.13.0 CPU (never another version) + transformers 4.x.
if [[ "$FORCE" != 1 ]] && ref_torch_ok; then
  log "ref-torch venv works; kept"
else
  log "creating ref-torch venv"
  make_venv ref-torch
  TORCH_WHEEL="$(ls /opt/wheels/torch-2.13.0+cpu-*.whl 2>/dev/null | head -n1 || true)"
  if [[ -n "$TORCH_WHEEL" ]]; then
    "$VENVS/ref-torch/bin/pip" install --quiet "$TORCH_WHEEL"
  else
    "$VENVS/ref-torch/bin/pip" install --quiet "torch==2.13.0"
  fi
  "$VENVS/ref-torch/bin/pip" install --quiet "transformers>=4.40,<5"
  ref_torch_ok || { log "ref-torch venv does not import; see the pip output above"; exit 1; }
  log "ref-torch venv ready"
fi

# (3) The benchmark's own interpreter: needs TensorFlow + Keras (tf_longformer's deps) and
# matplotlib for the plots.
if ! "$OURS_PYTHON" -c "import tensorflow, keras" >/dev/null 2>&1; then
  log "warning: $OURS_PYTHON cannot import tensorflow/keras; install tf_longformer there (pip install -e .[cpu])"
fi
if "$OURS_PYTHON" -c "import matplotlib" >/dev/null 2>&1; then
  log "matplotlib present in $OURS_PYTHON"
else
  log "installing matplotlib into $OURS_PYTHON"
  "$OURS_PYTHON" -m pip install --quiet "matplotlib>=3.8"
fi
log "done: run  $OURS_PYTHON -m benchmarks.run --suite quick"
