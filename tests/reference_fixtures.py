"""Loading the golden fixtures made by tools/make_reference_fixtures.py (format: its README)."""

from __future__ import annotations

import json
import pathlib
from typing import NamedTuple

import numpy as np

FIXTURE_DIR = pathlib.Path(__file__).parent / "fixtures" / "reference"


class Fixture(NamedTuple):
    name: str
    model_class: str
    config: dict
    weights: dict
    inputs: dict
    kwargs: dict
    outputs: dict  # "last_hidden_state" -> array; "attentions" -> list of arrays


def fixture_paths(prefix: str = "") -> list[pathlib.Path]:
    return sorted(FIXTURE_DIR.glob(f"{prefix}*.npz"))


def load_fixture(path: pathlib.Path) -> Fixture:
    data = np.load(path)
    groups: dict[str, dict] = {"weights": {}, "inputs": {}, "kwargs": {}, "outputs": {}}
    for key in data.files:
        group, _, name = key.partition("/")
        if group not in groups:
            continue
        if group == "outputs" and "/" in name:
            field, _, index = name.partition("/")
            groups["outputs"].setdefault(field, {})[int(index)] = data[key]
        else:
            groups[group][name] = data[key] if group != "kwargs" else bool(data[key])
    outputs = {
        name: [value[i] for i in sorted(value)] if isinstance(value, dict) else value
        for name, value in groups["outputs"].items()
    }
    return Fixture(
        path.stem,
        str(data["model_class"]),
        json.loads(str(data["config"])),
        groups["weights"],
        groups["inputs"],
        groups["kwargs"],
        outputs,
    )


def assign_reference_weights(rows, weights: dict) -> None:
    """Sets each table row's variable from the fixture's state dict (all must be present)."""
    for row in rows:
        value = weights[row.name]
        row.variable.assign(value.T if row.transpose else value)


def assert_outputs_match(ours, fixture: Fixture, atol: float = 1e-5) -> None:
    """Every reference output is present in ours with the same shape and values."""
    for name, expected in fixture.outputs.items():
        got = ours[name]
        if isinstance(expected, list):
            assert len(got) == len(expected), (
                f"{fixture.name}: {name} has {len(got)} entries, reference {len(expected)}"
            )
            pairs = [(f"{name}[{i}]", g, e) for i, (g, e) in enumerate(zip(got, expected))]
        else:
            pairs = [(name, got, expected)]
        for label, g, e in pairs:
            g = np.asarray(g)
            assert g.shape == e.shape, f"{fixture.name}: {label} shape {g.shape}, reference {e.shape}"
            np.testing.assert_allclose(g, e, atol=atol, rtol=0, err_msg=f"{fixture.name}: {label}")
