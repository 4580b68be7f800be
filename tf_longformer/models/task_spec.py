"""`TaskSpec`: what a model is to the rest of the package, declared once on its class.

Every public model class sets `spec = TaskSpec(...)`; `models/registry.py` collects them. From
the spec the package derives the `--task` names of the command line, the class a checkpoint
loads, the serving signatures' outputs and input rank, the task an export records, the
label keywords of `call`, the names Keras losses see and `compute_output_shape`.
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

#: The automatic global-attention rules a head may name (see `task_model.automatic_global_mask`).
AUTOMATIC_GLOBAL_RULES = ("classification", "question_answering", "multiple_choice")


class TaskSpec(NamedTuple):
    """A model's task, outputs, labels and inputs.

    Attributes:
        task: the task's name: `--task` of the command line, recorded in exports.
        output_class: the output structure the model returns.
        outputs: `{output name: axes}`, in order: the serving signatures' outputs and what
            Keras losses and metrics see. Axes name input axes (`"batch"`, `"length"`,
            `"num_choices"`), fields of the `LongformerConfig` (`"num_labels"`) or are ints.
        label_names: the label keywords of `call` (also accepted as keys of the input dict),
            in the order of `outputs` (a Keras `y` dict may use either name).
        automatic_global: the rule placing global attention when the caller gives no
            `global_attention_mask` (one of `AUTOMATIC_GLOBAL_RULES`), or None.
        input_axes: the axes of `input_ids`.
    """

    task: str
    output_class: type
    outputs: Mapping[str, tuple[Any, ...]]
    label_names: tuple[str, ...] = ("labels",)
    automatic_global: str | None = None
    input_axes: tuple[str, ...] = ("batch", "length")

    @property
    def input_rank(self) -> int:
        return len(self.input_axes)

    def output_shapes(self, config: Any, leading: tuple) -> dict[str, tuple]:
        """`{output name: shape}` for inputs whose `input_axes` are `leading` (ints or None)."""
        sizes = dict(zip(self.input_axes, leading))

        def size(axis):
            if isinstance(axis, int):
                return axis
            return sizes[axis] if axis in sizes else getattr(config, axis)

        return {name: tuple(size(axis) for axis in axes) for name, axes in self.outputs.items()}
