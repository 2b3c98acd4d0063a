"""``interdictor db``, ``interdictor audit`` and ``interdictor keys``: the store's commands."""

from __future__ import annotations

from typing import Annotated

import typer
from sqlalchemy import func, select

from interdictor.store.audit import AuditLog
from interdictor.store.db import current_revision, database_url, make_engine, session_factory, upgrade
from interdictor.store.keys import Role, create_key, revoke_key
from interdictor.store.models import AuditEntry

db_app = typer.Typer(help="The database schema.", no_args_is_help=True)
audit_app = typer.Typer(help="The hash-chained audit log.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)

# For `python -m interdictor.store.cli`; the main CLI adds the three groups itself.
app = typer.Typer(help="The Interdictor store.", no_args_is_help=True, add_completion=False)
for _name, _group in {"db": db_app, "audit": audit_app, "keys": keys_app}.items():
    app.add_typer(_group, name=_name)

# The one database option of every command that opens the store.
DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="INTERDICTOR_DATABASE_URL",
        help="database URL (default: sqlite:///interdictor.db)",
    ),
]


@db_app.command("upgrade")
def db_upgrade(url: DatabaseUrl = None) -> None:
    """Create or migrate the schema to the latest revision."""
    engine = make_engine(url or database_url())
    try:
        upgrade(engine)
        shown = engine.url.render_as_string(hide_password=True)
        typer.echo(f"{shown} is at revision {current_revision(engine)}")
    finally:
        engine.dispose()


@audit_app.command("verify")
def audit_verify(
    url: DatabaseUrl = None,
    anchor: Annotated[
        str | None,
        typer.Option("--anchor", help="a head hash recorded earlier; the chain must still contain it"),
    ] = None,
) -> None:
    """Check every entry's hash, the links between entries, gaps and the head; exit 1 on any problem."""
    engine = make_engine(url or database_url())
    try:
        with session_factory(engine)() as session:
            problems = AuditLog.verify(session, anchor)
            entries = session.scalar(select(func.count()).select_from(AuditEntry))
            _, head = AuditLog.head(session)
    finally:
        engine.dispose()
    if problems:
        for problem in problems:
            typer.echo(str(problem), err=True)
        typer.echo(f"audit log broken: {len(problems)} problems in {entries} entries", err=True)
        raise typer.Exit(1)
    typer.echo(f"audit log ok: {entries} entries")
    typer.echo(f"head: {head}")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Argument(help="who or what the key is for")],
    role: Annotated[Role, typer.Option("--role", help="what the key may do")],
    url: DatabaseUrl = None,
) -> None:
    """Create an API key and print its secret; it is shown this once only."""
    engine = make_engine(url or database_url())
    try:
        with session_factory(engine).begin() as session:
            key, secret = create_key(session, name, role, actor="cli")
    finally:
        engine.dispose()
    typer.echo(f"key {key.id} ({key.name}, {key.role}): {secret}")


@keys_app.command("revoke")
def keys_revoke(
    key_id: Annotated[int, typer.Argument(help="the key's id, as `keys create` printed it")],
    url: DatabaseUrl = None,
) -> None:
    """Revoke an API key."""
    engine = make_engine(url or database_url())
    try:
        with session_factory(engine).begin() as session:
            key = revoke_key(session, key_id, actor="cli")
    finally:
        engine.dispose()
    if key is None:
        typer.echo(f"no key {key_id}", err=True)
        raise typer.Exit(1)
    typer.echo(f"key {key.id} ({key.name}) revoked")


if __name__ == "__main__":
    app()
