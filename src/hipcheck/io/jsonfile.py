"""Read a JSON document someone else may have written: size-limited, UTF-8, an object.

Used for every JSON file hipcheck reads back (``assessment.json`` and the documents of
an output folder), so a damaged or hostile file is refused with a message that names
it, instead of crashing the parser (deep nesting) or filling memory (a huge file).
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from hipcheck.errors import HipcheckError

#: largest JSON document accepted (bytes); hipcheck writes well under 1 MB per clip
MAX_JSON_BYTES = 16 * 1024 * 1024


def read_json_document(
    path: str | os.PathLike[str],
    what: str = "assessment",
    *,
    error: type[HipcheckError] = HipcheckError,
    max_bytes: int = MAX_JSON_BYTES,
) -> dict[str, Any]:
    """Read a JSON object from a file, refusing what hipcheck cannot have written.

    Parameters
    ----------
    path
        The file.
    what
        What the file should be, for the messages (``assessment`` -> "assessment.json").
    error
        The error class raised (a :class:`~hipcheck.errors.HipcheckError`).
    max_bytes
        Larger files are refused.

    Raises
    ------
    HipcheckError
        (``error``) Missing, unreadable, too large, not UTF-8, not JSON, nested too
        deeply, or not a JSON object.
    """
    file = Path(path)
    hint = f"Pass the {what}.json written by hipcheck analyze (or its folder)."
    if not file.is_file():
        raise error(f"No {what} file at {file}.", hint)
    try:
        size = file.stat().st_size
        if size > max_bytes:
            raise error(
                f"{file} is {size / 1e6:.0f} MB; an {what} file written by hipcheck is far "
                f"smaller (at most {max_bytes // 2**20} MB is read).",
                hint,
            )
        text = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise error(f"{file} is not UTF-8 text ({exc.reason}).", hint) from None
    except OSError as exc:
        raise error(f"Cannot read {file} ({exc.strerror or exc}).", hint) from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{file} is not valid JSON ({exc}).", hint) from None
    except RecursionError:
        raise error(
            f"{file} is nested too deeply to be an {what} written by hipcheck.", hint
        ) from None
    if not isinstance(doc, dict):
        raise error(f"{file} is not an {what} (expected a JSON object).", hint)
    return doc
