"""Posts in (one, a batch, user reports) and posts out (listing, one with all it has)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from interdictor.api.auth import Caller, require
from interdictor.api.errors import ApiError, error_responses, not_found
from interdictor.api.params import Filters, Paging, PostId, filters, paging
from interdictor.api.schemas import (
    AppealIn,
    AppealOut,
    BatchIn,
    BatchOut,
    ItemError,
    OutcomeOut,
    Page,
    PostDetail,
    PostIn,
    PostSummary,
    ReportIn,
    ReportOut,
)
from interdictor.api.services import Services, Svc
from interdictor.api.views import detail, summaries
from interdictor.detect.base import Post as ScannedPost
from interdictor.review.appeals import NothingToAppeal, file_appeal
from interdictor.review.queue import enqueue_from_report
from interdictor.store.audit import AuditLog
from interdictor.store.models import Post, Role
from interdictor.store.repository import add_report, list_posts

BATCH_PATH = "/v1/posts:batch"
BATCH_BODY_LIMIT = 16 * 1024 * 1024

router = APIRouter(prefix="/v1", tags=["posts"])

Integrator = Annotated[Caller, Depends(require(Role.INTEGRATOR))]
Reader = Annotated[Caller, Depends(require(Role.REVIEWER, Role.ANALYST, Role.LE_LIAISON))]
ReaderOrOwner = Annotated[
    Caller, Depends(require(Role.INTEGRATOR, Role.REVIEWER, Role.ANALYST, Role.LE_LIAISON))
]


def _submit(services: Services, caller: Caller, posts: Sequence[ScannedPost]) -> list[OutcomeOut | str]:
    """The outcome of each post, in order, or why it is refused: a post that another key
    submitted first, because resubmitting its id must not show an integrator that key's decision."""
    outcomes = services.processor.submit(posts, actor=caller.actor, submitted_by=caller.key_id)
    duplicates = {o.post_id for o in outcomes if o.duplicate}
    foreign: set[int] = set()
    if duplicates and not caller.sees_all:
        with services.sessions() as session:
            query = select(Post.id).where(
                Post.id.in_(duplicates), Post.submitted_by.is_distinct_from(caller.key_id)
            )
            foreign = set(session.scalars(query))
    return [
        f"post {o.platform_post_id!r} was submitted with another API key"
        if o.post_id in foreign
        else OutcomeOut.model_validate(o.to_json())
        for o in outcomes
    ]


def _visible_post(session: Session, caller: Caller, post_id: int) -> Post:
    """The post, if the caller may see it: integrators only their own (404 for others)."""
    post = session.get(Post, post_id)
    if post is None or not (caller.sees_all or post.submitted_by == caller.key_id):
        raise not_found("post", post_id)
    return post


def _reason(exc: ValidationError) -> str:
    """A validation error in one line; input that is not valid Unicode shows as escapes."""
    reason = "; ".join(
        f"{'.'.join(map(str, e['loc'])) or 'post'}: {e['msg']}" for e in exc.errors(include_url=False)
    )
    return reason.encode("utf-8", "backslashreplace").decode("utf-8")


@router.post(
    "/posts",
    summary="Submit a post and get its decision",
    responses=error_responses(400, 401, 403, 409, 413, 422),
)
def submit_post(post: PostIn, caller: Integrator, services: Svc) -> OutcomeOut:
    """Score the post, apply the policy and store everything; answer the decision.

    Submitting the same platform id again stores nothing and answers the stored decision
    with `duplicate: true`; an id another key submitted is refused with 409. Bodies over
    1 MiB are refused with 413.
    """
    (outcome,) = _submit(services, caller, [post.to_post()])
    if isinstance(outcome, str):
        raise ApiError(409, "conflict", outcome)
    return outcome


@router.post(
    BATCH_PATH.removeprefix("/v1"),
    summary="Submit up to 1000 posts",
    responses=error_responses(400, 401, 403, 413, 422),
)
def submit_batch(batch: BatchIn, caller: Integrator, services: Svc) -> BatchOut:
    """One result per item, in order, with status 200 whatever became of each item (a
    multi-status answer in one body): the item's decision as `POST /v1/posts` gives it, or
    `{"index", "error"}` for an item that is not a valid post or was submitted with another
    key. The valid items are processed in one transaction. Bodies over 16 MiB are refused
    with 413.
    """
    results: dict[int, OutcomeOut | ItemError] = {}
    valid: list[tuple[int, ScannedPost]] = []
    for index, item in enumerate(batch.posts):
        try:
            valid.append((index, PostIn.model_validate(item).to_post()))
        except ValidationError as exc:
            results[index] = ItemError(index=index, error=_reason(exc))
    outcomes = _submit(services, caller, [post for _, post in valid]) if valid else []
    for (index, _), outcome in zip(valid, outcomes, strict=True):
        results[index] = ItemError(index=index, error=outcome) if isinstance(outcome, str) else outcome
    return BatchOut(results=[results[index] for index in range(len(batch.posts))])


@router.post(
    "/posts/{post_id}/reports",
    status_code=201,
    summary="Record a user's report about a post",
    responses=error_responses(400, 401, 403, 404, 413, 422),
)
def report_post(post_id: PostId, report: ReportIn, caller: Integrator, services: Svc) -> ReportOut:
    """Keep a platform user's report. The audit entry names the post, not the report's words."""
    with services.sessions.begin() as session:
        if session.get(Post, post_id) is None:
            raise not_found("post", post_id)
        row = add_report(session, post_id, report.reason, report.reporter)
        AuditLog.append(
            session, caller.actor, "report.create", "user_report", row.id, data={"post_id": post_id}
        )
        enqueue_from_report(session, row)
        return ReportOut.model_validate(row)


@router.post(
    "/posts/{post_id}/appeals",
    status_code=201,
    summary="Appeal the decision in force on a post",
    responses=error_responses(400, 401, 403, 404, 409, 413, 422),
)
def appeal_post(post_id: PostId, appeal: AppealIn, caller: Integrator, services: Svc) -> AppealOut:
    """Relay a platform user's appeal against the removal, restriction or label in force on
    a post; a reviewer other than the one who decided it upholds or reverses it. An open
    appeal against the same decision is answered as it is. 409 when nothing in force acted
    on the post; integrators may appeal only posts they submitted (404 for others)."""
    with services.sessions.begin() as session:
        _visible_post(session, caller, post_id)
        try:
            row = file_appeal(session, post_id, appeal.appellant, appeal.reason, actor=caller.actor)
        except NothingToAppeal as exc:
            raise ApiError(409, "conflict", str(exc)) from exc
        return AppealOut.model_validate(row)


@router.get("/posts", summary="List posts", responses=error_responses(401, 403, 422))
def get_posts(
    caller: Reader,
    services: Svc,
    where: Annotated[Filters, Depends(filters)],
    page: Annotated[Paging, Depends(paging)],
) -> Page[PostSummary]:
    """Stored posts, newest first, with their latest labels and action."""
    with services.sessions() as session:
        posts = list_posts(
            session,
            label=where.label,
            action=where.action,
            jurisdiction=where.jurisdiction,
            since=where.since,
            until=where.until,
            limit=page.limit,
            offset=page.offset,
        )
        return Page[PostSummary].of(summaries(session, posts), page.limit, page.offset)


@router.get(
    "/posts/{post_id}", summary="One post with all it has", responses=error_responses(401, 403, 404, 422)
)
def get_post(post_id: PostId, caller: ReaderOrOwner, services: Svc) -> PostDetail:
    """The post with its detections (scores, evidence, indicators, model version), decisions,
    outbox actions and user reports. Integrators see only posts they submitted (404 for others)."""
    with services.sessions() as session:
        return detail(session, _visible_post(session, caller, post_id))
