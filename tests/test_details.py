"""The English `detail` of changes and notes comes from templates/details.yaml, filled with the
values of each change or note: what a program reading the advice gets, sentence by sentence."""
from __future__ import annotations

import pytest
import yaml

from advisor import Advisor
from advisor.base.resources import rules_dir, templates_dir

CHANGES = [
    ("ＲＫ190321410ＣＮ", "unicode", "compatibility characters replaced (NFKC)"),
    ("RK190321410CN\u200b", "invisible", "removed 1 invisible or control character(s)"),
    ("'RK190321410CN'", "quotes", "removed surrounding quotes"),
    ("RK 190 321 410 CN", "separators", "removed spaces, dashes or dots"),
    ("rk190321410cn", "case", "lower-case letters made capitals"),
    ("RК190321410CN", "cyrillic", "Cyrillic `К` at position 2 read as Latin `K`"),
    ("RK١90321410CN", "digit", "Arabic-Indic Digit One `١` at position 3 read as `1`"),
    ("ΡK190321410CN", "script", "Greek Capital Letter Rho `Ρ` at position 1 read as Latin `P`"),
    ("RK19O321410CN", "lookalike", "`O` at position 5 read as `0`"),
    ("\u202eNC014123091KR", "reversed", "a right-to-left mark reversed how the code was shown; read in the order shown"),
    ("my track is RK190321410CN, thanks", "extracted", "took the code from the text: `RK190321410CN`; the rest was left out"),
]


@pytest.fixture(scope="module")
def advisor():
    return Advisor()


@pytest.mark.parametrize("text,kind,sentence", CHANGES, ids=[c[1] for c in CHANGES])
def test_each_change_says_what_was_changed(advisor, text, kind, sentence):
    changes = {c["kind"]: c for c in advisor.track(text)["changes"]}
    assert changes[kind]["detail"] == sentence


def test_every_change_sentence_is_one_a_code_can_get():
    sentences = yaml.safe_load((templates_dir() / "details.yaml").read_text(encoding="utf-8"))
    assert set(sentences["changes"]) == {kind for _, kind, _ in CHANGES}


def test_every_note_with_a_sentence_has_a_text_for_people_in_both_languages():
    sentences = yaml.safe_load((templates_dir() / "details.yaml").read_text(encoding="utf-8"))
    vocab = yaml.safe_load((rules_dir() / "vocabulary.yaml").read_text(encoding="utf-8"))
    for section in ("notes", "changes"):
        # a sentence named for another (safety_unrepaired) belongs to the note safety_repair
        kinds = set(sentences[section]) - {"safety_unrepaired"}
        assert kinds <= set(vocab[section]), kinds - set(vocab[section])
        for kind in kinds:
            assert vocab[section][kind]["en"] and vocab[section][kind]["ru"]


def test_a_note_detail_is_filled_from_its_values(advisor):
    advice = advisor.advise({"track": "RK190321410CN", "today": "2026-12-01",
                             "order": {"track_issued": "2026-11-01"},
                             "events": [{"date": "2026-11-05", "status": "Mystery status 42"}]}).to_dict()
    note = next(n for n in advice["notes"] if n["kind"] == "unknown_status")
    assert note["detail"] == "status `Mystery status 42` is not a known phrase; the previous stage is kept"
    assert "{" not in note["detail"]
