"""Secret files in the key directory: created owner-only (0600) and replaced atomically."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def ensure_private_dir(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)


def write_secret_file(path: Path, content: str) -> None:
    """Writes `content` to `path` (mode 0600); readers see the old file or the new, never half."""
    ensure_private_dir(path.parent)
    partial = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            file.write(content)
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def read_or_create_secret(path: Path, make: str) -> str:
    """The file's first line; when the file does not exist, `make` is written to it first."""
    if not path.exists():
        write_secret_file(path, make + "\n")
    return path.read_text(encoding="utf-8").strip()
