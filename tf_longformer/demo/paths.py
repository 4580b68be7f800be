"""Where the demo writes its output."""

from __future__ import annotations

import os

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def default_output_dir() -> str:
    """Where the demo writes: `saved_models/demo` of the source checkout, or of the current folder
    when the package is installed (no checkout around it)."""
    if os.path.isdir(os.path.join(REPO_ROOT, "saved_models")):
        return os.path.join(REPO_ROOT, "saved_models", "demo")
    return os.path.join(os.getcwd(), "saved_models", "demo")
