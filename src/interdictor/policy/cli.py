"""``interdictor policy ...``: check a policy and try it on posts (a Typer sub-app)."""

from __future__ import annotations

from typing import Annotated

import orjson
import typer
from rich.console import Console
from rich.table import Table

from interdictor.ingest.files import FORMATS, InputError, PostReader
from interdictor.policy.engine import SEVERITY, Policy, load_policy
from interdictor.policy.jurisdictions import is_known
from interdictor.policy.loader import PolicyError, builtin_names
from interdictor.policy.simulate import NO_JURISDICTION, Outcome, Tally, simulate

app = typer.Typer(
    help="Moderation policies: validate them and see what they would do.",
    no_args_is_help=True,
    add_completion=False,
)
err = Console(stderr=True)

PolicyArg = Annotated[
    str, typer.Argument(help=f"policy YAML file, or a builtin: {', '.join(builtin_names())}")
]
# Most drastic first, so a summary reads from what matters most.
ACTION_ORDER = sorted(SEVERITY, key=lambda a: -SEVERITY[a])


def _load(ref: str) -> Policy:
    try:
        return load_policy(ref)
    except PolicyError as exc:
        err.print(f"[red]error:[/red] {exc}", markup=True, highlight=False, soft_wrap=True)
        raise typer.Exit(2) from None


@app.command()
def check(policy: PolicyArg) -> None:
    """Validate a policy and print its sections and rules in the order they are tried."""
    pol = _load(policy)
    console = Console(soft_wrap=True, highlight=False)
    mode = "shadow (decisions recorded, not carried out)" if pol.shadow else "enforce"
    console.print(f"{pol.name} version {pol.version}, mode {mode}")
    if pol.spec.extends:
        console.print(f"extends {pol.spec.extends}")
    if pol.spec.description:
        console.print(pol.spec.description)
    # Sections with the same rules (a YAML anchor used for many states) are shown once.
    groups: dict[str, list[str]] = {}
    for code, section in pol.sections.items():
        groups.setdefault(section.model_dump_json(), []).append(code)
    for codes in groups.values():
        section = pol.sections[codes[0]]
        where = f" (surfaces: {', '.join(section.surfaces)})" if section.surfaces else ""
        console.print(f"\n[bold]{', '.join(codes)}[/bold]{where}")
        for i, rule in enumerate(section.rules, 1):
            console.print(f"  {i}. {rule.name} → [bold]{rule.action}[/bold]")
            console.print(f"     when {rule.describe()}")
            if rule.reason:
                console.print(f"     why  {rule.reason}")


def _post_line(outcome: Outcome) -> str:
    if outcome.decision is None:
        return f"line {outcome.line}: error: {outcome.error}" + (
            f" (id {outcome.post_id})" if outcome.post_id else ""
        )
    label, score = outcome.top
    rule = outcome.decision.rule or "-"
    return (
        f"{outcome.post_id}\t{outcome.jurisdiction or NO_JURISDICTION}\t{outcome.decision.action}\t{rule}\t"
        f"{label} {score:.3f}"
    )


def _summary(pol: Policy, tally: Tally) -> list[Table]:
    shadow = ", shadow mode: nothing would be carried out" if pol.shadow else ""
    actions = Table(
        title=f"{pol.name} {pol.version}: actions{shadow}",
        header_style="bold",
        caption=f"{tally.posts} posts, {tally.errors} lines with errors",
    )
    actions.add_column("action")
    actions.add_column("posts", justify="right")
    actions.add_column("share", justify="right")
    for action in ACTION_ORDER:
        share = tally.actions[action] / tally.posts if tally.posts else 0.0
        actions.add_row(action, str(tally.actions[action]), f"{share:.1%}")
    places = Table(title="actions per jurisdiction", header_style="bold")
    places.add_column("jurisdiction")
    for action in ACTION_ORDER:
        places.add_column(action, justify="right")
    for code, counts in sorted(tally.by_jurisdiction.items()):
        places.add_row(code, *(str(counts[a]) for a in ACTION_ORDER))
    return [actions, places]


@app.command("simulate")
def simulate_command(
    policy: PolicyArg,
    posts: Annotated[str, typer.Argument(help="posts: JSON Lines (or CSV, Parquet); - for standard input")],
    jurisdiction: Annotated[
        str | None,
        typer.Option(
            "--jurisdiction",
            "-j",
            help="for posts with no 'jurisdiction' of their own or their account's (e.g. US-CO, MX)",
        ),
    ] = None,
    fmt: Annotated[
        str | None,
        typer.Option("--format", help=f"input format: {', '.join(FORMATS)} (default: by extension)"),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="one JSON line per input line; the summary goes to stderr")
    ] = False,
) -> None:
    """Run the detector and a policy on posts; print each post's action and a summary."""
    pol = _load(policy)
    if jurisdiction is not None and not is_known(jurisdiction):
        err.print(f"[red]error:[/red] --jurisdiction {jurisdiction!r} is not a country or US state code")
        raise typer.Exit(2)
    try:
        reader = PostReader(posts, fmt)
    except InputError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
    code = jurisdiction.strip().upper() if jurisdiction else None
    tally = Tally()
    for outcome in simulate(pol, reader, code):
        tally.add(outcome)
        if as_json:
            typer.echo(orjson.dumps(outcome.to_json()).decode())
        else:
            typer.echo(_post_line(outcome), err=outcome.decision is None)
    console = err if as_json else Console()
    for table in _summary(pol, tally):
        console.print(table)
