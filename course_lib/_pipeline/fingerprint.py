"""Files of a folder as data, and content hashes that say whether a submission changed.

A submission is graded again only when its fingerprint (every file's relative path and bytes,
SHA-256) or its assignment's (the release recorded in the gradebook and the source data files,
:mod:`course_lib._pipeline.bundle`) differs from the one recorded when it was last graded.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import stat
from collections.abc import Iterable, Mapping
from pathlib import Path

__all__ = ["FileTree", "digest", "read_tree", "tree_digest", "write_tree"]

FileTree = dict[str, tuple[int, bytes]]
"""A folder as data: relative POSIX path -> (permission bits, bytes)."""


def _ignored(parts: Iterable[str], ignore: Iterable[str]) -> bool:
    patterns = list(ignore)
    return any(fnmatch.fnmatch(part, pattern) for part in parts for pattern in patterns)


def read_tree(folder: Path, ignore: Iterable[str] = ()) -> FileTree:
    """Every regular file under ``folder`` whose path has no part matching ``ignore`` (glob
    patterns such as nbgrader's ``CourseDirectory.ignore``), sorted by path."""
    patterns = list(ignore)
    tree: FileTree = {}
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or path.is_symlink() or _ignored(relative.parts, patterns):
            continue
        tree[relative.as_posix()] = (stat.S_IMODE(path.stat().st_mode), path.read_bytes())
    return tree


def write_tree(tree: Mapping[str, tuple[int, bytes]], folder: Path) -> None:
    """Write ``tree`` under ``folder`` (created), each file with its permission bits."""
    folder.mkdir(parents=True, exist_ok=True)
    for relative, (mode, data) in tree.items():
        path = folder / relative
        if Path(relative).is_absolute() or ".." in Path(relative).parts:
            raise ValueError(f"refusing to write {relative!r} outside {folder}")
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        os.chmod(path, mode)


def digest(*parts: bytes) -> str:
    """SHA-256 (hex) of ``parts``, each length-prefixed so that no two sequences collide."""
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(len(part).to_bytes(8, "big"))
        hasher.update(part)
    return hasher.hexdigest()


def tree_digest(tree: Mapping[str, tuple[int, bytes]]) -> str:
    """Content hash of a folder read with :func:`read_tree`: paths and bytes (not the
    permission bits or times, which copying and collecting change)."""
    parts: list[bytes] = []
    for relative in sorted(tree):
        parts.extend((relative.encode(), tree[relative][1]))
    return digest(*parts)
