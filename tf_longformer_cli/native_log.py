"""Keeps TensorFlow's native log lines (start-up notices, converter progress) off the terminal.

TensorFlow, TFLite and absl write from C++ straight to file descriptor 2, some of it before any
log level applies. Unless the user asks for them (`--verbose`, or a `TF_CPP_MIN_LOG_LEVEL` of
their own), a command runs with descriptor 2 pointed at a temporary file and Python's
`sys.stderr` (our errors, warnings) on a copy of the real one. If the command fails, the
file is kept and named, so nothing needed to debug it is lost.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import tempfile
from typing import Iterator

#: Python loggers whose start-up and export chatter the quiet mode raises to errors only.
QUIET_LOGGERS = ("absl", "tensorflow")


@contextlib.contextmanager
def quiet_native_log(verbose: bool) -> Iterator[None]:
    """Runs the body with TensorFlow's native log in a temporary file (see the module docstring)."""
    if verbose or "TF_CPP_MIN_LOG_LEVEL" in os.environ:
        yield
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"  # informational lines are not even written
    levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    log = tempfile.NamedTemporaryFile(prefix="tf-longformer-", suffix=".log", delete=False)
    python_stderr = sys.stderr
    python_stderr.flush()
    terminal = os.dup(2)
    if _writes_to_descriptor_2(python_stderr):  # else (pytest, Jupyter) it never reaches descriptor 2
        sys.stderr = open(
            os.dup(terminal), "w", buffering=1, encoding=python_stderr.encoding, errors="backslashreplace"
        )
    os.dup2(log.fileno(), 2)
    failed = True
    try:
        yield
        failed = False
    finally:
        sys.stderr.flush()
        os.dup2(terminal, 2)
        os.close(terminal)
        if sys.stderr is not python_stderr:
            sys.stderr.close()
            sys.stderr = python_stderr
        log.close()
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)
        del os.environ["TF_CPP_MIN_LOG_LEVEL"]
        if failed and os.path.getsize(log.name):
            print(f"(TensorFlow's log of this run: {log.name})", file=sys.stderr)
        else:
            os.remove(log.name)


def _writes_to_descriptor_2(stream) -> bool:
    try:
        return stream.fileno() == 2
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return False
