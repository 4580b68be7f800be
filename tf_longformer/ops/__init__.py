"""Pure tensor functions of Longformer attention (no Keras state)."""
