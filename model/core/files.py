"""Files and provenance: atomic writes, checksums, the source tree's git revision, package versions."""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
from importlib import metadata
from pathlib import Path

PACKAGES = ("numpy", "pandas", "scipy", "mesa", "pydantic", "pyyaml", "matplotlib", "networkx")
REPO = Path(__file__).resolve().parents[2]


def atomic_write_text(path: Path, text: str) -> None:
    """Write a file via a temporary sibling and an atomic rename."""
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


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
