"""The labelled corpus of real status lines (tests/corpus/statuses/, one file per public source)
and how the advisor reads it, split by source into a development part and a held-out part.

The split is decided by the source's id alone (the first hex digit of its SHA-256: 0-5 held out),
when the source is collected and before any phrase is written from it; the files that were used to
write the reading before the corpus was split are marked `legacy` and are development data.

`python tests/statuscorpus.py` prints the shares; `--dev` also lists the development lines read
wrong (the held-out ones are never listed: they must not be used to write phrases)."""
from __future__ import annotations

import hashlib
import re
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

import yaml

CORPUS = Path(__file__).parent / "corpus" / "statuses"
COSTLY = {"returned", "delivered", "customs_held"}
ROUTE = ["pre_advice", "accepted", "origin_sorting", "export", "import", "customs", "customs_held",
         "destination_sorting", "arrived_office", "delivered", "returned"]
TODAY = "2026-11-22"


def split_of(source_id: str) -> str:
    """held-out for a first SHA-256 hex digit of 0-5 (6 in 16 sources), development otherwise."""
    return "heldout" if hashlib.sha256(source_id.encode()).hexdigest()[0] in "012345" else "dev"


def language(text: str) -> str:
    if re.search(r"[\u3400-\u9fff]", text):
        return "zh"
    if re.search(r"[қңғүұөһ]", text.casefold()):
        return "kk"
    if re.search(r"[ў]", text.casefold()):
        return "be"
    if re.search(r"[іїєґ']", text.casefold()) and re.search(r"[\u0400-\u04ff]", text):
        return "uk"
    if re.search(r"[\u0400-\u04ff]", text):
        return "ru"
    if re.search(r"[\u0600-\u06ff]", text):
        return "ar"
    low = f" {text.casefold()} "
    if re.search(r"[åäö]", low):
        return "sv"
    if re.search(r"[éèêàçôûîïëùœ]", low) or re.search(r"\b(le|la|les|du|votre|colis|article|livraison)\b", low):
        return "fr"
    return "en"


@dataclass
class Line:
    source: str
    split: str
    text: str
    label: dict

    @property
    def expected(self) -> str:
        if "problem" in self.label:
            return f"problem {self.label['problem']}"
        if self.label.get("keeps"):
            return "kept"
        st = self.label["stage"]
        return " / ".join(st) if isinstance(st, list) else st


def sources() -> list[dict]:
    out = []
    for path in sorted(CORPUS.glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        doc["path"] = path
        out.append(doc)
    return out


def lines() -> list[Line]:
    out, seen = [], set()
    for doc in sources():
        src = doc["source"]
        for item in doc.get("lines") or []:
            key = (src["id"], item["text"])
            if key in seen:
                continue
            seen.add(key)
            out.append(Line(src["id"], src["split"], str(item["text"]), item))
    return out


def _read(advisor, text: str, after_export: bool) -> tuple[str | None, dict]:
    events = [{"date": "2026-10-05", "status": "Экспорт"}] if after_export else []
    a = advisor.advise({"track": "RK190321410CN", "order": {"track_issued": "2026-10-01", "destination": {"country": "RU"}},
                        "events": events + [{"date": "2026-11-10", "status": text}]}, today=TODAY).to_dict()
    return a["events"][-1]["stage"], a


def verdict(advisor, line: Line) -> tuple[bool, str]:
    """(read right?, what was read): a pair of stages is read before and after an export scan, a
    single stage where it happens (after an export scan for the stages of the destination side)."""
    expected = line.label.get("stage")
    if isinstance(expected, list):
        pairs = [(False, expected[0]), (True, expected[1])]
    elif expected:              # read where the stage says the parcel is: before or after the border
        pairs = [(ROUTE.index(expected) > ROUTE.index("export"), expected)]
    else:
        pairs = [(False, None)]
    got = []
    for after, want in pairs:
        stage, a = _read(advisor, line.text, after)
        kinds = {n["kind"]: n for n in a["notes"]}
        if "problem" in line.label:
            reason = kinds.get("status_no_stage", {}).get("reason")
            ok = stage is None and reason == line.label["problem"]
            got.append(f"problem {reason}" if stage is None else stage)
        elif line.label.get("keeps"):
            ok = stage is None and "unknown_status" not in kinds
            got.append("kept" if ok else str(stage))
        else:
            ok = stage == want
            got.append(str(stage))
        if not ok:
            return False, " / ".join(got)
    return True, " / ".join(got)


def costly(line: Line, got: str) -> bool:
    """A wrong reading that costs money: a return, a delivery or a customs decision read where
    there was none, or missed where there was one (read as another stage, not as unknown)."""
    expected = line.label.get("stage")
    wanted = set(expected) if isinstance(expected, list) else {expected}
    read = {g for g in got.split(" / ") if g != "None" and g != "kept" and not g.startswith("problem")}
    return bool((read & COSTLY) - wanted) or bool((wanted & COSTLY) and read and not (read & wanted))


@dataclass
class Report:
    right: Counter
    total: Counter
    by_lang: dict
    by_stage: dict
    wrong: list
    costly: list
    by_source: dict = None          # part -> Counter of (source, "n" | "ok")

    def per_source(self, part: str) -> float:
        """The mean of the sources' shares: one large code table weighs as much as a small history."""
        c = self.by_source[part]
        shares = [c[(s, "ok")] / c[(s, "n")] for s, k in c if k == "n"]
        return sum(shares) / len(shares) if shares else 0.0

    def share(self, part: str) -> float:
        return self.right[part] / self.total[part] if self.total[part] else 0.0


def evaluate(advisor) -> Report:
    right, total = Counter(), Counter()
    by_lang, by_stage, by_source = defaultdict(Counter), defaultdict(Counter), defaultdict(Counter)
    wrong, bad = [], []
    for line in lines():
        ok, got = verdict(advisor, line)
        part, lang = line.split, language(line.text)
        total[part] += 1
        by_lang[part][(lang, "n")] += 1
        stage = line.expected.split(" / ")[-1].split(" ")[0]
        by_stage[part][(stage, "n")] += 1
        by_source[part][(line.source, "n")] += 1
        by_source[part][(line.source, "ok")] += ok
        if ok:
            right[part] += 1
            by_lang[part][(lang, "ok")] += 1
            by_stage[part][(stage, "ok")] += 1
        else:
            wrong.append((line, got))
            if costly(line, got):
                bad.append((line, got))
    return Report(right, total, by_lang, by_stage, wrong, bad, by_source)


def table(counter: Counter) -> str:
    keys = sorted({k for k, _ in counter})
    return ", ".join(f"{k} {counter[(k, 'ok')]}/{counter[(k, 'n')]}" for k in keys)


def summary(rep: Report) -> list[str]:
    out = []
    for part in ("dev", "heldout"):
        out.append(f"{part}: {rep.right[part]} of {rep.total[part]} read right ({rep.share(part):.1%}; "
                   f"{rep.per_source(part):.1%} on average per source); "
                   f"wrong costly decisions {sum(1 for l, _ in rep.costly if l.split == part)}")
        out.append(f"  by language: {table(rep.by_lang[part])}")
        out.append(f"  by stage: {table(rep.by_stage[part])}")
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent.parent))
    from advisor.api import Advisor
    rep = evaluate(Advisor())
    print("\n".join(summary(rep)))
    if "--dev" in sys.argv:
        for line, got in rep.wrong:
            if line.split == "dev":
                mark = "COSTLY " if (line, got) in rep.costly else ""
                print(f"{mark}{line.source}: «{line.text}» read {got}, expected {line.expected}")
