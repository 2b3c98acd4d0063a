"""The path from a submitted post to a stored decision, on real databases."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from interdictor.detect.base import Post
from interdictor.detect.model.classifier import default_model
from interdictor.detect.pipeline import Pipeline
from interdictor.ingest.service import Processor
from interdictor.policy import load_policy
from interdictor.store import models as m
from interdictor.store.audit import AuditLog
from interdictor.store.db import session_factory

WEED = "🍃 za 35 an 8th, exotic gas, DM to order, delivery in Denver"


def test_account_jurisdiction_is_stored_and_decides(db_engine: Engine) -> None:
    processor = Processor(session_factory(db_engine), load_policy("licensed_cannabis"))
    colorado = Post("c1", WEED, author="acct-1", extra={"account": {"id": "acct-1", "jurisdiction": "us-co"}})
    texas = Post("t1", WEED, author="acct-2", extra={"account": {"id": "acct-2", "jurisdiction": "US-TX"}})
    legal, illegal = processor.submit([colorado, texas])

    assert legal.labels == ["drug_sale"] and legal.substances == ["cannabis"]
    assert (legal.action, legal.rule) == ("restrict", "licensed_cannabis_sale")
    assert illegal.action in {"remove", "review"}
    with session_factory(db_engine)() as session:
        accounts = dict(session.execute(select(m.Account.platform_account_id, m.Account.jurisdiction)).all())
        assert accounts == {"acct-1": "US-CO", "acct-2": "US-TX"}
        assert AuditLog.verify(session) == []


def test_a_batch_writes_one_audit_entry_per_step_in_order(db_engine: Engine) -> None:
    processor = Processor(session_factory(db_engine), load_policy("default"))
    outcomes = processor.submit(
        [
            Post("a", "blues M30 $20 each, DM to order", author="x"),
            Post("b", "Snow tires for sale, 4 Blizzaks, $300", author="x"),
            Post("a", "the same id again in the same batch", author="x"),
        ]
    )
    assert [o.duplicate for o in outcomes] == [False, False, True]
    with session_factory(db_engine)() as session:
        verbs = session.scalars(select(m.AuditEntry.verb).order_by(m.AuditEntry.id)).all()
        assert verbs == ["post.ingest", "decision.create", "review.open", "post.ingest", "decision.create"]
        kinds = session.execute(select(m.ReviewItem.kind, m.ReviewItem.status)).all()
        assert [tuple(k) for k in kinds] == [("escalate", "open")]
        assert session.scalar(select(func.count()).select_from(m.Post)) == 2
        assert AuditLog.verify(session) == []


def test_detections_cite_the_pipeline_that_scored_them(db_engine: Engine) -> None:
    """A processor given a rules-only pipeline must not credit the packaged model."""
    sessions = session_factory(db_engine)
    Processor(sessions, load_policy("default"), Pipeline.rules_only()).submit([Post("r1", WEED)])
    Processor(sessions, load_policy("default")).submit([Post("m1", WEED)])
    with sessions() as session:
        versions = dict(
            session.execute(
                select(m.Post.platform_post_id, m.Detection.model_version).join(
                    m.Detection, m.Detection.post_id == m.Post.id
                )
            ).all()
        )
    model = default_model()
    assert model is not None
    assert versions == {"r1": "rules", "m1": model.version}
    assert model.version.startswith(model.meta["interdictor"] + "+")
