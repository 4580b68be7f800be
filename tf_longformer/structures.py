"""Makes our dict subclasses (outputs, tokenizer batches) structures for Keras' tree utilities.

Keras flattens call arguments and outputs with optree, which treats unknown dict
subclasses as leaves: `model(tokenizer(text))` would then be refused. Registering the
class as a tree node (keys sorted, as for plain dicts) fixes that.
"""

from __future__ import annotations

from tf_longformer import _compat


def register_dict_structure(cls: type) -> type:
    """Class decorator for a `dict` subclass constructible from (key, value) pairs.

    Unflattening always restores every key it flattened (None leaves included), whatever
    the class's constructor does with None values.
    """

    def tree_flatten(self):
        keys = tuple(sorted(self.keys()))
        return tuple(dict.__getitem__(self, key) for key in keys), keys, keys

    def tree_unflatten(klass, keys, values):
        # Keep every key, even when its leaf is None: Keras maps structures to None
        # placeholders (`map_structure(lambda x: None, y_pred)` in compile/fit) and packs
        # values back into them; a class whose constructor drops None fields (the model
        # outputs) would otherwise lose keys ("Too many leaves for PyTreeSpec").
        items = dict(zip(keys, values))
        instance = klass(items)
        dict.update(instance, items)
        return instance

    cls.tree_flatten = tree_flatten
    cls.tree_unflatten = classmethod(tree_unflatten)
    return _compat.register_tree_node_class(cls)  # not public API; without it the class is still a dict
