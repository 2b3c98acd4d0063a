"""Decide what to do with a detected post under a policy, per jurisdiction.

Lookup order: the post's exact jurisdiction section ("US-CO"), its country ("US"),
then ``default``. Within a section the first matching rule wins; when none matches,
the next, less specific section is tried; when nothing matches, the action is ``none``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

from interdictor.policy.facts import Detection, Facts
from interdictor.policy.jurisdictions import lookup_chain
from interdictor.policy.loader import BUILTIN_PREFIX, PolicyError, builtin_names, builtin_text, parse
from interdictor.policy.schema import Action, PolicySpec, SectionSpec

# How drastic an action is. Rules are chosen by order, not by this; it is for combining
# decisions, e.g. of several policies, into the one to carry out.
SEVERITY: Mapping[Action, int] = {
    "none": 0,
    "review": 1,
    "label": 2,
    "restrict": 3,
    "escalate": 4,
    "remove": 5,
}


@dataclass(frozen=True, slots=True)
class Decision:
    """What a policy decided for one post and why.

    ``rule`` is the name of the rule that fired (``None`` when none did);
    ``jurisdiction_section`` the section it was in; ``shadow`` is true when the
    policy only records what it would do.
    """

    action: Action
    rule: str | None
    reason: str
    policy_name: str
    policy_version: str
    shadow: bool
    jurisdiction_section: str | None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def most_severe(decisions: Iterable[Decision]) -> Decision:
    """The most drastic of ``decisions`` (the first of equals)."""
    ranked = list(decisions)
    if not ranked:
        raise ValueError("no decisions to combine")
    return max(ranked, key=lambda d: SEVERITY[d.action])


class Policy:
    """A validated policy, ready to decide. Build with :meth:`load`, :meth:`from_yaml`,
    :func:`load_policy` or :func:`builtin_policy`."""

    def __init__(self, spec: PolicySpec, source: str) -> None:
        self.spec = spec
        self.source = source

    @classmethod
    def load(cls, path: str | Path) -> Policy:
        """Read and validate a policy file."""
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise PolicyError(f"{path}: cannot read: {exc}") from None
        return cls(parse(text, str(path)), str(path))

    @classmethod
    def from_yaml(cls, text: str, source: str = "<yaml>") -> Policy:
        """Validate policy YAML given as text; ``source`` names it in error messages."""
        return cls(parse(text, source), source)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def version(self) -> str:
        return self.spec.version

    @property
    def shadow(self) -> bool:
        return self.spec.mode == "shadow"

    @property
    def sections(self) -> Mapping[str, SectionSpec]:
        return self.spec.jurisdictions

    def decide(
        self, result: Detection, jurisdiction: str | None = None, surface: str | None = None
    ) -> Decision:
        """The action for one detection (an ``Analysis`` or a stored detection) of a post
        from ``jurisdiction`` (any case; ``None`` uses the default section) on ``surface``."""
        facts = Facts.of(result, surface)
        for code in lookup_chain(jurisdiction):
            section = self.sections.get(code)
            if section is None or not section.applies_to(surface):
                continue
            for rule in section.rules:
                if rule.matches(facts):
                    return self._decision(rule.action, rule.name, rule.reason or rule.describe(), code)
        return self._decision("none", None, "no rule matched", None)

    def _decision(self, action: Action, rule: str | None, reason: str, section: str | None) -> Decision:
        return Decision(action, rule, reason, self.name, self.version, self.shadow, section)

    def __repr__(self) -> str:
        return f"Policy({self.name!r}, version={self.version!r}, source={self.source!r})"


@cache
def builtin_policy(name: str) -> Policy:
    """A policy shipped with the package: ``default``, ``licensed_cannabis``, ``strict_fentanyl``."""
    source = BUILTIN_PREFIX + name
    return Policy(parse(builtin_text(name), source), source)


def builtin_policies() -> dict[str, Policy]:
    """Every shipped policy by name."""
    return {name: builtin_policy(name) for name in builtin_names()}


def load_policy(ref: str | Path) -> Policy:
    """A policy file, or the name of a builtin policy when no such file exists."""
    path = Path(ref)
    if path.is_file():
        return Policy.load(path)
    if str(ref) in builtin_names():
        return builtin_policy(str(ref))
    builtins = ", ".join(builtin_names())
    raise PolicyError(f"{ref}: no such policy file or builtin policy (builtins: {builtins})")
