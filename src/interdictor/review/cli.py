"""``interdictor review``: what reviewers decided, as training and evaluation data."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import orjson
import typer

from interdictor.detect.scan import open_output
from interdictor.review.queue import export_labelled
from interdictor.store.cli import DatabaseUrl
from interdictor.store.db import database_url, make_engine, session_factory

review_app = typer.Typer(help="Human review.", no_args_is_help=True)


@review_app.command("export")
def review_export(
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="JSON Lines file (default: standard output)")
    ] = None,
    url: DatabaseUrl = None,
) -> None:
    """Write one labelled post per human verdict as JSON Lines, the input of ``evaluate`` and ``train``."""
    engine = make_engine(url or database_url())
    out = open_output(str(output) if output is not None else None)
    count = 0
    try:
        with session_factory(engine)() as session:
            for example in export_labelled(session):
                out.write(orjson.dumps(example, option=orjson.OPT_APPEND_NEWLINE))
                count += 1
    finally:
        if out is not sys.stdout.buffer:
            out.close()
        engine.dispose()
    typer.echo(f"exported {count} labelled posts", err=True)
