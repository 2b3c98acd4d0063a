"""The review console: users, the review queue and appeals.

Revision ID: 0003_review
Revises: 0002_posts_submitted_by
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_review"
down_revision: str | None = "0002_posts_submitted_by"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _time() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column(
            "role",
            _enum("role", "integrator", "reviewer", "analyst", "le_liaison", "admin"),
            nullable=False,
        ),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("disabled_at", _time(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "review_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("source_key", sa.String(), nullable=False),
        sa.Column("kind", _enum("reviewkind", "review", "escalate", "report", "appeal"), nullable=False),
        sa.Column("status", _enum("reviewstatus", "open", "locked", "done"), nullable=False),
        sa.Column("priority", sa.Double(), nullable=False),
        sa.Column("locked_by", sa.Integer(), nullable=True),
        sa.Column("locked_until", _time(), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("closed_at", _time(), nullable=True),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_review_items_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(["locked_by"], ["users.id"], name=op.f("fk_review_items_locked_by_users")),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=op.f("fk_review_items_post_id_posts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_items")),
        sa.UniqueConstraint("source_key", name=op.f("uq_review_items_source_key")),
    )
    op.create_index(op.f("ix_review_items_post_id"), "review_items", ["post_id"])
    op.create_index(op.f("ix_review_items_status_priority"), "review_items", ["status", "priority"])
    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=False),
        sa.Column("appellant", sa.String(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.Column("status", _enum("appealstatus", "open", "upheld", "reversed"), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("decided_at", _time(), nullable=True),
        sa.ForeignKeyConstraint(["decided_by"], ["users.id"], name=op.f("fk_appeals_decided_by_users")),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_appeals_decision_id_decisions")
        ),
        sa.ForeignKeyConstraint(["post_id"], ["posts.id"], name=op.f("fk_appeals_post_id_posts")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appeals")),
    )
    op.create_index(op.f("ix_appeals_post_id"), "appeals", ["post_id"])


def downgrade() -> None:
    op.drop_table("appeals")
    op.drop_table("review_items")
    op.drop_table("users")
