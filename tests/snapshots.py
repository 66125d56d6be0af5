"""The text reports a buyer reads, kept as files a reviewer reads: every example case and a fixed
sample of generated parcels, in English and Russian (tests/snapshots/{en,ru}/*.txt).

`python tests/snapshots.py` writes them from the current code; tests/test_snapshots.py fails when
a report differs from its file, naming the parcel. A change of wording refreshes them with this
command in the same commit, so its diff shows each sentence before and after. (The digests of
tests/fixtures/outputs.sha256 stay the quick guard over the whole advice; these are for reading.)
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "tests" / "snapshots"
LANGS = ("en", "ru")
GENERATED, SEED = 40, 35          # the fixed sample of generated parcels (advisor/timelines.py)
FALLBACK_TODAY = dt.date(2026, 11, 22)      # a case that names no day is advised as of this one


def parcels(advisor):
    """(file stem, title, facts, today) for every case and the generated sample, in a fixed order."""
    from advisor.workbench.cases import load_cases
    from advisor.workbench.timelines import parcels as generated
    for case in load_cases(ROOT / "rules"):
        day = case.today or case.facts.get("today")
        today = dt.date.fromisoformat(str(day)) if day else FALLBACK_TODAY
        stem = "cases-" + Path(case.where.split(":", 1)[0]).stem
        yield stem, f"case {case.name} ({case.where})", case.facts, today
    for i, doc in enumerate(generated(advisor, GENERATED, seed=SEED)):
        yield "generated", f"generated parcel {i} (seed {SEED})", doc, None


def reports(advisor, lang: str):
    """(file stem, title, advice as a dict or None, the report or the error as the CLI says it)."""
    from advisor.base.errors import AdvisorError, label
    from advisor.views.report import render_text
    for stem, title, facts, today in parcels(advisor):
        try:
            advice = advisor.advise(facts, today=today, lang=lang)
        except AdvisorError as e:
            yield stem, title, None, f"{label('error', lang)}: {e.render(lang)}"
            continue
        yield stem, title, advice.to_dict(), render_text(advisor, advice, lang)


def made_with() -> str:
    """Babel's locale data shapes dates (as in tests/outputs.py): files of another Babel are not compared."""
    import babel
    return f"# babel {babel.__version__}; refresh with: python tests/snapshots.py"


def files(advisor) -> dict[str, str]:
    """relative path -> the file's text: a header, then each parcel's title and report."""
    out: dict[str, list[str]] = {}
    for lang in LANGS:
        for stem, title, _, text in reports(advisor, lang):
            out.setdefault(f"{lang}/{stem}.txt", [made_with() + "\n"]).append(f"\n===== {title}\n{text.rstrip()}\n")
    return {path: "".join(parts) for path, parts in out.items()}


def main() -> None:
    sys.path.insert(0, str(ROOT))
    from advisor import Advisor
    found = files(Advisor())
    for old in FOLDER.glob("*/*.txt"):
        if f"{old.parent.name}/{old.name}" not in found:
            old.unlink()
    for path, text in found.items():
        (FOLDER / path).parent.mkdir(parents=True, exist_ok=True)
        (FOLDER / path).write_text(text, encoding="utf-8")
    print(f"wrote {len(found)} files under {FOLDER.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
