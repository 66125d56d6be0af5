"""The JSON contracts: every example case's facts and advice validate against the schemas in schemas/."""
import datetime as dt
import json

import pytest
from jsonschema import Draft202012Validator

from advisor.workbench.cases import load_cases
from conftest import ROOT, advise_json

SCHEMAS = {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in (ROOT / "schemas").glob("*.json")}
CASES = load_cases(ROOT / "rules")


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_schemas_are_valid_draft_2020_12(name):
    Draft202012Validator.check_schema(SCHEMAS[name])
    assert SCHEMAS[name]["$schema"].endswith("2020-12/schema")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case_facts_and_advice_match_the_schemas(advisor, case):
    facts_v = Draft202012Validator(SCHEMAS["parcel-facts-1"])
    advice_v = Draft202012Validator(SCHEMAS["parcel-advice-1"])
    assert list(facts_v.iter_errors(case.facts)) == []
    for lang in ("en", "ru"):
        advice = advisor.advise(case.facts, today=dt.date.fromisoformat(case.today), lang=lang).to_dict()
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in advice_v.iter_errors(advice)]
        assert errors == []
        # to_json is the same document
        assert json.loads(advisor.advise(case.facts, today=dt.date.fromisoformat(case.today), lang=lang).to_json()) == advice


def test_cli_json_with_history_and_why_not_matches(tmp_path):
    hist = tmp_path / "h.txt"
    hist.write_text("22.11.2026 14:05 Экспорт Москва\njunk\n", encoding="utf-8")
    a = advise_json("RK190321410CN", "--history", str(hist), "--why-not", "export-wait")
    assert list(Draft202012Validator(SCHEMAS["parcel-advice-1"]).iter_errors(a)) == []
    assert a["history"]["unread"][0]["line"] == 2


def test_vocabulary_ids_fit_the_schema_id_shape(advisor):
    import re
    pattern = re.compile(SCHEMAS["parcel-advice-1"]["properties"]["platform"]["pattern"])
    for kind in ("stages", "actions", "flags", "warnings", "deadlines"):
        for ident in advisor.vocab[kind]:
            assert pattern.match(ident), ident


def _rebuilt(value):
    """The same value made again through the dataclasses' own constructors, field by field."""
    import dataclasses
    if dataclasses.is_dataclass(value):
        return type(value)(**{f.name: _rebuilt(getattr(value, f.name)) for f in dataclasses.fields(value)})
    if isinstance(value, tuple):
        return tuple(_rebuilt(v) for v in value)
    return value


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_typed_facts_are_complete_and_frozen(advisor, case):
    """The typed facts the API hands out have every field and cannot be changed (they are built
    without the dataclasses' `__init__`, for speed)."""
    import dataclasses
    facts = advisor.facts(case.facts, dt.date.fromisoformat(case.today))
    assert facts == _rebuilt(facts)
    assert repr(facts) == repr(_rebuilt(facts))
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.order.paid = None
    for e in facts.events:
        with pytest.raises(dataclasses.FrozenInstanceError):
            e.status = "changed"
