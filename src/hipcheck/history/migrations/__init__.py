"""Alembic migrations of the history database (run through ``hipcheck.history.db``)."""
