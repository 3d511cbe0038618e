"""Session history and re-test comparison.

Privacy: nothing is stored unless the user asks (``hipcheck history save`` or
:meth:`HistoryStore.save_assessment`); opening a store creates no file. The database is
local by default (a SQLite file under ``~/.local/share/hipcheck/``, or ``$HIPCHECK_DB``,
or ``--db PATH``) and never leaves the machine unless the user gives a server URL.
Deleting a person (:meth:`HistoryStore.delete_person`, ``hipcheck history delete``)
removes all their sessions, assessments, metric summaries and programs.

Submodules (imported on use, so ``import hipcheck.history`` stays light):

- :mod:`hipcheck.history.db`: :class:`HistoryStore`, SQLAlchemy models, Alembic upgrade;
- :mod:`hipcheck.history.compare`: :func:`compare_sessions`, :func:`trend`;
- :mod:`hipcheck.history.plots`: :func:`plot_trend`;
- :mod:`hipcheck.history.cli`: ``register(app)`` for the ``history`` and ``compare`` commands.
"""

from __future__ import annotations

from hipcheck._lazy import lazy_getattr

_LAZY = {
    "HistoryStore": "hipcheck.history.db",
    "HistoryError": "hipcheck.history.db",
    "compare_sessions": "hipcheck.history.compare",
    "Comparison": "hipcheck.history.compare",
    "next_phase_suggestion": "hipcheck.history.compare",
    "trend": "hipcheck.history.compare",
    "plot_trend": "hipcheck.history.plots",
}

__all__ = list(_LAZY)


__getattr__ = lazy_getattr(__name__, _LAZY)
