"""The example cases under rules/cases/ against the shipped rules, and their coverage."""
import pytest

from advisor.api import default_advisor
from advisor.workbench.cases import coverage, load_cases, run_case
from conftest import ROOT

CASES = load_cases(ROOT / "rules")


@pytest.mark.parametrize("case", CASES, ids=[f"{c.where}: {c.name}" for c in CASES])
def test_case(advisor, case):
    result = run_case(advisor, case)
    assert result.ok, "\n".join(result.problems)


@pytest.fixture(scope="module")
def cover():
    advisor = default_advisor()
    return coverage(advisor, [run_case(advisor, c) for c in CASES])


def test_every_rule_is_exercised_by_a_case(cover):
    assert cover["rules_not_exercised"] == []


def test_every_guidance_id_is_cited_and_exercised(cover, advisor):
    assert cover["guidance_not_cited"] == []
    assert cover["guidance_not_exercised"] == []
    # the digest's sections are all there: T, W, S, D, P, R and the stage list
    ids = advisor.guidance_ids - advisor.seed_ids
    for prefix, count in {"T": 15, "W": 12, "S": 8, "D": 18, "P": 6, "R": 12}.items():
        assert {f"{prefix}{i}" for i in range(1, count + 1)} <= ids, prefix
    assert "STAGES" in ids
