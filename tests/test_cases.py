"""Run the example cases under rules/cases/ against the shipped rules."""
import datetime as dt

import pytest
import yaml

from conftest import ROOT


def _cases():
    for path in sorted((ROOT / "rules" / "cases").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        for case in doc["cases"]:
            yield pytest.param(doc.get("today"), case, id=f"{path.stem}: {case['name']}")


def _iso(v):
    return v.isoformat() if isinstance(v, dt.date) else v


def _facts(obj):
    if isinstance(obj, dict):
        return {k: _facts(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_facts(v) for v in obj]
    return _iso(obj)


@pytest.mark.parametrize("today,case", list(_cases()))
def test_case(advisor, today, case):
    a = advisor.advise(_facts(case["facts"]), today=today).to_dict()
    e = case["expect"]
    actions = [x["action"] for x in a["actions"]]
    flags = {f["id"] for f in a["flags"]}
    warnings = {w["id"] for w in a["warnings"]}
    fired = {t["rule"] for t in a["trace"]}
    if "next" in e:
        assert a["next_step"] and a["next_step"]["action"] == e["next"], actions
    if "due" in e:
        assert a["next_step"]["due"] == _iso(e["due"])
    assert set(e.get("actions", [])) <= set(actions), actions
    assert not set(e.get("no_actions", [])) & set(actions), actions
    assert set(e.get("flags", [])) <= flags, flags
    assert not set(e.get("no_flags", [])) & flags, flags
    assert set(e.get("warnings", [])) <= warnings, warnings
    assert set(e.get("rules", [])) <= fired, fired
    for m in a["messages"]:
        for lang in ("en", "ru"):
            assert m[lang] and "{{" not in m[lang] and "None" not in m[lang]
