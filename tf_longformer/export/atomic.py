"""Atomic writes: a target appears complete or not at all, never half-written.

Everything is first written under a temporary name beside the target (same directory, so
the final `os.replace`/`os.rename` is one atomic rename on the same file system). Temporary
names start with a dot, which TF Serving's version scan (numeric names only) ignores.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from typing import Iterator

from tf_longformer.export.signatures import ExportError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _check_target(target: str, overwrite: bool, what: str) -> None:
    if os.path.lexists(target) and not overwrite:
        raise ExportError(f"{what} {target!r} already exists; pass overwrite=True (--overwrite) to replace it.")


@contextlib.contextmanager
def atomic_directory(target: str, *, overwrite: bool = False, what: str = "Export directory") -> Iterator[str]:
    """Yields a temporary directory beside `target`; renames it to `target` if the body succeeds.

    On any exception (KeyboardInterrupt included) the temporary directory is removed and
    `target` is left as it was. With `overwrite`, an existing `target` is moved aside first
    and deleted only after the new one is in place.
    """
    target = os.path.abspath(target)
    _check_target(target, overwrite, what)
    parent = os.path.dirname(target)
    os.makedirs(parent, exist_ok=True)
    temporary = tempfile.mkdtemp(prefix=f".{os.path.basename(target)}.tmp-", dir=parent)
    try:
        yield temporary
        _check_target(target, overwrite, what)  # it may have appeared meanwhile
        os.chmod(temporary, 0o777 & ~_umask())  # mkdtemp makes it 0700; servers may run as another user
        old = None
        if os.path.lexists(target):
            old = tempfile.mkdtemp(prefix=f".{os.path.basename(target)}.old-", dir=parent)
            os.rename(target, os.path.join(old, "previous"))
        try:
            os.rename(temporary, target)
        except BaseException:
            if old is not None:
                os.rename(os.path.join(old, "previous"), target)
                os.rmdir(old)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if os.path.lexists(temporary):
            shutil.rmtree(temporary, ignore_errors=True)


def atomic_write_bytes(path: str, data: bytes, *, overwrite: bool = False, what: str = "File") -> str:
    """Writes `data` to `path` through a temporary file and one `os.replace`; returns the path."""
    path = os.path.abspath(path)
    _check_target(path, overwrite, what)
    if os.path.isdir(path):
        raise ExportError(f"{what} {path!r} is a directory; give a file path.")
    parent = os.path.dirname(path)
    os.makedirs(parent, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{os.path.basename(path)}.tmp-", dir=parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it 0600
        os.replace(temporary, path)
    finally:
        if os.path.lexists(temporary):
            os.remove(temporary)
    return path
