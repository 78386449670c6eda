"""Registries: named entries of one kind, each declared once by the module that defines it.

A health condition, a programme type, a named rate that programmes may modify, an output metric and a ledger
item are each one registered entry (Starsim modules declaring their own parameters and states; Vivarium
components). The containers live here, at the base layer, so that scenario validation can check names
against them without importing the simulation; the entries are registered by the modules that define their
behaviour when those are imported (``model/__init__.py`` imports the built-in ones), and a plug-in registers
its own at run time.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Protocol


class Named(Protocol):
    """Anything with a ``name``: what a registry holds."""

    name: str


class Registry[T: Named]:
    """Entries of one kind by name, in registration order."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, T] = {}
        self._modules: dict[str, str] = {}

    def register(self, entry: T, *, depth: int = 1) -> T:
        """Add ``entry`` (its name must be new); return it, so the method can be used as a decorator.

        The module ``depth`` frames up (the caller; a registration helper passes 2 for its own caller) is
        remembered, so that worker processes can import a plug-in's module and see the same entries.
        """
        if entry.name in self._entries:
            raise ValueError(f"a {self.kind} named '{entry.name}' is already registered")
        self._entries[entry.name] = entry
        self._modules[entry.name] = sys._getframe(depth).f_globals.get("__name__", "")
        return entry

    def __getitem__(self, name: str) -> T:
        return self._entries[name]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[T]:
        return iter(self._entries.values())

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> tuple[str, ...]:
        """Every registered name, in registration order."""
        return tuple(self._entries)

    def plugin_modules(self) -> tuple[str, ...]:
        """Modules outside the package that registered entries (worker processes import them too)."""
        modules = self._modules.values()
        return tuple(dict.fromkeys(m for m in modules if m != "__main__" and m.split(".")[0] != "model"))
