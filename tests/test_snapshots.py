"""The reports in tests/snapshots/ are the ones the code writes now: a change of wording shows in
the diff of its commit (refreshed with `python tests/snapshots.py`)."""
import difflib

import pytest

import snapshots


@pytest.fixture(scope="module")
def written(advisor):
    return snapshots.files(advisor)


def test_every_report_is_the_one_in_its_snapshot(written):
    kept = {f"{p.parent.name}/{p.name}": p.read_text(encoding="utf-8") for p in snapshots.FOLDER.glob("*/*.txt")}
    if any(not text.startswith(snapshots.made_with()) for text in kept.values()):
        pytest.skip("the snapshots were written with another Babel, whose dates are spaced differently")
    assert sorted(kept) == sorted(written), "run `python tests/snapshots.py`"
    for path, text in written.items():
        if text != kept[path]:
            diff = difflib.unified_diff(kept[path].splitlines(), text.splitlines(), path, "now", n=1, lineterm="")
            pytest.fail(f"{path} differs (run `python tests/snapshots.py` if on purpose):\n" + "\n".join(list(diff)[:30]))


def test_the_snapshots_hold_every_case_and_the_sample_in_both_languages(written):
    from advisor.workbench.cases import load_cases
    cases = len(load_cases(snapshots.ROOT / "rules"))
    for lang in snapshots.LANGS:
        sections = sum(text.count("\n===== ") for path, text in written.items() if path.startswith(lang + "/"))
        assert sections == cases + snapshots.GENERATED
