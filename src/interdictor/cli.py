"""The ``interdictor`` command line. Each command is a thin layer over a sub-package."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from interdictor import __version__
from interdictor.detect.base import LABELS
from interdictor.detect.scan import ScanStats, open_output, scan_records
from interdictor.ingest.files import FORMATS, InputError, PostReader

app = typer.Typer(help="Find drug-sale and smuggling-recruitment posts.", no_args_is_help=True,
                  add_completion=False)
err = Console(stderr=True)


def _summary(stats: ScanStats, title: str) -> Table:
    table = Table(title=title, show_header=True, header_style="bold")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("posts scanned", f"{stats.posts:,}")
    for label in LABELS:
        share = stats.flagged[label] / stats.posts if stats.posts else 0.0
        table.add_row(f"flagged {label}", f"{stats.flagged[label]:,} ({share:.1%})")
    table.add_row("lines with errors", f"{stats.errors:,}")
    table.add_row("seconds", f"{stats.seconds:.2f}")
    table.add_row("posts/s", f"{stats.posts_per_second:,.0f}")
    return table


@app.command()
def scan(
    input: Annotated[str, typer.Argument(help="JSON Lines, CSV or Parquet file; - for standard input")],
    output: Annotated[str, typer.Option("-o", "--output", help="JSON Lines out; - for standard output")] = "-",
    fmt: Annotated[str | None, typer.Option("--format", help=f"input format: {', '.join(FORMATS)} (default: by extension)")] = None,
    workers: Annotated[int, typer.Option("--workers", "-w", min=1, help="processes on this machine")] = 1,
) -> None:
    """Scan posts and write one JSON line per input line (labels, scores, evidence)."""
    try:
        reader = PostReader(input, fmt)
    except InputError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    out = open_output(output)
    try:
        if err.is_terminal and reader.size:
            with Progress(TextColumn("scanning"), BarColumn(), MofNCompleteColumn(),
                          TextColumn("bytes"), TimeElapsedColumn(), console=err,
                          transient=True) as progress:
                task = progress.add_task("scan", total=reader.size)
                stats = scan_records(reader, out, workers,
                                     lambda _: progress.update(task, completed=reader.position))
        else:
            stats = scan_records(reader, out, workers)
    finally:
        if out is not sys.stdout.buffer:
            out.close()
    err.print(_summary(stats, f"interdictor scan {Path(input).name if input != '-' else 'stdin'}"))


@app.command()
def version() -> None:
    """Print the package and lexicon versions."""
    from interdictor.detect.lexicon import default_lexicon

    typer.echo(f"interdictor {__version__}, lexicon {default_lexicon().version}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
