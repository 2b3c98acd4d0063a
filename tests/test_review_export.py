"""``interdictor review export``: reviewers' verdicts as JSON Lines that ``evaluate`` accepts."""

from __future__ import annotations

from pathlib import Path

import orjson
from typer.testing import CliRunner

from interdictor.cli import app
from interdictor.detect.base import Post
from interdictor.ingest.service import Processor
from interdictor.policy import load_policy
from interdictor.review.queue import Verdict, claim, decide, next_items
from interdictor.review.users import create_user
from interdictor.store.db import make_engine, session_factory, upgrade
from interdictor.store.models import ActionKind, Role

REVIEWED = {
    "weed": ("weed for sale, dm me", Verdict.VIOLATING),
    "herb": ("selling herb, dm me for prices", Verdict.NOT_VIOLATING),
}


def test_export_writes_verdicts_that_evaluate_accepts(tmp_path: Path) -> None:
    # Every labelled post goes to a person under review_all, whatever its score.
    url = f"sqlite:///{tmp_path / 'review.db'}"
    engine = make_engine(url)
    upgrade(engine)
    sessions = session_factory(engine)
    outcomes = Processor(sessions, load_policy("review_all")).submit(
        [Post(id=key, text=text, lang="en") for key, (text, _) in REVIEWED.items()]
    )
    assert [o.action for o in outcomes] == ["review", "review"]
    post_ids = {o.post_id: o.platform_post_id for o in outcomes}
    with sessions.begin() as session:
        alice = create_user(session, "alice", "pw", Role.REVIEWER)
        items = {post_ids[item.post_id]: item.id for item in next_items(session, alice)}
        for key, (_, verdict) in REVIEWED.items():
            assert claim(session, items[key], alice) is not None
            action = ActionKind.REMOVE if verdict is Verdict.VIOLATING else None
            decide(session, items[key], alice, verdict, action)
    engine.dispose()

    out = tmp_path / "labelled.jsonl"
    runner = CliRunner()
    exported = runner.invoke(app, ["review", "export", "-o", str(out), "--database-url", url])
    assert exported.exit_code == 0, exported.output
    rows = [orjson.loads(line) for line in out.read_bytes().splitlines()]
    assert [(r["id"], r["labels"], r["source"]) for r in rows] == [
        ("weed", ["drug_sale"], "review:violating"),
        ("herb", [], "review:not_violating"),
    ]
    evaluated = runner.invoke(app, ["evaluate", str(out), "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    assert orjson.loads(evaluated.stdout)["all"]
