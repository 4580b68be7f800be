"""When a fused computation may read a sub-layer's weights instead of calling the sub-layer.

The attention and feed-forward blocks run several projections as one matmul, or fold them
into other products, for speed. That reads `Dense.kernel` / `Embedding.embeddings` and
multiplies by hand, which is exactly what the layer's own `call` computes only while the
weights are plain floats: Keras adds a LoRA update inside those properties, but a quantized
layer keeps integer values and scales that only its `call` combines. Anything else steps
aside, and the block calls the sub-layer.
"""

from __future__ import annotations

import keras

_PLAIN_CALLS = {keras.layers.Dense: keras.layers.Dense.call, keras.layers.Embedding: keras.layers.Embedding.call}


def fusable(*layers: keras.layers.Layer) -> bool:
    """True when every layer's weight property is what its `call` multiplies by.

    That is a `Dense` (without activation) or an `Embedding` whose class keeps Keras' own
    `call`, with float weights (LoRA included); False for quantized layers (int8, int4,
    float8, GPTQ, AWQ) and for subclasses that change `call`.
    """
    for layer in layers:
        plain_call = next((call for cls, call in _PLAIN_CALLS.items() if isinstance(layer, cls)), None)
        if plain_call is None or type(layer).call is not plain_call or layer.quantization_mode is not None:
            return False
        if isinstance(layer, keras.layers.Dense) and layer.activation is not keras.activations.linear:
            return False
    return True
