"""``interdictor deliver``: send the outbox to the platform's webhook."""

from __future__ import annotations

import signal
import threading
from typing import Annotated

import typer

from interdictor.actions.outbox import DeliveryStats, Dispatcher
from interdictor.store.cli import DatabaseUrl
from interdictor.store.db import database_url as default_database_url
from interdictor.store.db import make_engine, session_factory
from interdictor.store.models import utcnow

BATCH = 100


def deliver(
    url: Annotated[
        str,
        typer.Option("--url", envvar="INTERDICTOR_WEBHOOK_URL", help="the platform's webhook URL"),
    ],
    secret: Annotated[
        str,
        typer.Option(
            "--secret",
            envvar="INTERDICTOR_WEBHOOK_SECRET",
            help="shared signing secret (prefer the environment: arguments show in process lists)",
        ),
    ],
    once: Annotated[
        bool, typer.Option("--once", help="deliver what is due now and exit, instead of running on")
    ] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Deliver pending actions as signed webhooks, retrying failures with backoff; print the counts."""
    engine = make_engine(database_url or default_database_url())
    try:
        dispatcher = Dispatcher(session_factory(engine), url, secret)
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        with dispatcher:
            stats = _drain(dispatcher) if once else _serve(dispatcher)
    finally:
        engine.dispose()
    typer.echo(str(stats))


def _drain(dispatcher: Dispatcher) -> DeliveryStats:
    # One fixed "now": rows that fail are scheduled after it, so each is tried once.
    start, total = utcnow(), DeliveryStats()
    while True:
        stats = dispatcher.deliver_due(BATCH, now=start)
        total += stats
        if stats.attempted < BATCH:
            return total


def _serve(dispatcher: Dispatcher) -> DeliveryStats:
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        return dispatcher.run(stop, limit=BATCH)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
