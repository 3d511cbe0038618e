"""Alembic revisions of the history schema, oldest first by ``down_revision``."""
