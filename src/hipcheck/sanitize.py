"""Make user-entered text safe to store, print and open in a spreadsheet.

Two hazards come in with identifiers, file names and manifest cells:

- **control characters**: an escape sequence in a person id (ESC ``]0;...``) would reach
  the terminal raw, move the cursor or retitle the window; bidirectional overrides make
  text display differently from what it is. :func:`clean_id` removes them (ids are one
  line), :func:`strip_control` keeps newlines and tabs for longer text.
- **spreadsheet formulas**: a CSV cell starting with ``=``, ``+``, ``-``, ``@``, a tab or
  a carriage return is run as a formula by Excel, LibreOffice and Google Sheets (OWASP
  "CSV injection"). :func:`csv_safe` prefixes such cells with an apostrophe, which the
  spreadsheet shows as text; cells that are plain numbers (``-5``, ``+1.5e3``) are left
  alone, and numeric columns are never touched. Parquet files keep the raw values.
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pandas loads only when a table is written (the CLI starts faster)
    import pandas as pd

#: C0 controls, DEL, C1 controls, and the Unicode bidirectional embedding/override/isolate
#: characters (they make text display in another order than it is stored).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: the same, but newline and tab survive (multi-line notes)
_CONTROL_KEEP_LINES = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: first characters a spreadsheet treats as the start of a formula
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def clean_id(text: object) -> str:
    """Return an identifier as one line without control characters, outer spaces stripped.

    >>> clean_id(" P-1" + chr(27) + "[2J" + chr(10))
    'P-1[2J'
    """
    return _CONTROL.sub("", str(text)).strip()


def strip_control(text: object) -> str:
    """Return ``text`` without control characters, keeping newlines and tabs."""
    return _CONTROL_KEEP_LINES.sub("", str(text))


def _is_number(text: str) -> bool:
    try:
        value = float(text)
    except ValueError:
        return False
    return math.isfinite(value) and text.strip() == text


def csv_safe(value: object) -> object:
    """Return a CSV cell value that a spreadsheet will not run as a formula.

    Strings starting with one of :data:`FORMULA_START` get a leading apostrophe unless
    they are a plain number; every other value is returned unchanged.

    >>> csv_safe("=1+2"), csv_safe("-5"), csv_safe("@SUM(A1)"), csv_safe(3)
    ("'=1+2", '-5', "'@SUM(A1)", 3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _is_number(value):
        return "'" + value
    return value


def csv_safe_frame(df: pd.DataFrame) -> pd.DataFrame:
    """Return a copy of ``df`` with :func:`csv_safe` applied to its text columns and header."""
    import pandas as pd

    out = df.copy()
    out.columns = [csv_safe(str(c)) for c in out.columns]
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            out[col] = out[col].map(csv_safe)
    return out


def to_csv_text(df: pd.DataFrame) -> str:
    """Return ``df`` as CSV text (no index) with formula-looking cells neutralised."""
    return csv_safe_frame(df).to_csv(index=False)
