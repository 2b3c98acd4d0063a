"""``interdictor serve``: run the HTTP API on this machine."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from interdictor.detect.base import Post as ScannedPost
from interdictor.ingest.files import InputError, PostReader
from interdictor.ingest.service import Processor
from interdictor.policy import PolicyError
from interdictor.review.users import create_user, set_password
from interdictor.store.cli import DatabaseUrl
from interdictor.store.db import database_url as default_database_url
from interdictor.store.keys import create_key, revoke_key
from interdictor.store.models import ApiKey, Role, User

LOCAL_ADMIN = "local-admin"
SEED_BATCH = 500


def seed_posts(processor: Processor, path: Path) -> str:
    """Score, decide and store the posts in ``path`` (JSON Lines, CSV or Parquet); say what happened."""
    batch: list[ScannedPost] = []
    posts = new = skipped = 0

    def flush() -> None:
        nonlocal posts, new
        outcomes = processor.submit(batch, actor="cli")
        posts += len(outcomes)
        new += sum(not o.duplicate for o in outcomes)
        batch.clear()

    for record in PostReader(str(path)):
        if record.post is None:
            skipped += 1
            continue
        batch.append(record.post)
        if len(batch) == SEED_BATCH:
            flush()
    if batch:
        flush()
    return f"seeded {posts} posts from {path} ({new} new), {skipped} unreadable lines skipped"


def ensure_admin_key(sessions: sessionmaker[Session], renew: bool = False) -> tuple[ApiKey, str | None]:
    """An active admin key: the oldest one, or a new ``local-admin`` key with its secret.

    With ``renew``, earlier ``local-admin`` keys are revoked and a new one is made, so a
    local run can always print a working key (only hashes are stored).
    """
    with sessions.begin() as session:
        query = select(ApiKey).where(ApiKey.role == Role.ADMIN, ApiKey.revoked_at.is_(None))
        if renew:
            for old in session.scalars(query.where(ApiKey.name == LOCAL_ADMIN)).all():
                revoke_key(session, old.id, actor="cli", reason="replaced by a new local admin key")
        key = session.scalars(query.order_by(ApiKey.id).limit(1)).first()
        if key is not None:
            return key, None
        return create_key(session, LOCAL_ADMIN, Role.ADMIN, actor="cli")


def ensure_console_admin(sessions: sessionmaker[Session]) -> tuple[User, str]:
    """A ``local-admin`` console user with a new random password, returned once."""
    password = secrets.token_urlsafe(12)
    with sessions.begin() as session:
        user = session.scalars(select(User).where(User.username == LOCAL_ADMIN)).one_or_none()
        if user is None:
            return create_user(session, LOCAL_ADMIN, password, Role.ADMIN, actor="cli"), password
        return set_password(session, user, password, actor="cli"), password


def serve(
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=1, max=65535, help="port to listen on")] = 8000,
    database_url: DatabaseUrl = None,
    policy: Annotated[str, typer.Option("--policy", help="policy YAML file or builtin name")] = "default",
    seed: Annotated[
        Path | None,
        typer.Option(
            "--seed", exists=True, dir_okay=False, help="posts to ingest first (JSON Lines, CSV, Parquet)"
        ),
    ] = None,
    new_admin_key: Annotated[
        bool,
        typer.Option(
            "--new-admin-key",
            help="replace the local admin key and the local console admin's password; print both",
        ),
    ] = False,
) -> None:
    """Run the HTTP API: migrate the database, ingest seed posts, make sure an admin key exists."""
    # FastAPI and uvicorn load for this command only, not for every `interdictor` command.
    import uvicorn

    from interdictor.api.app import create_app
    from interdictor.api.services import Services
    from interdictor.store.db import upgrade

    try:
        app = create_app(database_url or default_database_url(), policy)
    except PolicyError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    services: Services = app.state.services
    upgrade(services.engine)
    if seed is not None:
        try:
            typer.echo(seed_posts(services.processor, seed))
        except InputError as exc:
            typer.echo(f"error: {exc}", err=True)
            raise typer.Exit(2) from None
    key, secret = ensure_admin_key(services.sessions, renew=new_admin_key)
    typer.echo(f"Interdictor API on http://{host}:{port} (documentation: http://{host}:{port}/docs)")
    if secret is None:
        typer.echo(
            f"admin key {key.id} ({key.name}) exists; its secret was shown when it was made. "
            f"`interdictor keys create NAME --role admin` makes another."
        )
    else:
        typer.echo(f"admin key {key.id} ({key.name}): {secret}")
        typer.echo(
            "it is shown this once: only its hash is stored. Send it as 'Authorization: Bearer <key>'."
        )
    typer.echo(f"review console: http://{host}:{port}/login")
    if new_admin_key:
        console_user, password = ensure_console_admin(services.sessions)
        typer.echo(f"console admin: {console_user.username} / {password} (a new password on every run)")
    uvicorn.run(app, host=host, port=port)
