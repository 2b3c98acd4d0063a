"""The reviewer's pages: sign-in, the queue, one item to decide, and appeals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, NamedTuple

from fastapi import APIRouter, Depends, Form, Request
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload
from starlette.responses import RedirectResponse, Response

from interdictor.api.services import Svc
from interdictor.report.metrics import DateRange
from interdictor.review.appeals import decide_appeal
from interdictor.review.queue import LockError, Verdict, appeal_item, claim, decide, detection_for, next_items
from interdictor.review.users import authenticate
from interdictor.store.models import (
    ActionKind,
    Appeal,
    AppealStatus,
    Decision,
    Detection,
    Post,
    ReviewItem,
    ReviewKind,
    ReviewStatus,
    Role,
    User,
    UserReport,
    utcnow,
)
from interdictor.web.auth import PageError, check_csrf, home, require_user, safe_next, sign_in, sign_out
from interdictor.web.highlight import segments
from interdictor.web.render import flash, render

router = APIRouter(include_in_schema=False)

# Reviewers take reviews, user reports and appeals; escalations go to law enforcement liaisons.
KINDS_BY_ROLE: dict[Role, tuple[ReviewKind, ...]] = {
    Role.REVIEWER: (ReviewKind.REVIEW, ReviewKind.REPORT, ReviewKind.APPEAL),
    Role.LE_LIAISON: (ReviewKind.ESCALATE,),
    Role.ADMIN: tuple(ReviewKind),
}
QueueUser = Annotated[User, Depends(require_user(Role.REVIEWER, Role.LE_LIAISON))]
AppealUser = Annotated[User, Depends(require_user(Role.REVIEWER))]
FormText = Annotated[str, Form()]


class Choice(NamedTuple):
    """A reviewer's verdict button: what it records, its title and its keyboard key."""

    verdict: Verdict
    action: ActionKind | None
    title: str
    key: str


CHOICES: dict[str, Choice] = {
    "remove": Choice(Verdict.VIOLATING, ActionKind.REMOVE, "Violating: remove", "r"),
    "restrict": Choice(Verdict.VIOLATING, ActionKind.RESTRICT, "Violating: restrict", "t"),
    "label": Choice(Verdict.VIOLATING, ActionKind.LABEL, "Violating: label", "l"),
    "not_violating": Choice(Verdict.NOT_VIOLATING, None, "Not violating", "n"),
    "escalate": Choice(Verdict.ESCALATE, None, "Escalate", "e"),
}
QUEUE_LIMIT = 50
OTHER_POSTS = 10
LISTED = 20


@dataclass(frozen=True, slots=True)
class QueueFilters:
    """The queue page's filters, from its query string (empty means any)."""

    label: str | None = None
    jurisdiction: str | None = None
    lang: str | None = None
    kind: ReviewKind | None = None


def _filters(label: str = "", jurisdiction: str = "", lang: str = "", kind: str = "") -> QueueFilters:
    if kind and kind not in set(ReviewKind):
        raise PageError(400, f"Unknown kind {kind!r}; one of: {', '.join(ReviewKind)}.")
    return QueueFilters(label or None, jurisdiction or None, lang or None, ReviewKind(kind) if kind else None)


def _kinds(user: User) -> tuple[ReviewKind, ...]:
    return KINDS_BY_ROLE.get(user.role, ())


def _queue(session: Session, user: User, where: QueueFilters, limit: int) -> list[ReviewItem]:
    """The items this user may take, highest priority first."""
    allowed = _kinds(user)
    if where.kind is not None and where.kind not in allowed:
        return []
    kinds = [where.kind] if where.kind else allowed
    return list(next_items(session, user, where.label, where.jurisdiction, where.lang, kinds, limit=limit))


def _item_url(item: ReviewItem) -> str:
    """Where an item is decided: appeals on their appeal's page."""
    if item.kind == ReviewKind.APPEAL:
        return f"/appeals/{item.source_key.removeprefix('appeal:')}"
    return f"/items/{item.id}"


def _jurisdiction(post: Post) -> str | None:
    """The post's jurisdiction, else its account's."""
    return post.jurisdiction or (post.account.jurisdiction if post.account else None)


def _latest_detections(session: Session, post_ids: Sequence[int]) -> dict[int, Detection]:
    """Each post's latest detection, in one query."""
    latest: dict[int, Detection] = {}
    if post_ids:
        query = select(Detection).where(Detection.post_id.in_(post_ids)).order_by(Detection.id)
        for detection in session.scalars(query):
            latest[detection.post_id] = detection
    return latest


def _top(detection: Detection | None) -> tuple[str, float]:
    """The detection's highest-scoring label and its score."""
    if detection is None or not detection.scores:
        return "", 0.0
    label = max(detection.scores, key=lambda k: float(detection.scores[k]))
    return label, float(detection.scores[label])


def _decided_today(session: Session, user: User) -> int:
    """Verdicts this user gave today (UTC): decisions by them plus appeals they upheld."""
    since = DateRange.last_days(1).start
    decisions = session.scalar(
        select(func.count()).where(Decision.actor == user.actor, Decision.created_at >= since)
    )
    upheld = session.scalar(
        select(func.count()).where(
            Appeal.decided_by == user.id, Appeal.decided_at >= since, Appeal.status == AppealStatus.UPHELD
        )
    )
    return (decisions or 0) + (upheld or 0)


@router.get("/login")
def login_page(request: Request, next: str = "") -> Response:
    """The sign-in form."""
    return render(request, "login.html", next=safe_next(next, default=""))


@router.post("/login")
def login(
    request: Request,
    services: Svc,
    username: FormText = "",
    password: FormText = "",
    csrf_token: FormText = "",
    next: FormText = "",
) -> Response:
    """Sign in with a username and password; a new session starts on success."""
    check_csrf(request, csrf_token)
    with services.sessions.begin() as session:
        user = authenticate(session, username, password) if username and password else None
    if user is None:
        return render(
            request,
            "login.html",
            status_code=401,
            next=safe_next(next, default=""),
            error="Wrong username or password.",
            username=username,
        )
    sign_in(request, user)
    return RedirectResponse(safe_next(next, default=home(user)), status_code=303)


@router.post("/logout")
def logout(request: Request, csrf_token: FormText = "") -> Response:
    """End the session."""
    check_csrf(request, csrf_token)
    sign_out(request)
    return RedirectResponse("/login", status_code=303)


@router.get("/queue")
def queue_page(
    request: Request, services: Svc, user: QueueUser, where: Annotated[QueueFilters, Depends(_filters)]
) -> Response:
    """The items waiting for this user, highest priority first."""
    with services.sessions() as session:
        items = _queue(session, user, where, QUEUE_LIMIT)
        post_ids = [i.post_id for i in items]
        posts = {
            p.id: p
            for p in session.scalars(
                select(Post).options(joinedload(Post.account)).where(Post.id.in_(post_ids))
            )
        }
        detections = _latest_detections(session, post_ids)
        rows: list[dict[str, Any]] = []
        for item in items:
            post, detection = posts[item.post_id], detections.get(item.post_id)
            label, score = _top(detection)
            rows.append(
                {
                    "item": item,
                    "url": _item_url(item),
                    "label": label,
                    "labels": detection.labels if detection else [],
                    "score": score,
                    "substances": detection.substances if detection else [],
                    "jurisdiction": _jurisdiction(post),
                    "lang": post.lang,
                }
            )
        return render(
            request,
            "queue.html",
            rows=rows,
            now=utcnow(),
            where=where,
            kinds=_kinds(user),
            decided_today=_decided_today(session, user),
        )


def _images(extra: dict[str, Any]) -> list[str]:
    """Web image URLs among the post's ``images``/``media`` fields (strings or ``{"url"}``)."""
    urls: list[str] = []
    for key in ("images", "media"):
        values = extra.get(key)
        for value in values if isinstance(values, list) else []:
            url = value.get("url") if isinstance(value, dict) else value
            if isinstance(url, str) and url.startswith(("https://", "http://")):
                urls.append(url)
    return urls


def _post_context(session: Session, post_id: int, decision_id: int | None) -> dict[str, Any]:
    """What the item and appeal pages show about a post: marked text, detection, history."""
    post = session.scalars(select(Post).options(joinedload(Post.account)).where(Post.id == post_id)).one()
    source = session.get(Decision, decision_id) if decision_id is not None else None
    detection = detection_for(session, post.id, source)
    others: Sequence[Post] = []
    if post.account_id is not None:
        others = session.scalars(
            select(Post)
            .where(Post.account_id == post.account_id, Post.id != post.id)
            .order_by(Post.id.desc())
            .limit(OTHER_POSTS)
        ).all()
    evidence = detection.evidence if detection else []
    return {
        "post": post,
        "jurisdiction": _jurisdiction(post),
        "detection": detection,
        "scores": sorted((detection.scores if detection else {}).items(), key=lambda kv: -float(kv[1])),
        "segments": segments(post.text, evidence),
        "evidence": [e for e in evidence if isinstance(e, dict)],
        "images": _images(post.extra),
        "others": others,
        "decisions": session.scalars(
            select(Decision).where(Decision.post_id == post.id).order_by(Decision.id.desc()).limit(LISTED)
        ).all(),
        "reports": session.scalars(
            select(UserReport)
            .where(UserReport.post_id == post.id)
            .order_by(UserReport.id.desc())
            .limit(LISTED)
        ).all(),
    }


def _may_take(user: User, item: ReviewItem) -> None:
    if item.kind not in _kinds(user):
        raise PageError(403, f"{item.kind} items are not for the {user.role} role.")


def _lock_holder(session: Session, item: ReviewItem) -> dict[str, Any]:
    """Why the item cannot be decided here: decided already, or who holds it until when."""
    if item.status == ReviewStatus.DONE:
        return {"done": True}
    holder = session.get(User, item.locked_by) if item.locked_by is not None else None
    return {"done": False, "holder": holder.username if holder else "someone", "until": item.locked_until}


@router.get("/items/{item_id}")
def item_page(request: Request, item_id: int, services: Svc, user: QueueUser) -> Response:
    """One item: claimed for this user when free, with everything needed to decide it."""
    with services.sessions.begin() as session:
        item = session.get(ReviewItem, item_id)
        if item is None:
            raise PageError(404, f"There is no review item {item_id}.")
        if item.kind == ReviewKind.APPEAL:
            return RedirectResponse(_item_url(item), status_code=303)
        _may_take(user, item)
        claimed = claim(session, item_id, user)
        item = claimed or item
        context = _post_context(session, item.post_id, item.decision_id)
        blocked = None if claimed is not None else _lock_holder(session, item)
        return render(request, "item.html", item=item, blocked=blocked, choices=CHOICES, **context)


def _next_url(services: Svc, user: User) -> str:
    with services.sessions() as session:
        items = _queue(session, user, QueueFilters(), 1)
    return _item_url(items[0]) if items else "/queue"


@router.post("/items/{item_id}/decide")
def decide_item(
    request: Request,
    item_id: int,
    services: Svc,
    user: QueueUser,
    choice: FormText = "",
    note: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Record the verdict, then go on to the next item (back to the item, with why, on error)."""
    check_csrf(request, csrf_token)
    if choice not in CHOICES:
        raise PageError(400, f"Unknown choice {choice!r}; one of: {', '.join(CHOICES)}.")
    verdict, action, title, _ = CHOICES[choice]
    try:
        with services.sessions.begin() as session:
            item = session.get(ReviewItem, item_id)
            if item is None:
                raise PageError(404, f"There is no review item {item_id}.")
            _may_take(user, item)
            decide(session, item_id, user, verdict, action, note.strip() or None)
    except LockError:
        flash(request, "Not decided: you no longer hold this item (the lock expired or someone else has it).")
        return RedirectResponse(f"/items/{item_id}", status_code=303)
    except (PermissionError, ValueError, LookupError) as exc:
        flash(request, f"Not decided: {exc}")
        return RedirectResponse(f"/items/{item_id}", status_code=303)
    flash(request, f"Item {item_id}: {title}.")
    return RedirectResponse(_next_url(services, user), status_code=303)


@router.get("/appeals/{appeal_id}")
def appeal_page(request: Request, appeal_id: int, services: Svc, user: AppealUser) -> Response:
    """An appeal with the decision it contests; claimed for this user when they may decide it."""
    with services.sessions.begin() as session:
        appeal = session.get(Appeal, appeal_id)
        if appeal is None:
            raise PageError(404, f"There is no appeal {appeal_id}.")
        appealed = session.get_one(Decision, appeal.decision_id)
        item = appeal_item(session, appeal.id)
        own = appealed.actor == user.actor
        claimed = claim(session, item.id, user) if appeal.status == AppealStatus.OPEN and not own else None
        item = claimed or item
        blocked = None if claimed is not None or own else _lock_holder(session, item)
        context = _post_context(session, appeal.post_id, appealed.id)
        decider = session.get(User, appeal.decided_by) if appeal.decided_by is not None else None
        return render(
            request,
            "appeal.html",
            appeal=appeal,
            appealed=appealed,
            item=item,
            own=own,
            blocked=blocked,
            decider=decider,
            **context,
        )


@router.post("/appeals/{appeal_id}/decide")
def decide_appeal_page(
    request: Request,
    appeal_id: int,
    services: Svc,
    user: AppealUser,
    choice: FormText = "",
    note: FormText = "",
    csrf_token: FormText = "",
) -> Response:
    """Uphold or reverse the appeal, then go on to the next item."""
    check_csrf(request, csrf_token)
    if choice not in ("uphold", "reverse"):
        raise PageError(400, f"Unknown choice {choice!r}; uphold or reverse.")
    try:
        with services.sessions.begin() as session:
            decide_appeal(session, appeal_id, user, choice == "uphold", note.strip() or choice)
    except LookupError:
        raise PageError(404, f"There is no appeal {appeal_id}.") from None
    except (PermissionError, ValueError) as exc:
        flash(request, f"Not decided: {exc}")
        return RedirectResponse(f"/appeals/{appeal_id}", status_code=303)
    flash(request, f"Appeal {appeal_id}: {'upheld' if choice == 'uphold' else 'reversed'}.")
    return RedirectResponse(_next_url(services, user), status_code=303)
