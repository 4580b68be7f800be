"""What a function keeps for its backward pass, read off the traced gradient graph."""

import tensorflow as tf


def kept_for_backward(function, inputs: tf.Tensor) -> list[tf.Operation]:
    """The ops whose input-sized outputs are held from the forward pass until the backward pass.

    Traces `function(inputs)` and its gradient (from an upstream gradient placeholder) in one
    `tf.function`. An op that does not depend on the upstream gradient can run during the
    forward pass; its output is held if an op that does depend on it reads it.
    """

    @tf.function
    def step(inputs, upstream):
        with tf.GradientTape() as tape:
            tape.watch(inputs)
            output = function(inputs)
        return tape.gradient(output, inputs, output_gradients=upstream)

    output_shape = tf.TensorSpec(function(inputs).shape, inputs.dtype)
    graph = step.get_concrete_function(tf.TensorSpec(inputs.shape, inputs.dtype), output_shape).graph
    backward = set()
    for op in graph.get_operations():  # in creation order, so inputs come first
        if (
            op.name == "upstream"
            or any(tensor.op in backward for tensor in op.inputs)
            or any(control in backward for control in op.control_inputs)
        ):
            backward.add(op)
    size = inputs.shape.num_elements()
    return [
        op
        for op in graph.get_operations()
        if op not in backward and op.type != "Placeholder"
        for out in op.outputs
        if out.shape.num_elements() == size and any(consumer in backward for consumer in out.consumers())
    ]
