"""`ArgumentsConfig`: a layer's `get_config` from its constructor's signature; `reference_dense`.

Every layer of the package returns all its constructor arguments from `get_config` (so it
serialises and `from_config` rebuilds it). Rather than each layer spelling out the same
`config.update(a=self.a, b=self.b, ...)` or listing the names again, this mixin reads the
names from the constructor's signature and their current values from the layer.
"""

from __future__ import annotations

import functools
import inspect
import operator
from typing import Any, ClassVar

import keras

from tf_longformer.layers.attention_options import AttentionOptions


def reference_dense(
    units: int, initializer_range: float, dtype: Any, name: str, activation: str | None = None
) -> keras.layers.Dense:
    """A dense layer initialised as the reference's linear layers (truncated-normal kernel, zero bias)."""
    return keras.layers.Dense(
        units,
        activation=activation,
        kernel_initializer=keras.initializers.TruncatedNormal(stddev=initializer_range),
        dtype=dtype,
        name=name,
    )


class ArgumentsConfig:
    """Mixin for a `keras.layers.Layer` (put it first among the bases).

    The arguments are the constructor's named parameters after `self` (keyword-only ones and
    `**kwargs` are not). Each argument's value is the layer's attribute of that name;
    `config_renames` gives another name where they differ: `dropout` kept as `dropout_rate`
    (`dropout` being the Dropout layer), or a dotted path to the sub-layer that owns the value
    (`"feed_forward.hidden_act"`). An `AttentionOptions` value is stored as its dict.
    """

    #: {argument: the attribute or dotted path holding its value}
    config_renames: ClassVar[dict[str, str]] = {}

    @classmethod
    @functools.cache
    def config_arguments(cls) -> tuple[str, ...]:
        """The constructor arguments `get_config` returns, besides Keras' own (name, dtype, ...)."""
        parameters = list(inspect.signature(cls.__init__).parameters.values())[1:]
        return tuple(parameter.name for parameter in parameters if parameter.kind is parameter.POSITIONAL_OR_KEYWORD)

    def config_value(self, argument: str) -> Any:
        value = operator.attrgetter(self.config_renames.get(argument, argument))(self)
        return value.to_config() if isinstance(value, AttentionOptions) else value

    def get_config(self) -> dict[str, Any]:
        config = super().get_config()
        config.update({argument: self.config_value(argument) for argument in self.config_arguments()})
        return config
