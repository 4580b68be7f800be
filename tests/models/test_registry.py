"""Each model declares its task once (`spec`); the registry, export and predictor derive from it."""

import json
import os
import re

import numpy as np
import pytest

import export_cases as cases_lib
import tf_longformer as tfl
from tf_longformer.export.saved_model import exported_task
from tf_longformer.models import registry

PACKAGE = os.path.dirname(tfl.__file__)


def test_every_registered_model_is_public_and_found_by_task_and_name():
    tasks = registry.tasks()
    assert tasks[:6] == (
        "base",
        "masked_lm",
        "sequence_classification",
        "token_classification",
        "question_answering",
        "multiple_choice",
    )
    for task in tasks:
        cls = registry.model_class(task)
        assert cls.spec.task == task and getattr(tfl, cls.__name__) is cls
        assert registry.model_class(cls.__name__) is cls
        assert registry.model_class("TF" + cls.__name__) is cls  # the removed TF classes' names
    with pytest.raises(ValueError, match="Unknown task or model class 'summarization'"):
        registry.model_class("summarization")


def test_the_weight_table_maps_the_reference_class_of_each_registered_model():
    """RoBERTa conversion names a head by the weight table's reference classes: each is a registered model."""
    from tf_longformer.checkpoints import weight_map

    assert weight_map.ARCHITECTURES <= {registry.model_class(task).__name__ for task in registry.tasks()}


def test_class_for_checkpoint_reads_architectures(tmp_path):
    assert registry.class_for_checkpoint(tmp_path) is tfl.LongformerModel  # no config.json
    (tmp_path / "config.json").write_text(json.dumps({"architectures": ["TFLongformerForQuestionAnswering"]}))
    assert registry.class_for_checkpoint(tmp_path) is tfl.LongformerForQuestionAnswering


@pytest.mark.parametrize("task", list(cases_lib.HEADS))
def test_outputs_and_output_shapes_follow_the_spec(task):
    model = cases_lib.make_model(task)
    inputs = cases_lib.make_inputs(task, 9, 2)
    out = model(**inputs)
    spec = model.task_spec
    assert [name for name in out if name in spec.outputs] == list(spec.outputs)
    shapes = model.compute_output_shape(inputs["input_ids"].shape)
    assert {name: tuple(out[name].shape) for name in spec.outputs} == shapes


def test_a_label_keyword_the_head_does_not_take_is_an_error():
    model = cases_lib.make_model("question_answering")
    inputs = cases_lib.make_inputs("question_answering", 9, 2)
    with pytest.raises(TypeError, match=r"unexpected keyword arguments \['labels'\]; its labels are"):
        model(**inputs, labels=np.zeros(2, "int32"))


def test_saved_model_records_its_task(tmp_path):
    model = cases_lib.make_model("token_classification")
    path = tfl.export.saved_model(model, tmp_path, signatures=["serving_default"])
    assert exported_task(path) == "token_classification"
    assert exported_task(tmp_path) is None  # not a SavedModel written by this package


def test_library_packages_do_not_import_the_top_level_package():
    importing = re.compile(r"^\s*(import tf_longformer\b(?!\.)|from tf_longformer import )", re.M)
    offenders = []
    for folder in (
        "checkpoints",
        "config.py",
        "export",
        "inference",
        "layers",
        "models",
        "ops",
        "tokenization",
        "training",
    ):
        root = os.path.join(PACKAGE, folder)
        paths = (
            [root]
            if root.endswith(".py")
            else [os.path.join(d, f) for d, _, names in os.walk(root) for f in names if f.endswith(".py")]
        )
        for path in paths:
            with open(path, encoding="utf-8") as stream:
                if importing.search(stream.read()):
                    offenders.append(os.path.relpath(path, PACKAGE))
    assert offenders == []
