"""Real status lines and whole real histories (tests/corpus/, each with its public source) read as
the stage a buyer should read: the share read right on the development and the held-out sources
is printed at the end of the run, with the wrong decisions where they cost most (a return, a
delivery, a customs decision)."""
from pathlib import Path

import pytest
import yaml

import statuscorpus
from conftest import MEASURED_PREFIX, TODAY

CORPUS = Path(__file__).parent / "corpus"
HISTORIES = sorted((CORPUS / "histories").glob("*.yaml"))
# measured on this corpus (79.1% and 55.6%; no wrong costly decision on the development lines,
# 58 on the held-out ones; 78.6%, 54.4%, 1 and 80 when the four sources of 2026-12-07 came in,
# before the hedges, the past and -ing forms and the unsure rows; 78.6%, 55.0%, 0 and 47 once a
# delivery beside words no term knows is left open: fewer lines read, fewer wrong costly ones;
# 77.2%, 53.3%, 0 and 36 once a return is too, in its clause; 78.7%, 54.7%, 0 and 34 with the
# problems as roles; 79.4%, 55.1%, 0 and 34 with the sender's pick-up and preparation as pre-advice;
# 79.8%, 56.3%, 0 and 34 with lines about the record itself keeping the stage; 79.9%, 56.4%, 0 and
# 34 with a parcel on its way TO an office; 79.5%, 55.9%, 0 and 29 once a customs hold is left open
# beside words no term knows in its clause; 85.4%, 61.7%, 0 and 26 with issue 30's second round:
# the Russian, Ukrainian and Chinese classes (a word the line's dictionary lacks read with the other
# one, returns being prepared and on their way, release suspended and a failed customs control as
# holds, a paid duty never one, «получено» by its place, couriers, the seller's preparation,
# Traditional Chinese) and the English ones (a return's process words, a customs hold's reasons,
# the doorstep, the carrier's pick-up, countries named, lines about a message)):
# regression guards, not the goal (95% held out, none costly)
DEV_FLOOR, HELDOUT_FLOOR = 0.853, 0.616
DEV_COSTLY_CEILING, HELDOUT_COSTLY_CEILING = 0, 26


def test_every_source_is_split_by_its_id_and_says_where_it_is_from():
    """The split is the hash rule's (no source moved after the fact), a third of the sources or
    more are held out, and every line names its source and its reading."""
    docs = statuscorpus.sources()
    assert len(docs) >= 3
    for doc in docs:
        src = doc["source"]
        assert doc["path"].stem == src["id"] and src.get("where") and src.get("name"), doc["path"]
        if not src.get("legacy"):
            assert src["split"] == statuscorpus.split_of(src["id"]), src["id"]
        for item in doc["lines"]:
            assert ("stage" in item) + ("problem" in item) + bool(item.get("keeps")) == 1, (src["id"], item)
    held = [d for d in docs if d["source"]["split"] == "heldout"]
    assert len(held) * 3 >= len([d for d in docs if not d["source"].get("legacy")]), "fewer than a third held out"


def test_real_status_lines_read_as_their_stage(advisor, record_property):
    rep = statuscorpus.evaluate(advisor)
    for part in ("dev", "heldout"):
        record_property(MEASURED_PREFIX + f"status corpus, {part}",
                        f"{rep.right[part]} of {rep.total[part]} lines read right ({rep.share(part):.1%})")
    print("\n".join(statuscorpus.summary(rep)))
    dev_costly = [f"{l.source}: «{l.text}» read {got}, expected {l.expected}" for l, got in rep.costly if l.split == "dev"]
    held_costly = sum(1 for l, _ in rep.costly if l.split == "heldout")
    assert rep.share("dev") >= DEV_FLOOR, "the development share fell"
    assert rep.share("heldout") >= HELDOUT_FLOOR, "the held-out share fell"
    # the held-out lines are counted, never listed: they must not be read to write terms
    assert len(dev_costly) <= DEV_COSTLY_CEILING, dev_costly
    assert held_costly <= HELDOUT_COSTLY_CEILING, f"{held_costly} wrong costly decisions on held-out lines"


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
