"""Session notes and the measurement source of each metric summary.

Existing metric rows predate marker-assisted measurement, so they get ``landmarks``.

Revision ID: 0002_notes_and_source
Revises: 0001_initial
Create Date: 2025-01-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_notes_and_source"
down_revision = "0001_initial"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add ``sessions.notes`` and ``metric_summaries.source``."""
    with op.batch_alter_table("sessions") as batch:
        batch.add_column(sa.Column("notes", sa.Text(), nullable=True))
    with op.batch_alter_table("metric_summaries") as batch:
        batch.add_column(
            sa.Column("source", sa.String(20), nullable=False, server_default="landmarks")
        )


def downgrade() -> None:
    """Drop the two columns."""
    with op.batch_alter_table("metric_summaries") as batch:
        batch.drop_column("source")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("notes")
