"""The advice for every example case and for generated parcels, one digest a parcel: a guard for
changes that must not change the advice (a refactoring, a speed-up).

`python tests/outputs.py` writes `tests/fixtures/outputs.sha256` from the current code, and beside
it `tests/fixtures/outputs.txt`, a line a parcel a reviewer can read (stage, next step and its
day, flags, warnings, deadlines, message ids, notes, each event's stage): the digest catches any
change, the line's diff shows what changed. tests/test_outputs.py fails on any parcel whose advice
differs, naming it. A change that means to change the advice (a rule, a text, a template)
refreshes both with this command in the same commit.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FILE = ROOT / "tests" / "fixtures" / "outputs.sha256"
READABLE = ROOT / "tests" / "fixtures" / "outputs.txt"
GENERATED = 300
FALLBACK_TODAY = dt.date(2026, 11, 22)      # a case that names no day is advised as of this one


def documents(advisor):
    """(name, facts, today, lang) for every case, in both languages, and the generated parcels."""
    from advisor.workbench.cases import load_cases
    from advisor.base.dates import read_day
    from advisor.workbench.timelines import parcels
    for case in load_cases(ROOT / "rules"):
        today = read_day(case.today or case.facts.get("today"), case.where) or FALLBACK_TODAY
        file = case.location.file
        for lang in ("en", "ru"):
            yield f"case {case.name} ({file}) {lang}", case.facts, today, lang
    for i, doc in enumerate(parcels(advisor, GENERATED, seed=11)):
        lang = ("en", "ru")[i % 2]
        yield f"generated parcel {i} (seed 11) {lang}", doc, None, lang


def digests(advisor, projections: dict[str, str] | None = None) -> dict[str, str]:
    """name -> digest of the advice; `projections`, when given, gets name -> its readable line."""
    out: dict[str, str] = {}
    for name, facts, today, lang in documents(advisor):
        advice = advisor.advise(facts, today=today, lang=lang)
        text = advice.to_json(indent=None)
        if name in out:                                  # two cases of one file with one name
            name += f" #{sum(1 for n in out if n.startswith(name))}"
        out[name] = hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
        if projections is not None:
            projections[name] = projection(advice.to_dict())
    return out


def projection(a: dict) -> str:
    """What a reviewer compares: ids and dates, no wording (the texts are the digest's job)."""
    step = a.get("next_step") or {}
    parts = [f"stage={a['stage']}", f"next={step.get('action')}@{step.get('due')}",
             "plan=" + ",".join(f"{s['action']}@{s.get('due')}" for s in a["actions"]),
             "flags=" + ",".join(f["id"] for f in a["flags"]),
             "warnings=" + ",".join(w["id"] for w in a["warnings"]),
             "deadlines=" + ",".join(f"{d['id']}@{d['date']}" for d in a["deadlines"]),
             "messages=" + ",".join(f"{m['kind']}/{m['purpose']}" for m in a["messages"]),
             "notes=" + ",".join(n["kind"] for n in a["notes"]),
             "events=" + ",".join(str(e["stage"]) for e in a["events"])]
    return " | ".join(parts)


def made_with() -> str:
    """What else shapes the advice's text: Babel's locale data (a new CLDR can change a date's
    spacing). A file made with another Babel is not compared."""
    import babel
    return f"# babel {babel.__version__}"


def read() -> tuple[str, dict[str, str]]:
    lines = FILE.read_text(encoding="utf-8").splitlines()
    pairs = (line.split("  ", 1) for line in lines[1:] if line.strip())
    return lines[0], {name: digest for digest, name in pairs}


def read_lines() -> dict[str, str]:
    """outputs.txt: name -> its readable line."""
    if not READABLE.exists():
        return {}
    lines = READABLE.read_text(encoding="utf-8").splitlines()
    return {name: line.strip() for name, line in zip(lines[::2], lines[1::2])}


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from advisor import Advisor
    lines: dict[str, str] = {}
    found = digests(Advisor(), lines)
    FILE.write_text(made_with() + "\n" + "".join(f"{d}  {name}\n" for name, d in found.items()), encoding="utf-8")
    READABLE.write_text("".join(f"{name}\n    {lines[name]}\n" for name in found), encoding="utf-8")
    print(f"wrote {len(found)} digests to {FILE.relative_to(ROOT)} and their lines to {READABLE.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
