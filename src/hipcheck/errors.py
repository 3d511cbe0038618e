"""User-facing errors.

Every error a user can cause (a bad file, no person in the clip, a side view where a
frontal one is needed, a missing model file) is a :class:`HipcheckError`. Its message
says what happened, names the file where there is one, and says what to do. The CLI
and the app print the message, never a traceback; anything else is a bug.

Each class carries the process exit status the CLI uses for it (``exit_code``), so the
status says what kind of problem it was: 1 the input cannot be used, 2 an invalid option
(nothing was run), 3 an output cannot be written. The full table is
:data:`hipcheck.cli.present.EXIT_CODES`.
"""

from __future__ import annotations


class HipcheckError(Exception):
    """Base class for errors caused by the input, with a message meant for the user.

    Parameters
    ----------
    message
        What happened, in plain words.
    hint
        What the user can do about it.
    """

    #: short machine-readable code, stable across versions (used in batch tables)
    code = "error"
    #: process exit status of the CLI for this kind of error
    exit_code = 1

    def __init__(self, message: str, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(message if not hint else f"{message} {hint}")


class VideoError(HipcheckError):
    """The video cannot be opened or decoded."""

    code = "video"


class ModelError(HipcheckError):
    """A pose model file is missing or unusable."""

    code = "model"


class NoPersonError(HipcheckError):
    """No person was found in (enough of) the clip."""

    code = "no_person"


class NotMeasurableError(HipcheckError):
    """The clip cannot support the measurement (view, visibility, no repetitions)."""

    code = "not_measurable"


class LandmarkFileError(HipcheckError):
    """A landmark file cannot be read."""

    code = "landmarks"


class UsageError(HipcheckError):
    """An option value or a combination of options is invalid (found before any work)."""

    code = "usage"
    exit_code = 2


class OutputError(HipcheckError):
    """An output cannot be written (folder not writable, disk full, locked, a folder in the way)."""

    code = "output"
    exit_code = 3
