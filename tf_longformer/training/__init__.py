"""Training utilities: data pipelines (and, later, losses and training loops)."""
