"""One measurement in a fresh Python process, its result handed back as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from typing import Sequence


def run_for_json(module: str, arguments: Sequence[str]) -> dict:
    """Runs `python -m module *arguments PATH` (TensorFlow's C++ log quiet, stdout dropped) and
    returns the JSON the process wrote to PATH, a temporary file."""
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        environment = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"}
        command = [sys.executable, "-m", module, *arguments, out.name]
        subprocess.run(command, check=True, env=environment, stdout=subprocess.DEVNULL)
        with open(out.name, encoding="utf-8") as file:
            return json.load(file)
