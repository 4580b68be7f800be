"""The documentation covers the public API: every public name has an entry in the API reference
(built from its docstring by mkdocstrings; `mkdocs build --strict` in CI fails on a broken one)."""

import pathlib
import re

import tf_longformer as tfl

ROOT = pathlib.Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "docs" / "reference"
#: Other names for documented objects (the reference's and the removed transformers classes' names).
ALIASES = {"LongformerTokenizerFast": "LongformerTokenizer"}


def documented() -> set[str]:
    names = set()
    for page in REFERENCE.glob("*.md"):
        names |= set(re.findall(r"^::: (tf_longformer[\w.]*)$", page.read_text(), flags=re.MULTILINE))
    return names


def test_every_public_name_of_the_package_is_in_the_api_reference():
    pages = documented()
    missing = []
    for name in tfl.__all__:
        target = ALIASES.get(name, re.sub(r"^TF", "", name))
        if name == "export":
            continue  # a module: its functions are checked below
        if f"tf_longformer.{target}" not in pages:
            missing.append(name)
    assert not missing, f"not in docs/reference/*.md: {missing}"


def test_the_functions_of_the_export_training_and_inference_modules_are_in_the_api_reference():
    pages = documented()
    public = {
        "tf_longformer.export": ["saved_model", "tflite", "onnx", "float32_model", "ExportError"],
        "tf_longformer.training": ["FusedAdam"],
        "tf_longformer.inference": ["load_predictor", "Predictor"],
    }
    for module, names in public.items():
        for name in names:
            assert f"{module}.{name}" in pages, f"{module}.{name} is not in docs/reference/*.md"


def test_every_page_of_the_docs_is_in_the_navigation():
    navigation = (ROOT / "mkdocs.yml").read_text()
    pages = [str(p.relative_to(ROOT / "docs")) for p in (ROOT / "docs").rglob("*.md")]
    assert [p for p in pages if f": {p}" not in navigation] == []


def test_user_facing_text_cites_no_tracker_number():
    """Users cannot see our tracker: the README and docs link results files instead."""
    texts = [ROOT / "README.md", *(ROOT / "docs").rglob("*.md")]
    cited = [
        f"{path.relative_to(ROOT)}: {match.group(0)}"
        for path in texts
        for match in re.finditer(r"(?<!keras )\bissue \d+|\bissue #\d+|\bnote of\b", path.read_text())
    ]
    assert cited == []
