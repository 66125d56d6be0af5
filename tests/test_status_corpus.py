"""Real status lines and whole real histories (tests/corpus/, each with its public source) read as
the stage a buyer should read: the share read right is printed at the end of the run and must
stay at 95% or more, with no wrong stage where it costs most (a return, a delivery, a customs
decision)."""
from pathlib import Path

import pytest
import yaml

from conftest import MEASURED_PREFIX, TODAY

CORPUS = Path(__file__).parent / "corpus"
LINES = [(group, item) for group, items in yaml.safe_load((CORPUS / "statuses.yaml").read_text(encoding="utf-8")).items()
         for item in items]
HISTORIES = sorted((CORPUS / "histories").glob("*.yaml"))
COSTLY = {"returned", "delivered", "customs_held"}


def _read(advisor, event: dict, after_export: bool) -> tuple[str | None, dict]:
    """The stage the advice gives one line (and the advice), read before or after an export scan."""
    events = [{"date": "2026-10-05", "status": "Экспорт"}] if after_export else []
    a = advisor.advise({"track": "RK190321410CN", "order": {"track_issued": "2026-10-01", "destination": {"country": "RU"}},
                        "events": events + [dict(event, date="2026-11-10")]}, today=TODAY).to_dict()
    return a["events"][-1]["stage"], a


def _verdict(advisor, item: dict) -> tuple[bool, str]:
    """(read right?, what was read) for one corpus line."""
    expected = item.get("stage")
    pairs = [(False, expected[0]), (True, expected[1])] if isinstance(expected, list) else [(False, expected), (True, expected)]
    if "problem" in item or item.get("keeps"):
        pairs = [(False, None)]
    got = []
    for after, want in pairs:
        stage, a = _read(advisor, {"status": item["text"]}, after)
        kinds = {n["kind"]: n for n in a["notes"]}
        if "problem" in item:
            ok = stage is None and kinds.get("status_no_stage", {}).get("reason") == item["problem"]
            got.append(f"problem {kinds.get('status_no_stage', {}).get('reason')}" if stage is None else stage)
        elif item.get("keeps"):
            ok = stage is None and "unknown_status" not in kinds
            got.append("kept" if ok else str(stage))
        else:
            ok = stage == want
            got.append(str(stage))
        if not ok:
            return False, " / ".join(got)
    return True, " / ".join(got)


def test_real_status_lines_read_as_their_stage(advisor, record_property):
    right, wrong, costly = 0, [], []
    for group, item in LINES:
        ok, got = _verdict(advisor, item)
        if ok:
            right += 1
            continue
        wrong.append(f"{group}: «{item['text']}» read {got}, expected {item.get('stage') or item.get('problem') or 'kept'}")
        expected = item.get("stage")
        wanted = set(expected) if isinstance(expected, list) else {expected}
        if wanted & COSTLY or set(got.split(" / ")) & COSTLY:
            costly.append(wrong[-1])
    share = right / len(LINES)
    record_property(MEASURED_PREFIX + "status corpus", f"{right} of {len(LINES)} real status lines read right ({share:.1%})")
    assert not costly, costly
    assert share >= 0.95, wrong
    assert len(LINES) >= 200


@pytest.mark.parametrize("path", HISTORIES, ids=[p.stem for p in HISTORIES])
@pytest.mark.parametrize("given", ["text", "code"])
def test_a_whole_real_history_reads_event_by_event(advisor, path, given):
    """Every event of a real history, given as its printed line or as its provider code, gets the
    stage a buyer should read, and the parcel's stage is the last one's."""
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    events = [({"status": e["text"]} if given == "text" else {"provider": "cainiao", "code": e["code"]}) | {"date": e["date"]}
              for e in doc["events"]]
    a = advisor.advise({"track": doc["track"], "order": {"destination": {"country": doc["destination"]}},
                        "events": events}, today=TODAY).to_dict()
    read = [e["stage"] for e in a["events"]]
    assert read == [e.get(f"{given}_stage", e["stage"]) for e in doc["events"]]
    assert a["stage"] == doc["final"]
    assert not [n for n in a["notes"] if n["kind"] in ("unknown_status", "unknown_code")]
