"""``interdictor worker`` and ``interdictor stream push``: the Redis stream's commands."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Annotated

import redis
import typer
from rich.console import Console
from sqlalchemy.engine import make_url

from interdictor.detect.base import Post
from interdictor.ingest.files import InputError, PostReader
from interdictor.ingest.service import Processor
from interdictor.ingest.stream import GROUP, STREAM, StreamWorker, dead_stream_of, push_posts
from interdictor.policy import PolicyError, load_policy
from interdictor.store.cli import DatabaseUrl
from interdictor.store.db import current_revision, database_url, make_engine, session_factory

stream_app = typer.Typer(help="The Redis stream of posts.", no_args_is_help=True)
err = Console(stderr=True, highlight=False)

RedisUrl = Annotated[
    str, typer.Option("--redis-url", envvar="INTERDICTOR_REDIS_URL", help="Redis holding the stream")
]
StreamName = Annotated[str, typer.Option("--stream", help="stream key")]
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"


def worker(
    redis_url: RedisUrl = DEFAULT_REDIS,
    db_url: DatabaseUrl = None,
    policy: Annotated[str, typer.Option("--policy", help="policy YAML file or builtin name")] = "default",
    stream: StreamName = STREAM,
    group: Annotated[str, typer.Option("--group", help="consumer group")] = GROUP,
    consumer: Annotated[
        str | None, typer.Option("--consumer", help="this worker's name in the group (default: host-pid)")
    ] = None,
    batch: Annotated[int, typer.Option("--batch", min=1, help="entries per read and transaction")] = 100,
    block_ms: Annotated[int, typer.Option("--block-ms", min=1, help="longest wait for new entries")] = 1000,
    claim_idle_ms: Annotated[
        int, typer.Option("--claim-idle-ms", min=1, help="take over entries pending this long elsewhere")
    ] = 30_000,
    dead_stream: Annotated[
        str | None,
        typer.Option("--dead-stream", help="where unprocessable entries go (default: STREAM:dead)"),
    ] = None,
) -> None:
    """Store and decide posts from a Redis stream until SIGTERM or Ctrl-C."""
    try:
        chosen = load_policy(policy)
    except PolicyError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    engine = make_engine(db_url or database_url())
    try:
        if current_revision(engine) is None:
            shown = make_url(engine.url).render_as_string(hide_password=True)
            err.print(f"[red]error:[/red] {shown} has no schema; run `interdictor db upgrade` first")
            raise typer.Exit(2)
        run = StreamWorker(
            redis.Redis.from_url(redis_url),
            Processor(session_factory(engine), chosen),
            stream=stream,
            group=group,
            consumer=consumer,
            batch=batch,
            block_ms=block_ms,
            claim_idle_ms=claim_idle_ms,
            dead_stream=dead_stream or dead_stream_of(stream),
        )
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        run.stop_on_signals()
        stats = run.run()
    finally:
        engine.dispose()
    typer.echo(f"worker {run.consumer}: {stats}")


@stream_app.command("push")
def push(
    file: Annotated[str, typer.Argument(help="JSON Lines, CSV or Parquet file; - for standard input")],
    redis_url: RedisUrl = DEFAULT_REDIS,
    stream: StreamName = STREAM,
    maxlen: Annotated[
        int | None, typer.Option("--maxlen", min=1, help="trim the stream to about this many entries")
    ] = None,
) -> None:
    """Add the posts in a file to the stream, one entry each; bad lines are reported and skipped."""
    try:
        reader = PostReader(file)
    except InputError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    bad = 0

    def valid() -> Iterator[Post]:
        nonlocal bad
        for record in reader:
            if record.post is None:
                bad += 1
                err.print(f"line {record.line}: {record.error}")
            else:
                yield record.post

    pushed = push_posts(redis.Redis.from_url(redis_url), valid(), stream, maxlen=maxlen)
    typer.echo(f"pushed {pushed} posts to {stream}; {bad} lines with errors")
