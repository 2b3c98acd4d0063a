"""Indexes for paging posts and decisions by time, for reports over a post's time, and for
finding a post's reports.

Revision ID: 0004_time_and_report_indexes
Revises: 0003_review
Create Date: 2026-11-24
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_time_and_report_indexes"
down_revision: str | None = "0003_review"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("posts", "received_at"),
    ("decisions", "created_at"),
    ("user_reports", "post_id"),
)


POST_TIME = "ix_posts_time"


def upgrade() -> None:
    for table, column in INDEXES:
        op.create_index(op.f(f"ix_{table}_{column}"), table, [column])
    op.create_index(POST_TIME, "posts", [sa.text("coalesce(created_at, received_at)")])


def downgrade() -> None:
    op.drop_index(POST_TIME, table_name="posts")
    for table, column in INDEXES:
        op.drop_index(op.f(f"ix_{table}_{column}"), table_name=table)
