"""The built wheel carries what the commands need: the default model and the typing marker; installed
from it, the package finds its default model and runs the smoke demo from a folder outside any checkout."""

import glob
import json
import os
import subprocess
import sys
import zipfile

import pytest

import tf_longformer as tfl
from locations import ROOT
from tf_longformer import default_model

DEFAULT_MODEL_FILES = ("config.json", "model.safetensors", "tokenizer.json", "vocab.json", "merges.txt")


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", ROOT, "--no-deps", "--quiet", "--wheel-dir", str(out)],
        check=True,
        capture_output=True,
    )
    (path,) = glob.glob(str(out / "*.whl"))
    return path


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory):
    """The wheel installed into a folder of its own (dependencies from this environment), and a
    way to run Python with it from a folder outside any checkout."""
    root = tmp_path_factory.mktemp("installed")
    target, elsewhere = root / "site", root / "elsewhere"
    elsewhere.mkdir()
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target), wheel],
        check=True,
        capture_output=True,
    )
    environment = {**os.environ, "PYTHONPATH": str(target)}
    environment.pop(default_model.ENVIRONMENT_VARIABLE, None)
    environment.pop("TF_CPP_MIN_LOG_LEVEL", None)  # a user's shell, not the tests' (conftest sets it)

    def run(*arguments):
        return subprocess.run(
            [sys.executable, *arguments], cwd=elsewhere, env=environment, check=True, capture_output=True, text=True
        )

    return target, elsewhere, run


def test_the_wheel_carries_the_default_model_and_every_module(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in DEFAULT_MODEL_FILES:
        assert f"tf_longformer/default_checkpoint/{name}" in names
    assert {"tf_longformer/py.typed", "tf_longformer_cli/py.typed"} <= names
    modules = {
        os.path.relpath(path, ROOT).replace(os.sep, "/")
        for package in ("tf_longformer", "tf_longformer_cli")
        for path in glob.glob(os.path.join(ROOT, package, "**", "*.py"), recursive=True)
    }
    assert modules <= names, sorted(modules - names)


def test_an_installed_wheel_finds_its_default_model_from_any_folder(installed):
    target, _, run = installed
    script = (
        "import tf_longformer as tfl; d = tfl.default_model_dir(); "
        "tfl.LongformerTokenizer.from_pretrained('default'); m = tfl.LongformerModel.from_pretrained('default'); "
        "print(tfl.__file__); print(d); print(m.config.num_hidden_layers)"
    )
    module, found, layers = run("-c", script).stdout.split()
    assert module.startswith(str(target)) and found == str(target / "tf_longformer" / "default_checkpoint")
    info = run("-m", "tf_longformer_cli", "info", "default", "--json")
    assert json.loads(info.stdout)["num_hidden_layers"] == int(layers) and info.stderr == ""


def test_the_smoke_demo_runs_from_an_installed_wheel(installed):
    _, elsewhere, run = installed
    assert "summary" in run("-m", "tf_longformer.demo", "--smoke").stdout
    assert (elsewhere / "saved_models" / "demo").is_dir()  # beside the user, not inside the install


def test_default_model_dir_is_the_packaged_model_unless_the_variable_says_otherwise(monkeypatch, tmp_path):
    monkeypatch.delenv(default_model.ENVIRONMENT_VARIABLE, raising=False)
    assert tfl.default_model_dir() == default_model.PACKAGED_MODEL_DIR
    assert os.path.samefile(default_model.PACKAGED_MODEL_DIR, os.path.join(ROOT, "saved_models", "default"))
    monkeypatch.setenv(default_model.ENVIRONMENT_VARIABLE, str(tmp_path))
    with pytest.raises(FileNotFoundError, match="The default model is not at"):
        tfl.default_model_dir()
