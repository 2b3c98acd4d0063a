"""Moderation policies: per-jurisdiction rules that turn a detection into an action.

Policies are versioned YAML files (see ``data/`` for the shipped examples). Load one with
:meth:`Policy.load` or :func:`load_policy`, then ``policy.decide(analysis, "US-CO",
"social_post")`` gives a :class:`Decision`.
"""

from interdictor.policy.engine import (
    SEVERITY,
    Decision,
    Policy,
    builtin_policies,
    builtin_policy,
    load_policy,
    most_severe,
)
from interdictor.policy.facts import Detection
from interdictor.policy.loader import PolicyError
from interdictor.policy.schema import ACTIONS, SURFACES, Action

__all__ = [
    "ACTIONS",
    "SEVERITY",
    "SURFACES",
    "Action",
    "Decision",
    "Detection",
    "Policy",
    "PolicyError",
    "builtin_policies",
    "builtin_policy",
    "load_policy",
    "most_severe",
]
