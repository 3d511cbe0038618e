"""Command-line interface: a thin typer layer over the library.

- :mod:`hipcheck.cli.commands`: the ``hipcheck`` app, ``landmarks``, ``analyze``, ``report``
  and the registration of the subcommands that live beside their modules (``synth``,
  ``program``, ``history``/``compare``, ``batch``, ``app``);
- :mod:`hipcheck.cli.present`: the one error-presentation helper every subcommand uses
  (message, what to do, documented exit status; never a traceback);
- :mod:`hipcheck.cli.progress`: progress bars;
- :mod:`hipcheck.cli.serve`: ``hipcheck app``, the local-only Streamlit launcher.

Subcommand modules import only :mod:`hipcheck.cli.present` (a leaf), and this package
resolves ``app``/``main`` lazily, so there is no import cycle between the main CLI and
the subcommands.
"""

from __future__ import annotations

from hipcheck._lazy import lazy_getattr

_LAZY = {
    "app": "hipcheck.cli.commands",
    "main": "hipcheck.cli.commands",
    "_register_subcommands": "hipcheck.cli.commands",
}

__all__ = ["app", "main"]


__getattr__ = lazy_getattr(__name__, _LAZY)
