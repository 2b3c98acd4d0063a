"""What a platform receives for an action, built the same way for automated and human decisions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from interdictor.store import models as m

# Actions the platform carries out; review and escalate stay inside Interdictor as queues.
PLATFORM_ACTIONS = frozenset({m.ActionKind.REMOVE, m.ActionKind.RESTRICT, m.ActionKind.LABEL})


def action_payload(
    decision: m.Decision, post: m.Post, labels: Sequence[str], substances: Sequence[str]
) -> dict[str, Any]:
    """The body a platform receives for an action: what to do to which post, and why."""
    return {
        "action": str(decision.action),
        "post_id": post.platform_post_id,
        "account_id": post.account.platform_account_id if post.account else None,
        "decision_id": decision.id,
        "policy": {"name": decision.policy_name, "version": decision.policy_version, "rule": decision.rule},
        "labels": list(labels),
        "substances": list(substances),
        "reason": decision.reason,
    }
