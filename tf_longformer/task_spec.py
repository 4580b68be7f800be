"""`TaskSpec`: what a model is to the rest of the package, declared once on its class.

Every public model class sets `spec = TaskSpec(...)`; `models/registry.py` collects them. From
the spec the package derives the `--task` names of the command line, the class a checkpoint
loads, the serving signatures' outputs and input rank, the task an export records, the
label keywords of `call`, the names Keras losses see, `compute_output_shape`, the text a
prediction or `serving_text` takes and the data `tf-longformer train` reads. What a head
does with its outputs for a reader (`format_prediction`, `text_signature_outputs`) is a
method of its class.
"""

from __future__ import annotations

from typing import Any, Mapping, NamedTuple

#: The data layouts `tf-longformer train` reads (`TaskSpec.training_data`).
TRAINING_DATA = ("text_label", "question_answer")

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
        text_inputs: the texts one example is made of, by name: `("text",)` (one document,
            `<s> text </s>`, truncated), `("question", "context")` (`<s> question </s></s> context
            </s>`, a long context read in overlapping windows), or None: no text form (e.g. lists
            of choices).
            `predict` and the `serving_text` signature take these.
        training_data: the data layout `tf-longformer train` reads for this head (one of
            `TRAINING_DATA`: a text and its class; a question, its context and the answer),
            or None where the command does not train it.
    """

    task: str
    output_class: type
    outputs: Mapping[str, tuple[Any, ...]]
    label_names: tuple[str, ...] = ("labels",)
    automatic_global: str | None = None
    input_axes: tuple[str, ...] = ("batch", "length")
    text_inputs: tuple[str, ...] | None = ("text",)
    training_data: str | None = None

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


class TextExample(NamedTuple):
    """One example as `predict` tokenized it, for a head's `format_prediction`.

    Attributes:
        texts: the example's texts by `TaskSpec.text_inputs` name.
        encoding: the tokenizer's encoding of them: one text's ids and offsets, or a question's
            `encode_qa_windows` rows (ids, offsets, `context_mask`, `overflow_to_sample_mapping`).
        tokenizer: the `LongformerTokenizer` that made it.
        id2label: class names by id (the checkpoint's `config.json`), possibly empty.
        top_k: how many candidates to list where a head lists some (masked tokens).
    """

    texts: Mapping[str, str]
    encoding: Any
    tokenizer: Any
    id2label: Mapping[int, str]
    top_k: int = 5

    def label(self, index: int) -> str:
        """The name of class `index` (`LABEL_<index>` without one)."""
        return self.id2label.get(index, f"LABEL_{index}")
