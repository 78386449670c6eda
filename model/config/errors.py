"""User-facing input errors: one plain line per problem, naming file, key and reason."""

from __future__ import annotations

import reprlib
from collections.abc import Iterable
from dataclasses import dataclass

_SHORT = reprlib.Repr(maxlevel=2, maxdict=4, maxlist=4, maxtuple=4, maxstring=40, maxother=40, maxlong=40)
MAX_SHOWN = 60  # characters of a user's value quoted in a message: one line, whatever the value


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a user's input.

    Attributes:
        file: the file (or "command line") the problem is in.
        key: dotted key path inside it, empty when the problem concerns the whole file.
        reason: what is wrong, in plain words.

    """

    file: str
    key: str
    reason: str

    def __str__(self) -> str:
        return f"{self.file}: {self.key}: {self.reason}" if self.key else f"{self.file}: {self.reason}"


class InputError(Exception):
    """Raised when user input (a scenario, an override, a data file) cannot be accepted."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __reduce__(self) -> tuple[type, tuple[list[Problem]]]:
        """Pickle by problems, so an error raised in a worker process reaches the command intact."""
        return (InputError, (self.problems,))


def shown(value: object) -> str:
    """A user's value as quoted in a message: its repr cut to one short line ; huge values never expand."""
    text = _SHORT.repr(value).replace("\n", " ")
    return text if len(text) <= MAX_SHOWN else text[: MAX_SHOWN - 3] + "..."


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """Return ' (did you mean 'x'?)' for the closest choice, or '' when nothing is close."""
    import difflib

    close = difflib.get_close_matches(str(word)[:100], list(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
