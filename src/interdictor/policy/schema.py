"""The shape of a policy file, validated with pydantic, and how a rule matches a detection.

A policy has sections keyed by jurisdiction (``default``, a country, a US state); each
section holds an ordered list of rules. A rule's conditions must all hold for it to
match; a rule without conditions matches every post (a catch-all, e.g. ``action: none``
to stop a section from falling through to the default).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from interdictor.detect.base import INDICATOR_TYPES, LABELS, SUBSTANCES
from interdictor.policy.facts import Facts
from interdictor.policy.jurisdictions import DEFAULT, check_code

Action = Literal["remove", "restrict", "label", "review", "escalate", "none"]
ACTIONS: tuple[Action, ...] = get_args(Action)
Mode = Literal["enforce", "shadow"]

# The post surfaces of the scan contract (SPEC §2).
SURFACES: tuple[str, ...] = (
    "social_post",
    "comment",
    "direct_message",
    "profile_bio",
    "marketplace_listing",
    "classified_ad",
    "channel_post",
    "review",
    "forum_post",
    "email",
)

Score = Annotated[float, Field(ge=0.0, le=1.0)]
Names = Annotated[list[str], Field(min_length=1)]


def _one_of(kind: str, allowed: tuple[str, ...], values: list[str]) -> list[str]:
    bad = [v for v in values if v not in allowed]
    if bad:
        raise ValueError(f"unknown {kind} {', '.join(map(repr, bad))}; one of {', '.join(allowed)}")
    return values


def _string_key(value: object) -> object:
    # YAML 1.1 reads a bare NO (Norway) or ON as a boolean.
    if isinstance(value, bool):
        raise ValueError("YAML read this key as a boolean: quote jurisdiction codes such as 'NO'")
    return value


def _quoted_version(value: object) -> object:
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise ValueError(f'must be a string: quote it, version: "{value}"')
    return value


JurisdictionKey = Annotated[str, BeforeValidator(_string_key), AfterValidator(check_code)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class RuleSpec(_Strict):
    """One rule: conditions that must all hold, and the action taken when they do."""

    name: Annotated[str, Field(min_length=1)]
    action: Action
    reason: str | None = None
    label: str | None = None
    min_score: Score | None = None
    max_score: Score | None = None
    substances_any: Names | None = None
    substances_only: Names | None = None
    indicators_any: Names | None = None
    surfaces: Names | None = None

    @field_validator("label")
    @classmethod
    def _known_label(cls, value: str | None) -> str | None:
        return None if value is None else _one_of("label", LABELS, [value])[0]

    @field_validator("substances_any", "substances_only")
    @classmethod
    def _known_substances(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _one_of("substance", SUBSTANCES, values)

    @field_validator("indicators_any")
    @classmethod
    def _known_indicators(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _one_of("indicator type", INDICATOR_TYPES, values)

    @field_validator("surfaces")
    @classmethod
    def _known_surfaces(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _one_of("surface", SURFACES, values)

    @model_validator(mode="after")
    def _scores_need_label(self) -> RuleSpec:
        if (self.min_score is not None or self.max_score is not None) and self.label is None:
            raise ValueError("min_score/max_score need a label: the score of which label?")
        if self.min_score is not None and self.max_score is not None and self.min_score >= self.max_score:
            raise ValueError(f"min_score {self.min_score} must be below max_score {self.max_score}")
        return self

    def matches(self, facts: Facts) -> bool:
        """Whether every condition holds.

        ``label`` alone means the detector gave the label; with ``min_score``/``max_score``
        the label's score decides instead (``min_score <= score < max_score``), so a rule
        can act below the detector's own threshold. ``substances_only`` needs at least one
        substance: a sale of unknown substance is not known to be, say, cannabis only.
        """
        if self.label is not None:
            score = facts.scores.get(self.label, 0.0)
            if self.min_score is None and self.max_score is None and self.label not in facts.labels:
                return False
            if self.min_score is not None and score < self.min_score:
                return False
            if self.max_score is not None and score >= self.max_score:
                return False
        if self.substances_any and facts.substances.isdisjoint(self.substances_any):
            return False
        if self.substances_only and not (facts.substances and facts.substances <= set(self.substances_only)):
            return False
        if self.indicators_any and facts.indicator_types.isdisjoint(self.indicators_any):
            return False
        return not self.surfaces or facts.surface in self.surfaces

    def describe(self) -> str:
        """The conditions in words, e.g. ``drug_sale score ≥ 0.5 and < 0.9; substances any of fentanyl``."""
        parts = []
        if self.label is not None:
            if self.min_score is None and self.max_score is None:
                parts.append(f"labelled {self.label}")
            else:
                bounds = [f"≥ {self.min_score:g}" if self.min_score is not None else ""]
                bounds.append(f"< {self.max_score:g}" if self.max_score is not None else "")
                parts.append(f"{self.label} score {' and '.join(b for b in bounds if b)}")
        for words, values in (
            ("substances any of", self.substances_any),
            ("substances only", self.substances_only),
            ("indicators any of", self.indicators_any),
            ("surface one of", self.surfaces),
        ):
            if values:
                parts.append(f"{words} {', '.join(values)}")
        return "; ".join(parts) or "every post"


class SectionSpec(_Strict):
    """The rules for one jurisdiction, tried in order; ``surfaces`` limits the whole section."""

    surfaces: Names | None = None
    rules: list[RuleSpec] = Field(default_factory=list)

    @field_validator("surfaces")
    @classmethod
    def _known_surfaces(cls, values: list[str] | None) -> list[str] | None:
        return None if values is None else _one_of("surface", SURFACES, values)

    @model_validator(mode="after")
    def _unique_rule_names(self) -> SectionSpec:
        names = [r.name for r in self.rules]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"rule names must be unique in a section; repeated: {', '.join(repeated)}")
        return self

    def applies_to(self, surface: str | None) -> bool:
        return not self.surfaces or surface in self.surfaces


class PolicySpec(_Strict):
    """A whole policy file. ``extends`` names a builtin policy whose sections it inherits."""

    name: Annotated[str, Field(min_length=1)]
    version: Annotated[str, BeforeValidator(_quoted_version), Field(min_length=1)]
    description: str = ""
    mode: Mode
    extends: str | None = None
    jurisdictions: dict[JurisdictionKey, SectionSpec] = Field(default_factory=dict)

    def extending_data(self, parent: PolicySpec) -> dict[str, Any]:
        """This policy on top of ``parent``, as data to validate again: its rules go before
        the parent's in each section they share, its other sections are added, and its
        own section surfaces win."""
        merged: dict[str, Any] = {
            code: section.model_dump(exclude_none=True) for code, section in parent.jurisdictions.items()
        }
        for code, section in self.jurisdictions.items():
            own = section.model_dump(exclude_none=True)
            base = merged.get(code, {})
            merged[code] = {
                **base,
                **({"surfaces": own["surfaces"]} if "surfaces" in own else {}),
                "rules": own["rules"] + base.get("rules", []),
            }
        ordered = {code: merged[code] for code in sorted(merged, key=lambda c: (c != DEFAULT, c))}
        return {**self.model_dump(exclude_none=True), "jurisdictions": ordered}
