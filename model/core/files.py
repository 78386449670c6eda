"""Files and provenance: atomic writes, checksums, the source tree's git revision, package versions."""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
from collections.abc import Callable
from importlib import metadata
from pathlib import Path

PACKAGES = (
    "numpy",
    "pandas",
    "scipy",
    "mesa",
    "pydantic",
    "pyyaml",
    "matplotlib",
    "networkx",
    "numba",
    "pyarrow",
)
REPO = Path(__file__).resolve().parents[2]
PACKAGE = Path(__file__).resolve().parents[1]


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Write a file durably or not at all: ``write(tmp)`` fills a temporary sibling, fsync, rename, fsync.

    A reader (or a resumed run after ``kill -9``) sees either the complete file or none; a temporary file
    left by a killed writer starts with a dot and ends ``.tmp-PID``.
    """
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        write(tmp)
        with tmp.open("rb") as handle:
            os.fsync(handle.fileno())
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def atomic_write_text(path: Path, text: str) -> None:
    """Write a text file atomically (:func:`atomic_write`)."""
    atomic_write(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` to ``path`` atomically unless the file already says the same; return whether it did.

    ``#`` comment lines (a provenance header naming the date) do not count as a difference.
    """

    def body(content: str) -> list[str]:
        return [line for line in content.splitlines() if not line.startswith("#")]

    if path.exists() and body(path.read_text(encoding="utf-8")) == body(text):
        return False
    atomic_write_text(path, text)
    return True


def git_revision() -> dict[str, object]:
    """The source tree's git revision and whether it has uncommitted changes."""

    def git(*args: str) -> str:
        try:
            done = subprocess.run(
                ["git", *args], cwd=REPO, capture_output=True, text=True, check=False, timeout=10
            )
        except (OSError, subprocess.TimeoutExpired):
            return ""
        return done.stdout.strip() if done.returncode == 0 else ""

    revision = git("rev-parse", "HEAD")
    return {"revision": revision or None, "dirty": bool(git("status", "--porcelain")) if revision else None}


def code_digest() -> str:
    """SHA-256 over the package's source and data files (names and bytes): what a result depends on."""
    h = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".csv", ".yaml"}:
            h.update(str(path.relative_to(PACKAGE)).encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages results depend on."""
    versions = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    try:
        versions["healthwork"] = metadata.version("healthwork")
    except metadata.PackageNotFoundError:
        versions["healthwork"] = "not installed"
    return versions


def sha256(path: Path) -> str:
    """SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
