"""Status texts to stage ids: the phrases of `rules/stages.yaml` (this module only matches them),
in route order, with the phrases both ends of the route print read by which end the parcel is at.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Sequence

from advisor.base.errors import RulesError
from advisor.base.memo import Memo
from advisor.knowledge.statuswords import COSTLY, Reader, load_reader
from advisor.base.yamlfile import load, located

_WORDS = re.compile(r"[^\w]+", re.UNICODE)


CJK = re.compile(r"([\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff])")


def phrase_key(text: str) -> str:
    """Case-folded words joined by single spaces, so punctuation never decides a match; each
    Chinese character is a word of its own (Chinese has no spaces: 已揽收成功 holds 揽收成功)."""
    t = CJK.sub(r" \1 ", unicodedata.normalize("NFKC", text).casefold().replace("ё", "е"))
    return " " + " ".join(w for w in _WORDS.split(t) if w) + " "


@dataclass(frozen=True)
class Classified:
    """One status text read: its stage (None: not known), whether the seller typed it, what
    decided it (`phrase`: a line of stages.yaml; `terms`: the words of rules/reading.yaml, listed
    in `words`), and a problem no stage says or a line known to say nothing of the route."""
    stage: str | None
    typed: bool = False
    matched: str | None = None
    how: str | None = None                 # phrase, terms, seller
    words: tuple[str, ...] = ()
    problem: str | None = None
    keeps: bool = False
    unsure: tuple[str, ...] = ()           # the words that put a costly reading in doubt
    doubted: str | None = None             # ... and that reading


@dataclass
class StageBook:
    phrases: list[tuple[str, str, str]]           # (normalised phrase, stage, original)
    positional: list[tuple[str, str, str, str]]   # (normalised phrase, before, after, original)
    seller_typed: list[tuple[str, str]]
    order: list[str]                              # the stage ids in route order (vocabulary.yaml)
    reader: Reader | None = None                  # rules/reading.yaml: lines no phrase is
    _memo: Memo[Classified] = field(default_factory=lambda: Memo(4096), repr=False, compare=False)
    _whole: set[str] | None = field(default=None, repr=False, compare=False)
    _nothing: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)
    _is_phrase: Memo[bool] = field(default_factory=lambda: Memo(4096), repr=False, compare=False)
    _exact: dict[str, tuple[str | None, str | None, str]] | None = field(default=None, repr=False, compare=False)

    @cached_property
    def rank(self) -> dict[str, int]:
        """A stage's place on the route: later stages rank higher (vocabulary.yaml's order)."""
        return {stage: i for i, stage in enumerate(self.order)}

    def classify(self, status: str, exported: bool, side: str | None = None) -> Classified:
        """One status text read. `side` (`origin` or `destination`, from the event's country)
        decides a line both ends print; without it, whether the parcel was exported before.
        Carriers repeat a small set of texts, so answers are remembered (bounded)."""
        key = (status, exported, side)
        try:
            return self._memo.young[key]      # a hit without a call: five reads a parcel
        except KeyError:
            return self._memo.get(key, lambda: self._classify(status, exported, side))

    def is_phrase(self, status: str) -> bool:
        """Whether the whole status is one of the phrases (not merely holds one); remembered
        (bounded) as `classify` is: normalising the text was a fifth of reading an event."""
        try:
            return self._is_phrase.young[status]
        except KeyError:
            return self._is_phrase.get(status, lambda: self._is_whole(status))

    def _is_whole(self, status: str) -> bool:
        if self._whole is None:
            self._whole = {n for n, _, _ in self.phrases} | {n for n, _, _, _ in self.positional} | \
                          {n for n, _ in self.seller_typed}
        return phrase_key(status) in self._whole

    def says_nothing(self, status: str) -> bool:
        """Whether the terms read the status as saying nothing of where the parcel is ("In
        transit", «В пути»: moving, with no place and no end of the route): such a line keeps the
        stage, even where a provider's table names it with one (its code's stage is a guess).
        Asked of the providers' own names only, a bounded set: each is read once."""
        key = phrase_key(status)            # case and punctuation aside, one of the providers' names
        known = self._nothing.get(key)
        if known is None:
            known = self._nothing[key] = self._classify(status, False).keeps
        return known

    def _exact_table(self) -> dict[str, tuple[str | None, str | None, str]]:
        if self._exact is None:
            self._exact = {n: (stage, stage, o) for n, stage, o in self.phrases}
            self._exact.update({n: (b, a, o) for n, b, a, o in self.positional})
        return self._exact

    def _classify(self, status: str, exported: bool, side: str | None = None) -> Classified:
        """A seller's line first (R9), then a whole line stages.yaml lists, then the words."""
        text = phrase_key(status)
        for norm, original in self.seller_typed:
            if norm in text:
                return Classified(None, True, original, "seller")
        after_side = side == "destination" or (side is None and exported)
        exact = self._exact_table().get(text)
        if exact is not None:
            return Classified(exact[1] if after_side else exact[0], False, exact[2], "phrase")
        read = self.reader.read(status) if self.reader is not None else None
        if read is None:
            return self._inside(text, after_side)
        if read.before and read.words and self.reader is not None:   # an `end:` word in the line says which end it is at
            ends = self.reader.ends(status)
            if ends == {"origin"}:
                after_side = False
            elif ends == {"destination"}:
                after_side = True
        if read.unsure:         # never a delivery, a return or a customs decision on a doubt
            return Classified(None, False, " + ".join(read.words), "terms", read.words,
                              unsure=read.unsure, doubted=read.stage_at(after_side))
        return Classified(read.stage_at(after_side), False, " + ".join(read.words), "terms", read.words,
                          read.problem, read.keeps)

    def _inside(self, text: str, after_side: bool) -> Classified:
        """The longest phrase inside a line the terms do not read; never a stage that costs the
        buyer money (a delivery, a return, a customs decision): those need the terms' reading."""
        best: tuple[int, str, str] | None = None
        for norm, stage, original in self.phrases:
            if norm in text and (best is None or len(norm) > best[0]):
                best = (len(norm), stage, original)
        for norm, before, after, original in self.positional:
            if norm in text and (best is None or len(norm) > best[0]):
                best = (len(norm), after if after_side else before, original)
        if best is None or best[1] in COSTLY:
            return Classified(None)
        return Classified(best[1], False, best[2], "phrase")


def load_stages(rules_dir: Path, known_stages: list[str], problems: Sequence[str] = ()) -> StageBook:
    """stages.yaml's phrases for the stage ids of vocabulary.yaml, given in route order."""
    path = rules_dir / "stages.yaml"
    doc = load(path, "rules/stages.yaml")
    if not isinstance(doc, dict) or not isinstance(doc.get("stages"), dict):
        raise RulesError("expected a mapping with a `stages` mapping", where="rules/stages.yaml")
    phrases = []
    for stage, items in doc["stages"].items():
        if stage not in known_stages:
            raise RulesError(f"unknown stage id `{stage}`", where=doc["stages"].where(stage),
                             help="stage ids are listed in rules/vocabulary.yaml")
        for p in items or []:
            phrases.append((phrase_key(str(p)), stage, str(p)))
    positional = []
    for item in doc.get("position_dependent") or []:
        for key in ("before_export", "after_export"):
            if item.get(key) not in known_stages:
                raise RulesError(f"unknown stage id `{item.get(key)}`", where=item.where(key))
        positional.append((phrase_key(str(item["phrase"])), item["before_export"], item["after_export"], str(item["phrase"])))
    fixed: dict[str, str] = {}
    for norm, stage, original in phrases:
        if fixed.get(norm, stage) != stage:
            raise RulesError(f"the phrase `{original}` is under both `{fixed[norm]}` and `{stage}`",
                             where=doc["stages"].where(stage), help="a phrase names one stage; keep it under one")
        fixed[norm] = stage
    for item, (norm, _b, _a, original) in zip(doc.get("position_dependent") or [], positional):
        if norm in fixed:
            raise RulesError(f"the phrase `{original}` is both under `{fixed[norm]}` and in `position_dependent`",
                             where=located(item, "phrase", "rules/stages.yaml"),
                             help="a phrase both ends of the route print belongs in `position_dependent` only")
    seller = [(phrase_key(str(p)), str(p)) for p in doc.get("seller_typed") or []]
    reader = load_reader(rules_dir, list(known_stages), list(problems))
    return StageBook(phrases, positional, seller, list(known_stages), reader)    # the order is the route's
