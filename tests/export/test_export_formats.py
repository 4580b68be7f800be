"""`model.export(filepath, format=...)` dispatches through the format registry."""

import pytest

import export_cases as cases_lib
import tf_longformer as tfl
from tf_longformer.export import formats


def test_the_package_registers_its_three_formats():
    assert set(formats.names()) >= {"tf_saved_model", "litert", "onnx"}


def test_a_registered_format_is_what_model_export_writes(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(formats, "_FORMATS", dict(formats._FORMATS))
    written = []

    def write_names(model, path, *, overwrite=False, suffix="!"):
        written.append((type(model).__name__, overwrite, suffix))
        path.write_text(type(model).__name__ + suffix)
        return str(path)

    formats.register_file_format("names", write_names, "the model's class name, as text")
    model = cases_lib.make_model("base")
    path = model.export(tmp_path / "model.txt", format="names", suffix="?")
    assert (tmp_path / "model.txt").read_text() == "LongformerModel?"
    assert written == [("LongformerModel", True, "?")]  # Keras' convention: replace an existing file
    assert f"Saved artifact at '{path}'." in capsys.readouterr().out
    model.export(tmp_path / "quiet.txt", format="names", verbose=False)
    assert capsys.readouterr().out == ""
    with pytest.raises(ValueError, match="'names' is already registered"):
        formats.register_file_format("names", write_names, "again")


def test_an_unknown_format_is_a_clear_error_naming_the_formats(tmp_path):
    with pytest.raises(
        ValueError, match="Unknown export format 'pdf'; the formats are: .*'tf_saved_model' \\(a SavedModel"
    ):
        formats.export(cases_lib.make_model("base"), tmp_path / "x", "pdf")
    assert list(tmp_path.iterdir()) == []


def test_model_export_hands_other_formats_to_keras(tmp_path):
    """A format no module registered goes to Keras' own `Model.export` (and its error)."""
    with pytest.raises(ValueError, match="format"):
        cases_lib.make_model("base").export(str(tmp_path / "x"), format="pdf")
    assert isinstance(tfl.export.formats.names(), tuple)
