"""Our models' Adam training step as one `tf.function`, shared by the benchmarks that train."""

from __future__ import annotations


def train_step_function(tf, keras, model, learning_rate: float):
    """`step(input_ids, attention_mask, global_attention_mask, labels) -> float32 loss`: the
    model's own loss (it takes `labels`), its gradient and one Adam update."""
    optimizer = keras.optimizers.Adam(learning_rate)
    signature = [tf.TensorSpec([None, None], tf.int32)] * 3 + [tf.TensorSpec([None], tf.int32)]

    @tf.function(input_signature=signature)
    def step(input_ids, attention_mask, global_attention_mask, labels):
        with tf.GradientTape() as tape:
            loss = model(
                input_ids=input_ids,
                attention_mask=attention_mask,
                global_attention_mask=global_attention_mask,
                labels=labels,
                training=True,
            ).loss
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        return tf.cast(loss, tf.float32)

    return step
