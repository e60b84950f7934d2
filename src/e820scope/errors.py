"""Errors a user can act on. The CLI prints them as one line and exits with their code.

Library code raises these instead of printing; nothing here ever shows a traceback to a
user (set ``E820SCOPE_DEBUG=1`` to get one for a bug report).
"""

from __future__ import annotations

from .model.records import SourceRef
from .safe_text import escape_name

#: Exit codes shared by every command (listed in ``e820scope --help``).
EXIT_OK = 0
#: diff: the boots differ; predict, fleet: loss predicted within ``--fail-within``.
EXIT_DIFFERENT = 1
#: The input could not be used: unreadable, binary, truncated archive, bad ``FILE#N``.
EXIT_INPUT_ERROR = 2
#: The input was read but holds no e820 map (wrapped ring buffer, excerpt without it).
EXIT_NO_MAP = 3
#: Something the machine lacks (no root for a live read, module not loadable).
EXIT_UNAVAILABLE = 4
#: A bug in e820scope.
EXIT_INTERNAL = 70


class E820ScopeError(Exception):
    """Base class: ``message`` says what is wrong, ``hint`` what to do, ``ref`` where."""

    exit_code = EXIT_INPUT_ERROR

    def __init__(self, message: str, *, hint: str = "", ref: SourceRef | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.ref = ref

    def __str__(self) -> str:
        """One line, control characters escaped (names in it come from the input)."""
        where = f"{self.ref}: " if self.ref else ""
        tail = f"; {self.hint}" if self.hint else ""
        return escape_name(f"{where}{self.message}{tail}")


class InputError(E820ScopeError):
    """The input cannot be read as a log (missing, binary, corrupt compression...)."""

    exit_code = EXIT_INPUT_ERROR


class NoMapError(E820ScopeError):
    """The input was read but has no e820 map to work on."""

    exit_code = EXIT_NO_MAP


class UnavailableError(E820ScopeError):
    """The machine lacks what the command needs (permissions, a module, a file)."""

    exit_code = EXIT_UNAVAILABLE
