"""The demo (`python -m tf_longformer.demo`, `tf-longformer demo`) and its generated text."""
