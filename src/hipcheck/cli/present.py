"""The one way every subcommand reports a failure: a message, what to do, an exit status.

:func:`present_errors` wraps each command. It turns whatever went wrong into one or two
plain lines on stderr and a documented exit status (:data:`EXIT_CODES`), never a
traceback:

- :class:`~hipcheck.errors.HipcheckError` and its kinds (input 1, usage 2, output 3);
- ``OSError`` that escaped the writers (disk full, read-only disk, permission denied,
  a closed or full standard output) with a hint for each cause;
- Ctrl-C (130) and running out of memory;
- anything else is a bug in hipcheck (70): one line saying so; ``--verbose`` prints
  the traceback for the bug report.

The standard output is flushed before the command returns, and its write errors are
told apart from those of output files (:class:`StdoutError`), so ``hipcheck program >
/dev/full`` fails here with a message instead of at interpreter exit.
"""

from __future__ import annotations

import errno
import functools
import logging
import os
import sys
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from hipcheck.errors import HipcheckError
from hipcheck.sanitize import strip_control

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_INPUT = 1
EXIT_USAGE = 2
EXIT_OUTPUT = 3
EXIT_INTERNAL = 70
EXIT_INTERRUPTED = 130

#: every exit status of ``hipcheck`` and what it means (README and ``--help`` show it)
EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "success (batch: every clip was analysed)"),
    (
        EXIT_INPUT,
        "the input cannot be used: a missing or unreadable video, landmark or assessment "
        "file, no person, nothing measurable, a history database problem; batch: one or "
        "more clips failed (the others are kept)",
    ),
    (EXIT_USAGE, "an invalid option or combination of options; nothing was run"),
    (
        EXIT_OUTPUT,
        "an output cannot be written: folder not writable, read-only disk, disk full, a "
        "file or folder in the way, or the folder is in use by another hipcheck run; "
        "nothing partial is left under a final name",
    ),
    (EXIT_INTERNAL, "internal error: a bug in hipcheck (run with --verbose and report it)"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C); batch: finished clips are kept"),
)


class StdoutError(OSError):
    """Writing to the standard output failed (a full disk behind ``>``, a closed pipe)."""


class _Stdout:
    """The current ``sys.stdout``, with its write errors marked as :class:`StdoutError`."""

    def write(self, text: str) -> int:
        try:
            return sys.stdout.write(text)
        except OSError as exc:
            raise StdoutError(exc.errno, exc.strerror) from None

    def flush(self) -> None:
        try:
            sys.stdout.flush()
        except OSError as exc:
            raise StdoutError(exc.errno, exc.strerror) from None

    def isatty(self) -> bool:
        return sys.stdout.isatty()

    def fileno(self) -> int:
        return sys.stdout.fileno()

    @property
    def encoding(self) -> str:
        return getattr(sys.stdout, "encoding", None) or "utf-8"


err = Console(stderr=True)
out = Console(file=_Stdout())  # type: ignore[arg-type]


def echo(text: str, nl: bool = True) -> None:
    """Write plain text to the standard output (its failures become StdoutError)."""
    stdout = _Stdout()
    stdout.write(text + ("\n" if nl else ""))
    stdout.flush()


F = TypeVar("F", bound=Callable[..., Any])

_verbose = False


def set_verbose(verbose: bool) -> None:
    """Print tracebacks of internal errors (``hipcheck --verbose``)."""
    global _verbose
    _verbose = verbose


def exit_codes_text() -> str:
    """Return the exit status table as plain text (for ``--help``)."""
    return "Exit status: " + "; ".join(f"{code} {text}" for code, text in EXIT_CODES) + "."


def show_error(message: str, hint: str | None = None) -> None:
    """Print an error message and what to do about it on stderr (no markup interpreted)."""
    # soft_wrap: long paths stay on one line (copyable; no break inside a file name)
    err.print(
        f"[bold red]Error:[/] {escape(strip_control(message))}", highlight=False, soft_wrap=True
    )
    if hint:
        err.print(
            f"[yellow]What to do:[/] {escape(strip_control(hint))}", highlight=False, soft_wrap=True
        )


def show_warning(message: str) -> None:
    """Print a warning on stderr (the command goes on)."""
    err.print(
        f"[yellow]Warning:[/] {escape(strip_control(message))}", highlight=False, soft_wrap=True
    )


def _click_control_flow() -> tuple[type[BaseException], ...]:
    """Exceptions typer/click use for control flow and usage errors (passed through).

    Recent typer versions vendor click (``typer._click``), older ones use click itself.
    """
    kinds: list[type[BaseException]] = [typer.Exit, typer.Abort, typer.BadParameter]
    try:
        from typer.exceptions import TyperException

        kinds.append(TyperException)
    except ImportError:  # pragma: no cover - older typer
        pass
    try:
        import click

        kinds += [click.exceptions.Exit, click.exceptions.Abort, click.ClickException]
    except ImportError:  # pragma: no cover - typer without click
        pass
    return tuple(kinds)


_PASS_THROUGH = _click_control_flow()
_OUTPUT_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EFBIG, getattr(errno, "EDQUOT", -1)}


def _silence_stdout() -> None:
    """Point stdout at the null device so the interpreter's final flush cannot fail."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        return
    except Exception:  # noqa: BLE001 - io.UnsupportedOperation under test runners
        return


def _os_error(exc: OSError) -> tuple[int, str, str | None]:
    """Return (exit status, message, hint) for an OSError that reached the CLI."""
    if isinstance(exc, StdoutError):
        _silence_stdout()
        if exc.errno == errno.EPIPE:  # `hipcheck ... | head`: the reader left, not an error
            return EXIT_OUTPUT, "", None
        return (
            EXIT_OUTPUT,
            f"Cannot write to the standard output ({exc.strerror or exc}).",
            "Redirect the output to a file on a disk with free space, or use --output FILE.",
        )
    if exc.errno in _OUTPUT_ERRNOS:
        from hipcheck.outputs.atomic import output_error

        e = output_error(exc, exc.filename or "the output", "" if exc.filename else "an output")
        return EXIT_OUTPUT, e.message, e.hint
    where = f" {exc.filename}" if exc.filename else ""
    hints = {
        errno.ENOENT: "Check the path and the file name.",
        errno.EACCES: "Check the permissions of the file or folder.",
        errno.EPERM: "Check the permissions of the file or folder.",
        errno.EISDIR: "Give a file, not a folder.",
        errno.ENOTDIR: "Check the path: a part of it is a file, not a folder.",
        errno.EMFILE: "Too many files are open; close other programs and try again.",
    }
    return (
        EXIT_INPUT,
        f"Cannot access{where} ({exc.strerror or exc}).",
        hints.get(exc.errno or 0, "Check the paths given on the command line."),
    )


def present(exc: BaseException) -> int:
    """Print ``exc`` for the user and return the exit status it maps to."""
    if isinstance(exc, HipcheckError):
        show_error(exc.message, exc.hint)
        return int(getattr(exc, "exit_code", EXIT_INPUT))
    if isinstance(exc, KeyboardInterrupt):
        err.print("Interrupted.")
        return EXIT_INTERRUPTED
    if isinstance(exc, OSError):
        code, message, hint = _os_error(exc)
        if message:
            show_error(message, hint)
        return code
    if isinstance(exc, MemoryError):
        show_error(
            "Not enough memory.",
            "Close other programs, or downscale the video with --max-side (e.g. 960).",
        )
        return EXIT_INPUT
    first = (str(exc).splitlines() or [""])[0][:300]
    show_error(
        f"Internal error ({type(exc).__name__}: {first}). This is a bug in hipcheck, not a "
        "problem with your input.",
        "Run the command again with `hipcheck --verbose ...` to see where it happened, and "
        "report it."
        if not _verbose
        else "Report it with the traceback above.",
    )
    return EXIT_INTERNAL


def present_errors(func: F) -> F:
    """Wrap a command: every failure becomes a message and an exit status (module docstring)."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            result = func(*args, **kwargs)
            _Stdout().flush()
            return result
        except _PASS_THROUGH:
            raise
        except BaseException as exc:  # noqa: BLE001 - this is the one place that reports
            if isinstance(exc, SystemExit | GeneratorExit):
                raise
            if _verbose and not isinstance(exc, HipcheckError | KeyboardInterrupt):
                err.print(escape("".join(traceback.format_exception(exc))), highlight=False)
            raise typer.Exit(present(exc)) from None

    return wrapper  # type: ignore[return-value]
