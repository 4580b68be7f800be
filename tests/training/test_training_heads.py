"""`compile()` (no loss: the head's own) + `fit()` / `evaluate()` / `predict()` for each of the five heads."""

import keras
import numpy as np
import pytest

from training_utils import HEADS, dataset, make_head


def _weights(model):
    return [np.array(w) for w in model.get_weights()]


@pytest.mark.parametrize("task", sorted(HEADS))
def test_fit_evaluate_predict_with_the_heads_own_loss(task):
    keras.utils.set_random_seed(0)
    model = make_head(task)
    model.build(None)
    data = dataset(task)
    model.compile(optimizer=keras.optimizers.Adam(1e-2))  # no loss: the head's own (the reference's)
    before = _weights(model)
    history = model.fit(data, epochs=2, verbose=0)
    losses = history.history["loss"]
    assert np.all(np.isfinite(losses)) and losses[-1] < losses[0]
    assert any(not np.array_equal(a, b) for a, b in zip(before, _weights(model)))

    # evaluate reports the head's loss: the mean of `model(x, labels).loss` over the batches.
    expected = []
    for x, y in data:
        labels = model.head_labels(y)
        expected.append(float(model(x, **labels).loss))
    np.testing.assert_allclose(model.evaluate(data, verbose=0), np.mean(expected), rtol=1e-4)

    predicted = model.predict(data.map(lambda x, y: x), verbose=0)
    first = model(next(iter(data))[0])
    for name in model.spec.outputs:
        assert predicted[name].shape[0] == 8
        np.testing.assert_allclose(predicted[name][:4], first[name], atol=1e-5)
