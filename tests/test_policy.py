"""Policies: rule conditions, jurisdiction lookup, extends, validation errors, simulate."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from interdictor.detect.base import Analysis, Indicator, Post
from interdictor.detect.pipeline import Pipeline
from interdictor.policy import (
    ACTIONS,
    SEVERITY,
    Decision,
    Policy,
    PolicyError,
    builtin_policies,
    builtin_policy,
    load_policy,
    most_severe,
)
from interdictor.policy.cli import app
from interdictor.store.models import Detection

FENTANYL_SALE = "🔌 got blues m30s 💊 5 for 100, tap in on tele @plugexample"
CANNABIS_SALE = "fresh za exotic weed 🍃 zips for 180, hmu on snap greenplug22"
RECRUIT = "Se buscan choferes con troca, pago por viaje $2000, zona Laredo"
BENIGN = "nice weather today at the park"


def stored(
    scores: dict[str, float], substances: Sequence[str] = (), indicators: Sequence[object] = ()
) -> Detection:
    """A detection as the store keeps it (JSON columns), with made-up scores."""
    return Detection(
        scores={"drug_sale": 0.0, "smuggling_recruitment": 0.0, **scores},
        labels=[label for label, score in scores.items() if score >= 0.5],
        substances=list(substances),
        indicators=list(indicators),
    )


def sale(score: float, *substances: str, indicators: Sequence[object] = ()) -> Detection:
    return stored({"drug_sale": score}, substances, indicators)


def recruitment(score: float) -> Detection:
    return stored({"smuggling_recruitment": score})


def enforced(jurisdictions: str) -> Policy:
    """An enforcing policy with these jurisdiction sections (YAML indented two spaces)."""
    return Policy.from_yaml(f'name: t\nversion: "1"\nmode: enforce\njurisdictions:\n{jurisdictions}')


def one_rule(conditions: str, action: str = "review") -> Policy:
    return enforced(f"  default:\n    rules:\n      - name: r\n        action: {action}\n{conditions}\n")


def fired(policy: Policy, result: Any, jurisdiction: str | None = None, surface: str | None = None) -> str:
    return policy.decide(result, jurisdiction, surface).action


@pytest.fixture(scope="module")
def pipeline() -> Pipeline:
    return Pipeline.default()


def analyze(pipeline: Pipeline, text: str, surface: str = "social_post") -> Analysis:
    return pipeline.analyze(Post("p", text, surface))


# --- conditions -----------------------------------------------------------------------


def test_label_alone_means_the_detector_gave_the_label() -> None:
    policy = one_rule("        label: drug_sale")
    assert fired(policy, sale(0.6)) == "review"
    assert fired(policy, sale(0.4)) == "none"
    assert fired(policy, recruitment(0.99)) == "none"


def test_min_score_is_inclusive_and_max_score_exclusive() -> None:
    policy = one_rule("        label: drug_sale\n        min_score: 0.3\n        max_score: 0.9")
    assert fired(policy, sale(0.3)) == "review"
    assert fired(policy, sale(0.35)) == "review"  # below the label threshold: the score decides
    assert fired(policy, sale(0.29)) == "none"
    assert fired(policy, sale(0.9)) == "none"


def test_scores_of_the_named_label_only() -> None:
    policy = one_rule("        label: smuggling_recruitment\n        min_score: 0.85")
    assert fired(policy, recruitment(0.9)) == "review"
    assert fired(policy, sale(0.99)) == "none"


def test_substances_any() -> None:
    policy = one_rule("        substances_any: [fentanyl, opioid]")
    assert fired(policy, sale(0.9, "stimulant", "opioid")) == "review"
    assert fired(policy, sale(0.9, "cannabis")) == "none"


def test_substances_only_needs_every_substance_in_the_list_and_at_least_one() -> None:
    policy = one_rule("        substances_only: [cannabis]")
    assert fired(policy, sale(0.9, "cannabis")) == "review"
    assert fired(policy, sale(0.9, "cannabis", "opioid")) == "none"
    assert fired(policy, sale(0.9)) == "none"


def test_indicators_any_reads_indicator_objects_and_their_json() -> None:
    policy = one_rule("        indicators_any: [telegram, btc]")
    tele = Indicator("telegram", "@plug", "plug", 0, 5)  # as in the detector's Analysis
    assert fired(policy, sale(0.9, indicators=[tele])) == "review"
    assert (
        fired(policy, sale(0.9, indicators=[{"type": "btc", "value": "1A", "normalized": "1A"}])) == "review"
    )
    assert (
        fired(policy, sale(0.9, indicators=[{"type": "phone", "value": "1", "normalized": "+1"}])) == "none"
    )
    assert fired(policy, sale(0.9)) == "none"


def test_rule_surfaces() -> None:
    policy = one_rule("        surfaces: [direct_message, comment]")
    assert fired(policy, sale(0.9), surface="comment") == "review"
    assert fired(policy, sale(0.9), surface="social_post") == "none"
    assert fired(policy, sale(0.9)) == "none"


def test_all_conditions_must_hold() -> None:
    policy = one_rule("        label: drug_sale\n        min_score: 0.5\n        substances_any: [fentanyl]")
    assert fired(policy, sale(0.9, "fentanyl")) == "review"
    assert fired(policy, sale(0.9, "cannabis")) == "none"
    assert fired(policy, sale(0.4, "fentanyl")) == "none"


def test_first_matching_rule_wins_not_the_most_severe() -> None:
    policy = enforced(
        """\
  default:
    rules:
      - {name: gentle, action: label, label: drug_sale}
      - {name: harsh, action: remove, label: drug_sale, min_score: 0.9}
"""
    )
    decision = policy.decide(sale(0.99))
    assert (decision.action, decision.rule, decision.jurisdiction_section) == ("label", "gentle", "default")


def test_decision_names_policy_rule_and_reason() -> None:
    decision = builtin_policy("default").decide(sale(0.95, "stimulant"))
    assert decision == Decision(
        action="remove",
        rule="drug_sale_confident",
        reason="confident drug sale",
        policy_name="default",
        policy_version="1",
        shadow=False,
        jurisdiction_section="default",
    )
    assert decision.to_json()["rule"] == "drug_sale_confident"
    nothing = builtin_policy("default").decide(sale(0.1))
    assert (nothing.action, nothing.rule, nothing.jurisdiction_section) == ("none", None, None)


def test_a_rule_without_reason_explains_its_conditions() -> None:
    policy = one_rule("        label: drug_sale\n        min_score: 0.5\n        max_score: 0.9")
    assert policy.decide(sale(0.6)).reason == "drug_sale score ≥ 0.5 and < 0.9"


# --- jurisdictions --------------------------------------------------------------------

FALLBACK = """
name: fallback
version: "2024-06"
mode: enforce
jurisdictions:
  default:
    rules:
      - {name: everywhere, action: remove, label: drug_sale}
  US:
    rules:
      - {name: us_recruitment, action: escalate, label: smuggling_recruitment}
  US-CO:
    rules:
      - {name: colorado_cannabis, action: restrict, substances_only: [cannabis]}
"""


def test_lookup_falls_back_from_state_to_country_to_default() -> None:
    policy = Policy.from_yaml(FALLBACK)
    cases: list[tuple[Any, str | None, str, str | None]] = [
        (sale(0.9, "cannabis"), "US-CO", "restrict", "US-CO"),
        (recruitment(0.9), "US-CO", "escalate", "US"),  # no match in US-CO: try US
        (sale(0.9, "opioid"), "US-CO", "remove", "default"),  # nor in US: the default
        (sale(0.9, "cannabis"), "US-TX", "remove", "default"),  # no US-TX section
        (recruitment(0.9), "US-TX", "escalate", "US"),
        (recruitment(0.9), "MX", "none", None),
        (sale(0.9, "cannabis"), None, "remove", "default"),
        (sale(0.9, "cannabis"), " us-co ", "restrict", "US-CO"),  # posts' codes in any case
    ]
    for result, code, action, section in cases:
        decision = policy.decide(result, code)
        assert (decision.action, decision.jurisdiction_section) == (action, section), code


def test_section_surfaces_limit_the_whole_section() -> None:
    policy = enforced(
        """\
  default:
    rules: [{name: everywhere, action: remove, label: drug_sale}]
  MX:
    surfaces: [marketplace_listing]
    rules: [{name: listings, action: review, label: drug_sale}]
"""
    )
    assert fired(policy, sale(0.9), "MX", "marketplace_listing") == "review"
    assert fired(policy, sale(0.9), "MX", "comment") == "remove"


def test_cannabis_is_restricted_where_licensed_and_removed_elsewhere(pipeline: Pipeline) -> None:
    policy = builtin_policy("licensed_cannabis")
    post = analyze(pipeline, CANNABIS_SALE)
    assert post.substances == ["cannabis"] and post.scores["drug_sale"] >= 0.9
    for code in ("US-CO", "US-CA", "US-WA", "CA"):
        assert policy.decide(post, code, "social_post").action == "restrict", code
    assert policy.decide(post, "US-CO", "direct_message").action == "review"
    for elsewhere in ("US-TX", "US-ID", "MX", None):
        decision = policy.decide(post, elsewhere, "social_post")
        assert (decision.action, decision.rule) == ("remove", "drug_sale_confident"), elsewhere
    # Not cannabis only: the default rules, even in Colorado.
    fentanyl = analyze(pipeline, FENTANYL_SALE)
    assert policy.decide(fentanyl, "US-CO", "social_post").action == "escalate"
    assert policy.decide(sale(0.95, "cannabis", "opioid"), "US-CO").action == "remove"


def test_fentanyl_always_escalates_under_strict(pipeline: Pipeline) -> None:
    strict = builtin_policy("strict_fentanyl")
    post = analyze(pipeline, FENTANYL_SALE)
    assert "fentanyl" in post.substances
    for code in (None, "US-CO", "US-TX", "MX", "CA"):
        for surface in ("social_post", "direct_message"):
            decision = strict.decide(post, code, surface)
            assert (decision.action, decision.rule) == ("escalate", "any_fentanyl_signal")
    assert fired(strict, sale(0.35, "fentanyl"), "US-CO") == "escalate"
    assert fired(builtin_policy("default"), sale(0.35, "fentanyl")) == "none"
    assert fired(strict, sale(0.95, "stimulant")) == "remove"  # everything else as default


def test_default_policy_on_real_posts(pipeline: Pipeline) -> None:
    policy = builtin_policy("default")
    assert policy.decide(analyze(pipeline, RECRUIT)).action == "escalate"
    assert policy.decide(analyze(pipeline, BENIGN)).action == "none"
    assert fired(policy, sale(0.7, "stimulant")) == "review"
    assert fired(policy, recruitment(0.6)) == "review"


def test_shadow_mode_is_flagged_on_every_decision() -> None:
    shadow = Policy.from_yaml(FALLBACK.replace("mode: enforce", "mode: shadow"))
    assert shadow.shadow
    assert shadow.decide(sale(0.9)).shadow
    assert shadow.decide(sale(0.1)).shadow
    assert not Policy.from_yaml(FALLBACK).decide(sale(0.9)).shadow


# --- extends and builtins -------------------------------------------------------------


def test_extends_prepends_rules_and_inherits_sections() -> None:
    policy = Policy.from_yaml(
        """
name: child
version: "3"
mode: shadow
extends: default
jurisdictions:
  default:
    rules:
      - {name: label_everything_with_btc, action: label, indicators_any: [btc]}
  MX:
    rules:
      - {name: mx_recruitment, action: remove, label: smuggling_recruitment}
"""
    )
    default_rules = [r.name for r in builtin_policy("default").sections["default"].rules]
    assert [r.name for r in policy.sections["default"].rules] == ["label_everything_with_btc", *default_rules]
    assert list(policy.sections) == ["default", "MX"]
    assert (policy.name, policy.version, policy.shadow) == ("child", "3", True)
    btc = [{"type": "btc", "value": "x", "normalized": "x"}]
    assert policy.decide(sale(0.99, "stimulant", indicators=btc)).rule == "label_everything_with_btc"
    assert policy.decide(sale(0.99, "stimulant")).rule == "drug_sale_confident"
    assert policy.decide(recruitment(0.99), "MX").action == "remove"
    assert policy.decide(recruitment(0.99), "US").action == "escalate"


def test_builtins_load_and_are_named_after_their_files() -> None:
    policies = builtin_policies()
    assert set(policies) == {"default", "licensed_cannabis", "review_all", "strict_fentanyl"}
    for name, policy in policies.items():
        assert policy.name == name
        assert policy.source == f"builtin:{name}"
        assert not policy.shadow


def test_load_policy_takes_a_path_or_a_builtin_name(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    path.write_text(FALLBACK, encoding="utf-8")
    assert load_policy(path).name == "fallback"
    assert load_policy("strict_fentanyl").name == "strict_fentanyl"
    with pytest.raises(PolicyError, match=r"no such policy file or builtin policy.*default"):
        load_policy(tmp_path / "missing.yaml")


def test_severity_combines_decisions() -> None:
    assert sorted(ACTIONS, key=SEVERITY.__getitem__) == [
        "none",
        "review",
        "label",
        "restrict",
        "escalate",
        "remove",
    ]
    decisions = [builtin_policy(n).decide(sale(0.95, "fentanyl")) for n in ("licensed_cannabis", "default")]
    decisions.append(builtin_policy("default").decide(sale(0.95, "stimulant")))
    assert most_severe(decisions).action == "remove"
    with pytest.raises(ValueError):
        most_severe([])


# --- validation errors ----------------------------------------------------------------

VALID_RULE = "      - {name: r, action: remove, label: drug_sale}"
RULES = "jurisdictions:\n  default:\n    rules:\n"


def policy_file(tmp_path: Path, body: str, head: str = 'name: t\nversion: "1"\nmode: enforce\n') -> Path:
    path = tmp_path / "bad.yaml"
    path.write_text(head + body, encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(PolicyError) as info:
        Policy.load(path)
    return str(info.value)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            RULES + "      - {name: r, action: delete}\n",
            "jurisdictions.default.rules[0].action: Input should be 'remove', 'restrict', 'label', "
            "'review', 'escalate' or 'none' (got 'delete')",
        ),
        (
            RULES + "      - {name: r, action: remove, min_scor: 0.5}\n",
            "jurisdictions.default.rules[0].min_scor: unknown key 'min_scor'; did you mean 'min_score'?",
        ),
        ("colour: red\n", "colour: unknown key 'colour'"),
        (
            RULES + "      - {name: r, action: remove, label: drug_sales}\n",
            "jurisdictions.default.rules[0].label: unknown label 'drug_sales'; one of drug_sale, "
            "smuggling_recruitment",
        ),
        (
            RULES + "      - {name: r, action: remove, substances_any: [weed]}\n",
            "jurisdictions.default.rules[0].substances_any: unknown substance 'weed'; one of fentanyl",
        ),
        (
            RULES + "      - {name: r, action: remove, indicators_any: [tg]}\n",
            "rules[0].indicators_any: unknown indicator type 'tg'",
        ),
        (
            RULES + "      - {name: r, action: remove, label: drug_sale, min_score: 1.5}\n",
            "jurisdictions.default.rules[0].min_score: Input should be less than or equal to 1 (got 1.5)",
        ),
        (
            RULES + "      - {name: r, action: remove, min_score: 0.5}\n",
            "jurisdictions.default.rules[0]: min_score/max_score need a label",
        ),
        (
            RULES + "      - {name: r, action: remove, label: drug_sale, min_score: 0.9, max_score: 0.5}\n",
            "min_score 0.9 must be below max_score 0.5",
        ),
        (
            f"jurisdictions:\n  Narnia:\n    rules:\n{VALID_RULE}\n",
            "jurisdictions.Narnia: 'Narnia' is not a jurisdiction code",
        ),
        (f"jurisdictions:\n  us-co:\n    rules:\n{VALID_RULE}\n", "must be upper case: 'US-CO'"),
        (f"jurisdictions:\n  US-XX:\n    rules:\n{VALID_RULE}\n", "'US-XX' is not a jurisdiction code"),
        (f"jurisdictions:\n  NO:\n    rules:\n{VALID_RULE}\n", "quote jurisdiction codes such as 'NO'"),
        (
            f"jurisdictions:\n  default:\n    surfaces: [tv]\n    rules:\n{VALID_RULE}\n",
            "jurisdictions.default.surfaces: unknown surface 'tv'",
        ),
        (
            f"jurisdictions:\n  default:\n    rules:\n{VALID_RULE}\n{VALID_RULE}\n",
            "jurisdictions.default: rule names must be unique in a section; repeated: r",
        ),
        (
            f"jurisdictions:\n  MX:\n    rules:\n{VALID_RULE}\n  MX:\n    rules:\n{VALID_RULE}\n",
            "repeated key 'MX'",
        ),
        ("jurisdictions:\n  default:\n    rules: [\n", "not valid YAML"),
        ("extends: nonesuch\n", "extends: no builtin policy 'nonesuch'; builtins: default"),
    ],
)
def test_invalid_policies_say_which_file_and_field(tmp_path: Path, body: str, expected: str) -> None:
    path = policy_file(tmp_path, body)
    message = load_error(path)
    assert message.startswith(f"{path}: ")
    assert expected in message


def test_header_errors(tmp_path: Path) -> None:
    assert "version: must be a string: quote it" in load_error(
        policy_file(tmp_path, "", head="name: t\nversion: 1.0\nmode: enforce\n")
    )
    assert "mode: Input should be 'enforce' or 'shadow' (got 'dry-run')" in load_error(
        policy_file(tmp_path, "", head='name: t\nversion: "1"\nmode: dry-run\n')
    )
    assert "name: Field required" in load_error(
        policy_file(tmp_path, "", head='version: "1"\nmode: enforce\n')
    )
    assert "a policy is a YAML mapping" in load_error(policy_file(tmp_path, "", head="- just\n- a list\n"))


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    body = RULES + "      - {name: r, action: delete, label: nope}\n"
    lines = load_error(policy_file(tmp_path, body)).splitlines()
    assert len(lines) == 2
    assert any("rules[0].action" in line for line in lines)
    assert any("rules[0].label" in line for line in lines)


def test_a_rule_repeating_an_inherited_name_is_refused() -> None:
    with pytest.raises(PolicyError) as info:
        Policy.from_yaml(
            'name: t\nversion: "1"\nmode: enforce\nextends: default\njurisdictions:\n  default:\n'
            "    rules: [{name: drug_sale_confident, action: label}]\n",
            source="mine.yaml",
        )
    assert "mine.yaml: jurisdictions.default: rule names must be unique" in str(info.value)
    assert "inherited from 'default'" in str(info.value)


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes(b"name: caf\xe9\n")
    assert load_error(path).startswith(f"{path}: cannot read")


# --- command line ---------------------------------------------------------------------

runner = CliRunner()


def test_simulate_end_to_end(write_jsonl: Callable[..., Path]) -> None:
    posts = write_jsonl(
        [
            {"id": "fent", "text": FENTANYL_SALE, "jurisdiction": "US-CO"},
            {"id": "weed-co", "text": CANNABIS_SALE, "jurisdiction": "US-CO"},
            {"id": "weed-tx", "text": CANNABIS_SALE, "account": {"jurisdiction": "US-TX"}},
            b"this line is not json",
            {"id": "weed-mx", "text": CANNABIS_SALE},
            {"id": "recruit", "text": RECRUIT, "jurisdiction": "MX"},
            {"id": "park", "text": BENIGN, "jurisdiction": "us-co"},
            {"id": "nowhere", "text": BENIGN, "jurisdiction": "Narnia"},
        ]
    )
    result = runner.invoke(app, ["simulate", "licensed_cannabis", str(posts), "--jurisdiction", "MX"])
    assert result.exit_code == 0, result.output
    rows = {line.split("\t")[0]: line.split("\t") for line in result.stdout.splitlines() if "\t" in line}
    assert rows["fent"][1:4] == ["US-CO", "escalate", "fentanyl_sale"]
    assert rows["weed-co"][1:4] == ["US-CO", "restrict", "licensed_cannabis_sale"]
    assert rows["weed-tx"][1:4] == ["US-TX", "remove", "drug_sale_confident"]
    assert rows["weed-mx"][1:3] == ["MX", "remove"]  # --jurisdiction for posts that name none
    assert rows["recruit"][1:4] == ["MX", "escalate", "smuggling_recruitment_confident"]
    assert rows["park"][1:4] == ["US-CO", "none", "-"]
    assert re.fullmatch(r"drug_sale 1\.000|drug_sale 0\.9\d\d", rows["fent"][4])
    assert "line 4: error: not valid JSON" in result.stderr
    assert (
        "line 8: error: 'jurisdiction' is not a country or US state code: 'Narnia' (id nowhere)"
        in result.stderr
    )
    counts = {m[0]: int(m[1]) for m in re.findall(r"│ (\w+) +│ +(\d+) │ +[\d.]+% │", result.stdout)}
    assert counts == {"remove": 2, "escalate": 2, "restrict": 1, "label": 0, "review": 0, "none": 1}
    assert "6 posts, 2 lines with errors" in result.stdout
    assert re.search(r"│ US-CO +│ +0 │ +1 │ +1 │ +0 │ +0 │ +1 │", result.stdout)


def test_simulate_json_writes_one_line_per_input_line(write_jsonl: Callable[..., Path]) -> None:
    posts = write_jsonl(
        [
            {"id": "fent", "text": FENTANYL_SALE},
            b"",
            {"id": "park", "text": BENIGN, "surface": "comment"},
        ]
    )
    result = runner.invoke(app, ["simulate", "strict_fentanyl", str(posts), "--json", "-j", "US-CO"])
    assert result.exit_code == 0, result.output
    lines = [orjson.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 3
    assert lines[0]["action"] == "escalate" and lines[0]["rule"] == "any_fentanyl_signal"
    assert lines[0]["policy_name"] == "strict_fentanyl" and lines[0]["jurisdiction"] == "US-CO"
    assert "fentanyl" in lines[0]["substances"] and lines[0]["top_label"] == "drug_sale"
    assert lines[1] == {"line": 2, "error": "empty line"}
    assert lines[2]["action"] == "none" and lines[2]["shadow"] is False
    assert "1 lines with errors" in result.stderr


def test_simulate_refuses_a_bad_policy_or_jurisdiction(
    tmp_path: Path, write_jsonl: Callable[..., Path]
) -> None:
    posts = write_jsonl([{"id": "a", "text": BENIGN}])
    bad = policy_file(tmp_path, RULES + "      - {name: r, action: delete}\n")
    result = runner.invoke(app, ["simulate", str(bad), str(posts)])
    assert result.exit_code == 2
    assert "rules[0].action" in result.stderr
    result = runner.invoke(app, ["simulate", "default", str(posts), "--jurisdiction", "Atlantis"])
    assert result.exit_code == 2
    assert "'Atlantis' is not a country or US state code" in result.stderr


def test_check_prints_the_rules_in_order() -> None:
    result = runner.invoke(app, ["check", "licensed_cannabis"])
    assert result.exit_code == 0, result.output
    assert "licensed_cannabis version 1, mode enforce" in result.stdout
    assert "extends default" in result.stdout
    out = result.stdout
    assert out.index("fentanyl_sale") < out.index("drug_sale_confident")
    assert "restrict" in out and "US-WA" in out
