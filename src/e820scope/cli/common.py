"""Pieces every command shares: error reporting, output selection, input specs."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import signal
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import click

from ..errors import EXIT_INPUT_ERROR, EXIT_INTERNAL, E820ScopeError
from ..safe_text import escape_block

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CODES_HELP = """\b
Exit codes:
  0  success (diff: the maps agree wherever both show them)
  1  diff: the boots differ; predict, fleet: loss predicted within --fail-within
  2  input error: unreadable, binary or truncated input, bad FILE#N, bad usage
  3  the input holds no e820 map (e.g. the ring buffer wrapped)
  4  the machine lacks what is needed (root, the module, a sysfs file)
  70 internal error in e820scope (please report it with E820SCOPE_DEBUG=1 output)
"""


class OutputError(E820ScopeError):
    """An output path (``-o``) that cannot be written: bad usage, exit 2."""

    exit_code = EXIT_INPUT_ERROR


def check_output(path: str, *, directory: bool = False) -> Path:
    """Fail early, in one line, when ``path`` cannot be written: its directory (for
    ``directory``, the nearest existing ancestor) must exist and be writable, and
    ``path`` itself must not be a directory (for ``directory``: must not be a file)."""
    p = Path(path)
    if directory:
        if p.exists() and not p.is_dir():
            raise OutputError(f"{path}: exists and is not a directory", hint="give a directory")
        parent = next(a for a in (p, *p.parents) if a.exists())
    else:
        if p.is_dir():
            raise OutputError(f"{path}: is a directory", hint="give a file name")
        parent = p.parent
        if not parent.is_dir():
            raise OutputError(
                f"{path}: directory {parent} does not exist", hint="create it or pick another"
            )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise OutputError(f"{path}: {parent} is not writable", hint="pick another output path")
    return p


@contextlib.contextmanager
def writing(path: str | Path) -> Iterator[None]:
    """Turn an OSError while writing ``path`` into a one-line :class:`OutputError`."""
    try:
        yield
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(
            f"{path}: cannot write: {reason}", hint="pick another output path"
        ) from exc


def echo(text: str, *, err: bool = False, nl: bool = True) -> None:
    """``click.echo`` of output that may hold text from the input: every control
    character but newline and tab is escaped (:mod:`e820scope.safe_text`). JSON output
    is unchanged by it (``json.dumps`` escapes controls itself)."""
    click.echo(escape_block(text), err=err, nl=nl)


def reset_sigpipe() -> None:
    """Let ``e820scope ... | head`` end quietly instead of raising BrokenPipeError."""
    if hasattr(signal, "SIGPIPE"):
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)


#: The one-line error document ``--json`` commands print on stderr (schemas/error-1.json).
ERROR_SCHEMA = "e820scope.error/1"


def fail(err: E820ScopeError, *, as_json: bool = False) -> None:
    """Print one line for ``err`` on stderr and exit with its code."""
    if as_json:
        payload = {
            "schema": ERROR_SCHEMA,
            "error": err.message,
            "hint": err.hint,
            "where": str(err.ref) if err.ref else None,
        }
        echo(json.dumps(payload), err=True)
    else:
        echo(f"e820scope: {err}", err=True)
    sys.exit(err.exit_code)


def handle_errors(func: F) -> F:
    """Turn :class:`E820ScopeError` into a one-line message and its exit code.

    Anything else is a bug: say so in one line (with a traceback only when
    ``E820SCOPE_DEBUG`` is set) and exit 70.
    """

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except E820ScopeError as err:
            fail(err, as_json=bool(kwargs.get("as_json")))
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except KeyboardInterrupt:
            sys.exit(130)
        except Exception as exc:
            if os.environ.get("E820SCOPE_DEBUG"):
                raise
            echo(
                f"e820scope: internal error: {type(exc).__name__}: {exc} "
                "(this is a bug; rerun with E820SCOPE_DEBUG=1 and report the traceback)",
                err=True,
            )
            sys.exit(EXIT_INTERNAL)
        return None

    return wrapper  # type: ignore[return-value]
