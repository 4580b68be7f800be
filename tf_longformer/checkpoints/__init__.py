"""Reference checkpoint import/export (safetensors, h5, bin) through one weight table."""
