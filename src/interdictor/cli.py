"""The ``interdictor`` command line. Each command is a thin layer over a sub-package."""

from __future__ import annotations

import importlib
import sys
from functools import partial
from pathlib import Path
from typing import Annotated, Any, Literal

import orjson
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from typer.core import TyperGroup

from interdictor import __version__
from interdictor.detect.base import LABELS
from interdictor.detect.evaluation import LabelMetrics, Metrics
from interdictor.detect.scan import ScanStats, open_output, scan_records
from interdictor.ingest.files import FORMATS, InputError, PostReader

# The service's commands pull in SQLAlchemy, FastAPI, httpx and Redis (about a second);
# they are imported only when one of them runs, so `scan` starts as fast as it did.
LAZY_COMMANDS = {
    "serve": "interdictor.api.cli:serve",
    "worker": "interdictor.ingest.stream_cli:worker",
    "stream": "interdictor.ingest.stream_cli:stream_app",
    "deliver": "interdictor.actions.cli:deliver",
    "policy": "interdictor.policy.cli:app",
    "db": "interdictor.store.cli:db_app",
    "audit": "interdictor.store.cli:audit_app",
    "keys": "interdictor.store.cli:keys_app",
    "users": "interdictor.web.cli:users_app",
    "review": "interdictor.review.cli:review_app",
}


class LazyGroup(TyperGroup):
    """The top-level command group, loading the commands in ``LAZY_COMMANDS`` on first use."""

    def list_commands(self, ctx: typer.Context) -> list[str]:  # type: ignore[override]
        return [*super().list_commands(ctx), *LAZY_COMMANDS]

    def get_command(self, ctx: typer.Context, cmd_name: str) -> Any:  # type: ignore[override]
        command = super().get_command(ctx, cmd_name)
        if command is not None or cmd_name not in LAZY_COMMANDS:
            return command
        module, attribute = LAZY_COMMANDS[cmd_name].split(":")
        target = getattr(importlib.import_module(module), attribute)
        # Registered on a parent exactly as add_typer / command would, then looked up there.
        parent = typer.Typer(add_completion=False)
        if isinstance(target, typer.Typer):
            parent.add_typer(target, name=cmd_name)
        else:
            parent.command(cmd_name)(target)
            parent.callback()(lambda: None)  # keep the parent a group, even with one command
        return typer.main.get_group(parent).get_command(ctx, cmd_name)


app = typer.Typer(
    cls=LazyGroup,
    help="Find drug-sale and smuggling-recruitment posts.",
    no_args_is_help=True,
    add_completion=False,
)
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
    output: Annotated[
        str, typer.Option("-o", "--output", help="JSON Lines out; - for standard output")
    ] = "-",
    fmt: Annotated[
        str | None,
        typer.Option("--format", help=f"input format: {', '.join(FORMATS)} (default: by extension)"),
    ] = None,
    workers: Annotated[
        int, typer.Option("--workers", "-w", min=1, help="processes on this machine (local engine)")
    ] = 1,
    engine: Annotated[
        Literal["local", "ray"],
        typer.Option("--engine", help="local: this machine; ray: a Ray cluster (needs interdictor[ray])"),
    ] = "local",
    ray_address: Annotated[
        str | None,
        typer.Option(
            "--ray-address", help="Ray cluster to join: auto or host:port (default: start Ray here)"
        ),
    ] = None,
    rerank: Annotated[
        bool,
        typer.Option(
            help="score long posts the model is unsure of again with the sentence model; "
            "--no-rerank is about three times faster on e-mails and long listings, and less accurate"
        ),
    ] = True,
) -> None:
    """Scan posts and write one JSON line per input line (labels, scores, evidence)."""
    if ray_address is not None and engine != "ray":
        err.print("[red]error:[/red] --ray-address needs --engine ray")
        raise typer.Exit(2)
    if (ray_address or "").startswith("ray://"):
        # Ray Data does not run through Ray Client (ray-project/ray#48682).
        err.print(
            "[red]error:[/red] Ray Data cannot run through Ray Client (ray://); run the scan on a "
            "cluster node with --ray-address auto, or send it with `ray job submit`"
        )
        raise typer.Exit(2)
    try:
        reader = PostReader(input, fmt)
    except InputError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    if engine == "ray":
        try:
            from interdictor.detect.distributed import scan_with_ray
        except ImportError as exc:
            if (exc.name or "").startswith("interdictor"):
                raise
            err.print(
                f"[red]error:[/red] --engine ray needs Ray Data ({exc}); "
                "install it with: pip install 'interdictor\\[ray]'"
            )
            raise typer.Exit(2) from None
        run = partial(scan_with_ray, address=ray_address, rerank=rerank)
    else:
        run = partial(scan_records, workers=workers, rerank=rerank)
    out = open_output(output)
    try:
        if err.is_terminal and reader.size:
            with Progress(
                TextColumn("scanning"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("bytes"),
                TimeElapsedColumn(),
                console=err,
                transient=True,
            ) as progress:
                task = progress.add_task("scan", total=reader.size)
                stats = run(reader, out, on_chunk=lambda _: progress.update(task, completed=reader.position))
        else:
            stats = run(reader, out)
    finally:
        if out is not sys.stdout.buffer:
            out.close()
    err.print(_summary(stats, f"interdictor scan {Path(input).name if input != '-' else 'stdin'}"))


def _report_console() -> Console:
    """Where metrics tables go. Rich cuts output that is not a terminal (make, CI logs,
    a file) to 80 columns, which folds the eleven columns and truncates the figures."""
    console = Console()
    return console if console.is_terminal else Console(width=150)


def _metrics_table(title: str, groups: dict[str, Metrics]) -> Table:
    table = Table(title=title, header_style="bold")
    for col in (
        "group",
        "n",
        "label",
        "precision",
        "recall",
        "F1",
        "pos",
        "fp",
        "fn",
        "FP rate",
        "substance acc.",
    ):
        table.add_column(col, justify="left" if col in ("group", "label") else "right")
    for name, m in groups.items():
        fpr = f"{m.false_positive_rate:.3f} ({m.negatives})" if m.false_positive_rate is not None else ""
        subst = f"{m.substance_accuracy:.3f} ({m.substance_n})" if m.substance_accuracy is not None else ""
        rows: list[tuple[str, LabelMetrics | None]] = list(m.labels.items()) or [("-", None)]
        for i, (label, lm) in enumerate(rows):
            cells = (
                [
                    f"{lm.precision:.3f}",
                    f"{lm.recall:.3f}",
                    f"{lm.f1:.3f}",
                    str(lm.n_pos),
                    str(lm.fp),
                    str(lm.fn),
                ]
                if lm
                else [""] * 6
            )
            table.add_row(
                name if i == 0 else "",
                str(m.n) if i == 0 else "",
                label,
                *cells,
                fpr if i == 0 else "",
                subst if i == 0 else "",
            )
    return table


@app.command()
def evaluate(
    gold: Annotated[Path, typer.Argument(help="labelled posts: scan input plus 'labels' (and 'substances')")],
    by: Annotated[
        str | None,
        typer.Option("--by", help="also report per value of this field (source, lang, surface...)"),
    ] = None,
    plot: Annotated[Path | None, typer.Option("--plot", help="save a precision-recall plot (PNG)")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object instead of tables")] = False,
) -> None:
    """Precision, recall, F1, false-positive rate and substance accuracy on your own labelled posts."""
    from interdictor.detect.evaluation import by_group, metrics, plot_pr, threshold_table
    from interdictor.detect.model.classifier import default_model
    from interdictor.detect.model.training import load_examples, score

    try:
        examples = load_examples([gold])
    except (InputError, OSError) as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    model = default_model()
    if model is None:
        err.print("[red]error:[/red] no trained model is installed; run `interdictor train`")
        raise typer.Exit(2)
    rows = score(model, examples, by or "source")
    overall = metrics(rows)
    groups = by_group(rows) if by else {}
    if as_json:
        typer.echo(
            orjson.dumps(
                {"all": overall.as_dict(), "by": {k: v.as_dict() for k, v in groups.items()}}
            ).decode()
        )
    else:
        console = _report_console()
        console.print(_metrics_table(f"{gold.name}: all", {"all": overall}))
        if groups:
            console.print(_metrics_table(f"{gold.name}: by {by}", groups))
        for label in overall.labels:
            table = Table(title=f"thresholds for {label}", header_style="bold")
            for col in ("score ≥", "precision", "recall", "flagged"):
                table.add_column(col, justify="right")
            for t, p, r, k in threshold_table(rows, label):
                table.add_row(f"{t:.2f}", f"{p:.3f}", f"{r:.3f}", str(k))
            console.print(table)
    if plot is not None:
        plot_pr(rows, plot, f"{gold.name}: precision–recall")
        err.print(f"precision–recall plot: {plot}")


@app.command()
def train(
    shared: Annotated[Path, typer.Option(help="folder of real labelled data")] = Path("../shared/data"),
    authored: Annotated[Path, typer.Option(help="folder of authored data (*/train.jsonl)")] = Path(
        "data/authored"
    ),
    out: Annotated[
        Path | None, typer.Option(help="where to write the model (default: inside the package)")
    ] = None,
    seed: Annotated[int, typer.Option(help="random seed; same data and seed give the same model")] = 13,
    cross_validate: Annotated[
        bool, typer.Option("--cross-validate", help="first report source-held-out figures")
    ] = False,
) -> None:
    """Train the detector on real and authored data and write the model."""
    from interdictor.detect.evaluation import by_group, metrics
    from interdictor.detect.model.classifier import packaged_model_dir
    from interdictor.detect.model.training import (
        evaded_copies,
        fit,
        heldout_paths,
        load_examples,
        score,
        training_paths,
    )

    paths = training_paths(shared, authored)
    if not paths:
        err.print(f"[red]error:[/red] no labelled data under {shared} or {authored}")
        raise typer.Exit(2)
    examples = load_examples(paths)
    console = _report_console()
    if cross_validate:
        from interdictor.detect.model.training import cross_validate_sources

        with console.status("cross-validating: each real source, and each part of one, held out in turn"):
            held = cross_validate_sources(examples, seed)
        console.print(
            _metrics_table(
                "real data held out of training: each source, then each part of a parted source",
                {g: metrics(rows) for g, rows in held.items()},
            )
        )
    with console.status(f"training on {len(examples):,} posts"):
        model = fit(examples, seed)
    heldout = load_examples(heldout_paths(authored))
    if heldout:
        clean = score(model, heldout)
        evaded = score(model, evaded_copies(heldout, seed))
        console.print(
            _metrics_table(
                "authored held-out split, clean and evaded copies", {**by_group(clean), **by_group(evaded)}
            )
        )
        console.print(
            _metrics_table("authored held-out split by language", by_group(score(model, heldout, "lang")))
        )
    target = out or packaged_model_dir()
    model.save(target)
    err.print(f"model written to {target}")


@app.command()
def version() -> None:
    """Print the package and lexicon versions."""
    from interdictor.detect.lexicon import default_lexicon

    typer.echo(f"interdictor {__version__}, lexicon {default_lexicon().version}")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
