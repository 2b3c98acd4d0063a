"""``interdictor users``: console users."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from sqlalchemy.exc import IntegrityError

from interdictor.review.users import create_user
from interdictor.store.cli import DatabaseUrl
from interdictor.store.db import database_url, make_engine, session_factory, upgrade
from interdictor.store.models import Role

users_app = typer.Typer(help="Review console users.", no_args_is_help=True)


@users_app.command("create")
def users_create(
    name: Annotated[str, typer.Argument(help="the username to sign in with")],
    role: Annotated[Role, typer.Option("--role", help="what the user may do")] = Role.REVIEWER,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="read the password from standard input (for scripts)")
    ] = False,
    url: DatabaseUrl = None,
) -> None:
    """Add a console user; the password is asked for twice (or read from standard input)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    if not password:
        raise typer.BadParameter("the password must not be empty")
    engine = make_engine(url or database_url())
    try:
        upgrade(engine)
        with session_factory(engine).begin() as session:
            user = create_user(session, name, password, role, actor="cli")
            typer.echo(f"created {user.role} {user.username} (id {user.id})")
    except IntegrityError:
        typer.echo(f"a user named {name!r} exists already", err=True)
        raise typer.Exit(1) from None
    finally:
        engine.dispose()
