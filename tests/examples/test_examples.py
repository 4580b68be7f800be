"""Every script in examples/ runs in its --smoke mode (in a subprocess, all started at once)."""

import os
import subprocess
import sys

import pytest

from locations import ROOT

EXAMPLES = {
    "fine_tune_classifier.py": "held-out loss",
    "fit_on_text.py": "serving_text on strings: same label as predict on 8/8 documents",
    "long_document_qa.py": "exact match",
    "masked_lm_pretraining.py": "masked-LM loss on these documents",
    "functional_api.py": "reloaded model max |difference| = 0.00e+00",
    "multi_worker_training.py": "2 workers",
    "serving_rest.py": "answered locally",
}


@pytest.fixture(scope="module")
def runs():
    """Starts every example at once (they mostly wait on imports and tracing); yields the processes."""
    environment = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=ROOT)
    processes = {
        name: subprocess.Popen(
            [sys.executable, os.path.join(ROOT, "examples", name), "--smoke"],
            cwd=ROOT,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name in EXAMPLES
    }
    yield processes
    for process in processes.values():
        if process.poll() is None:
            process.kill()


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_example_runs_in_smoke_mode(runs, name):
    output, _ = runs[name].communicate(timeout=600)
    assert runs[name].returncode == 0, output[-4000:]
    assert EXAMPLES[name] in output, output[-4000:]


def test_every_example_is_tested():
    scripts = {n for n in os.listdir(os.path.join(ROOT, "examples")) if n.endswith(".py") and not n.startswith("_")}
    assert scripts - {"quickstart.py"} == set(EXAMPLES)
