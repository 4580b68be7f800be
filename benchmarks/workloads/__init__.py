"""One module per implementation the suite measures; `benchmarks.worker` runs one of them per process.

- `matmul`: the dense matmul rates (the floors).
- `ours`: tf_longformer's forward and training step in a `tf.function`; `keras_doors`: its
  `predict` and `fit`.
- `dense`: the dense n x n Keras 3 baseline.
- `reference_tf`, `reference_torch`: transformers 4.x's TF and PyTorch Longformer.

Each exposes `bench(spec, result)`; `measure` holds what they share.
"""
