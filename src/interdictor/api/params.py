"""Query and path parameters the endpoints share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Path, Query

from interdictor.api.schemas import MAX_ID, MAX_OFFSET, Jurisdiction, Label, UtcTime
from interdictor.store.models import ActionKind


@dataclass(frozen=True, slots=True)
class Paging:
    limit: int
    offset: int


def paging(
    limit: Annotated[int, Query(ge=1, le=500, description="at most this many items")] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="skip this many items")] = 0,
) -> Paging:
    """The page a listing asks for."""
    return Paging(limit, offset)


@dataclass(frozen=True, slots=True)
class Filters:
    label: str | None
    action: ActionKind | None
    jurisdiction: str | None
    since: UtcTime | None
    until: UtcTime | None


def filters(
    label: Annotated[Label | None, Query(description="a detection of the post carries this label")] = None,
    action: Annotated[ActionKind | None, Query(description="a decision took this action")] = None,
    jurisdiction: Annotated[
        Jurisdiction | None,
        Query(description='the post\'s jurisdiction is this or within it ("US" holds "US-CA")'),
    ] = None,
    since: Annotated[
        UtcTime | None, Query(description="from this time on (inclusive); no zone means UTC")
    ] = None,
    until: Annotated[
        UtcTime | None, Query(description="before this time (exclusive); no zone means UTC")
    ] = None,
) -> Filters:
    """The filters posts and decisions are listed by."""
    return Filters(label, action, jurisdiction.upper() if jurisdiction else None, since, until)


PostId = Annotated[int, Path(ge=1, le=MAX_ID, description="the post's id (post_id, not the platform's)")]
ActionId = Annotated[int, Path(ge=1, le=MAX_ID, description="the outbox action's id")]
KeyId = Annotated[int, Path(ge=1, le=MAX_ID, description="the API key's id")]
