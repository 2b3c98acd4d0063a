"""Posts remember the API key that submitted them, so an integrator reads only its own.

Revision ID: 0002_posts_submitted_by
Revises: 0001_initial
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_posts_submitted_by"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "ix_posts_submitted_by"


def upgrade() -> None:
    op.add_column("posts", sa.Column("submitted_by", sa.Integer(), nullable=True))
    op.create_index(op.f(INDEX), "posts", ["submitted_by"])


def downgrade() -> None:
    op.drop_index(op.f(INDEX), table_name="posts")
    op.drop_column("posts", "submitted_by")
