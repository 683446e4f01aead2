"""ECR lifecycle policy evaluation (sim/ecr_lifecycle.py), its command and invariants."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from ecsprep.errors import InputError
from ecsprep.sim.documents import Where
from ecsprep.sim.ecr_lifecycle import Action, Image, Rule, evaluate, read_and_evaluate
from ecsprep.ui.app import app

CASES = Path(__file__).parent / "cases" / "ecr_lifecycle"


def load_cases() -> list[Any]:
    return [
        pytest.param(case, id=case["name"])
        for path in sorted(CASES.glob("*.yaml"))
        for case in yaml.safe_load(path.read_text())
    ]


@pytest.mark.parametrize("case", load_cases())
def test_documented_case(case: dict[str, Any]) -> None:
    document = {
        "lifecyclePolicy": {"rules": case["rules"]},
        "imageDetails": case.get("images", []),
        "now": case.get("now", "2025-06-01T00:00:00Z"),
    }
    if "refused" in case:
        with pytest.raises(InputError, match=case["refused"]):
            read_and_evaluate(document, Where("case.yaml"))
        return
    facts = read_and_evaluate(document, Where("case.yaml")).facts()
    for name, wanted in case["expect"].items():
        assert facts[name] == wanted, (name, facts)


def test_policy_text_from_get_lifecycle_policy_is_read() -> None:
    rules = [
        {
            "rulePriority": 1,
            "selection": {
                "tagStatus": "untagged",
                "countType": "imageCountMoreThan",
                "countNumber": 1,
            },
            "action": {"type": "expire"},
        }
    ]
    document = {
        "lifecyclePolicy": {"lifecyclePolicyText": json.dumps({"rules": rules})},
        "imageDetails": {
            "imageDetails": [{"imageDigest": "sha256:1", "imagePushedAt": 1700000000}]
        },
    }
    assert read_and_evaluate(document, Where("p.json")).facts()["kept"] == ["sha256:1"]


def test_age_rules_need_a_moment() -> None:
    rules = [
        {
            "rulePriority": 1,
            "selection": {
                "tagStatus": "untagged",
                "countType": "sinceImagePushed",
                "countUnit": "days",
                "countNumber": 1,
            },
            "action": {"type": "expire"},
        }
    ]
    with pytest.raises(InputError, match="needs `now`"):
        read_and_evaluate({"lifecyclePolicy": {"rules": rules}}, Where("p.json"))


# --- invariants ------------------------------------------------------------------

NOW = datetime(2025, 6, 1, tzinfo=timezone.utc)
TAGS = st.lists(
    st.sampled_from(["prod-1", "prod-2", "beta-1", "rc-1", "v1"]), max_size=2, unique=True
)
IMAGES = st.lists(st.tuples(TAGS, st.integers(0, 400)), max_size=12).map(
    lambda items: [
        Image(
            f"sha256:{n:04d}", tuple(f"{t}.{n}" for t in tags), NOW - timedelta(days=age, hours=n)
        )
        for n, (tags, age) in enumerate(items)
    ]
)
RULES = st.lists(
    st.tuples(
        st.sampled_from(["prod", "beta", "rc", None]),
        st.sampled_from(["imageCountMoreThan", "sinceImagePushed"]),
        st.integers(1, 30),
    ),
    min_size=1,
    max_size=4,
).map(
    lambda specs: [
        Rule(
            priority=n + 1,
            tag_status="tagged" if prefix else "untagged" if n == 0 else "tagged",
            prefixes=(prefix or "v",) if (prefix or n) else (),
            patterns=(),
            storage_class="standard",
            count_type=count_type,
            count_number=number,
            action=Action.EXPIRE,
        )
        for n, (prefix, count_type, number) in enumerate(specs)
    ]
)


@given(RULES, IMAGES)
def test_each_image_is_acted_on_by_at_most_one_rule(rules: list[Rule], images: list[Image]) -> None:
    result = evaluate(rules, images, NOW)
    acted = [name for step in result.steps for name in step.acted]
    assert len(acted) == len(set(acted))
    assert len(result.decisions) == len(images)


@given(RULES, IMAGES)
def test_no_rule_expires_what_a_higher_rule_matched(rules: list[Rule], images: list[Image]) -> None:
    result = evaluate(rules, images, NOW)
    seen: set[str] = set()
    for step in result.steps:
        assert not set(step.acted) & seen
        seen |= set(step.matched)


@given(IMAGES, st.integers(1, 12))
def test_count_rule_keeps_the_newest(images: list[Image], keep: int) -> None:
    rule = Rule(1, "any", (), (), "standard", "imageCountMoreThan", keep, Action.EXPIRE)
    result = evaluate([rule], images, NOW)
    kept = [d.image for d in result.decisions if d.action is Action.KEEP]
    assert len(kept) == min(keep, len(images))
    expired = [d.image for d in result.decisions if d.action is Action.EXPIRE]
    assert all(e.pushed_at <= k.pushed_at for e in expired for k in kept)


# --- the command -----------------------------------------------------------------

runner = CliRunner()
EXAMPLE_A = load_cases()[0].values[0]


def _files(tmp_path: Path) -> tuple[Path, Path]:
    policy = tmp_path / "policy.json"
    policy.write_text(json.dumps({"rules": EXAMPLE_A["rules"]}))
    images = tmp_path / "images.json"
    images.write_text(json.dumps({"imageDetails": EXAMPLE_A["images"]}, default=str))
    return policy, images


def test_command_shows_each_rule_and_the_result(tmp_path: Path) -> None:
    policy, images = _files(tmp_path)
    result = runner.invoke(
        app,
        [
            "simulate",
            "ecr-lifecycle",
            str(policy),
            "--images",
            str(images),
            "--now",
            "2025-06-01T00:00:00Z",
        ],
        env={"COLUMNS": "120"},
    )
    assert result.exit_code == 0, result.output
    assert "beta-2 (matches rule 1, which kept it)" in result.stdout.replace("\n", "")
    golden = Path(__file__).parent / "golden" / "simulate_ecr_lifecycle.txt"
    assert result.stdout == golden.read_text()


def test_command_json(tmp_path: Path) -> None:
    policy, images = _files(tmp_path)
    result = runner.invoke(
        app,
        [
            "simulate",
            "ecr-lifecycle",
            str(policy),
            "--images",
            str(images),
            "--format",
            "json",
            "--now",
            "2025-06-01T00:00:00Z",
        ],
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["expired"] == ["beta-1"]
    assert data["images"][1]["action"] == "keep"


def test_command_refuses_a_bad_policy_with_exit_2(tmp_path: Path) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(
        json.dumps(
            {
                "rules": [
                    {
                        "rulePriority": 1,
                        "selection": {
                            "tagStatus": "tagged",
                            "countType": "imageCountMoreThan",
                            "countNumber": 1,
                        },
                        "action": {"type": "expire"},
                    }
                ]
            }
        )
    )
    result = runner.invoke(app, ["simulate", "ecr-lifecycle", str(policy)])
    assert result.exit_code == 2
    assert "tagStatus tagged needs a tagPrefixList" in result.output
