"""Status lines no known phrase covers, read by what their words say (`rules/reading.yaml`).

Every word is lemmatised (lemmas.py) and looked up in a vocabulary of terms with roles: what
happened (`act`: delivered, returned, held ...), to whom or where (`to`: the addressee, the
sender, customs, a service point, a local carrier, an airline ...), at which end of the route
(`end`: origin / destination) and marks (`mark`: failed, not, expected). The first row of the
decision table whose roles are all in the line gives the stage, so «вручено отправителю» is a
return and "delivered to the customs terminal" is customs, whatever the exact wording. Which
words mean what, and the precedence between them, are data; this module only matches them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from advisor.base.errors import RulesError
from advisor.knowledge.lemmas import _TOKEN as _TOKENS, PAST, lemma, language, normalise, tokens
from advisor.base.yamlfile import load

ROLES = ("act", "to", "end", "mark")
LANGS = ("ru", "uk")            # a Cyrillic term is read with both dictionaries


@dataclass(frozen=True)
class Read:
    """What the terms made of one line: a stage (or a pair by the end of the route), a problem
    with no stage, or a line known to say nothing of where the parcel is; and the words that
    decided it, for --explain and the events echoed in the advice."""
    stage: str | None = None
    before: str | None = None
    after: str | None = None
    problem: str | None = None
    keeps: bool = False
    words: tuple[str, ...] = ()
    row: int = -1
    unsure: tuple[str, ...] = ()       # a costly reading the line's other words put in doubt: them

    def stage_at(self, destination_side: bool) -> str | None:
        return self.stage or (self.after if destination_side else self.before)


@dataclass
class Term:
    role: str
    value: str
    text: str                              # as the rule file writes it


@dataclass
class Row:
    need: list[tuple[str, frozenset[str]]]       # every (role, any of values) must be in the line
    unless: list[tuple[str, frozenset[str]]]     # none of these may be
    read: Read
    where: str
    unsure: bool = False                         # a costly reading the line never makes sure


# a term in the index: (role, value, each word's lemmas, its Chinese text)
Entry = tuple[str, str, tuple[frozenset[str], ...], str | None]
# a term found in a line: (its length, where it starts: a word or a run and a character, (role, value), its words)
Hit = tuple[int, int | tuple[int, int], tuple[str, str], str]
COSTLY = frozenset({"delivered", "returned", "customs_held"})
FILLER = ("mark", "filler")     # a wrong one costs the buyer money


@dataclass
class Reader:
    terms: list[Term]
    rows: list[Row]
    doubt: dict[str, Any] = field(default_factory=dict)    # costly stage -> ("sure_with" | "doubted_by", {(role, value)})
    hedges: dict[str, frozenset[tuple[str, str]]] = field(default_factory=dict)  # costly stage -> words that leave it open
    strict: frozenset[str] = frozenset()          # costly stages no unread word may stand beside
    strict_clause: frozenset[str] = frozenset()   # ... nor in the clause of the act that decided it
    _filler: set[str] = field(default_factory=set)          # the filler words' lemmas
    is_place: Callable[[list[str]], bool] | None = None     # words that name a city (places.py)
    lands: frozenset[str] | None = None     # words beside which a country's name is not one (None: not read)
    _first: dict[Any, list[Entry]] = field(default_factory=dict)

    def _index(self) -> dict[Any, list[Entry]]:
        """The terms by the lemma their first word may have (a one-word term) or the pair of lemmas
        their first two words may have (a longer one: "to" starts sixty terms, "to sender" a few),
        built on the first line read (and kept in the start-up cache: lemmatising a thousand terms
        costs a second)."""
        if not self._first:
            from advisor.base.cache import cached
            key = "\n".join(f"{t.role}:{t.value}:{t.text}" for t in self.terms).encode() + dictionaries() + _code()
            shapes = cached("reading-terms", key, lambda: [_shape(t.text) for t in self.terms])
            for t, (shape, zh) in zip(self.terms, shapes):
                if (t.role, t.value) == FILLER:     # looked up by unread() alone, never a line's role
                    self._filler.update(w for lemmas in shape for w in lemmas)
                    continue
                entry = (t.role, t.value, shape, zh)
                keys = [(a, b) for a in shape[0] for b in shape[1]] if len(shape) > 1 else shape[0] if shape else ["\x00zh"]
                for k in sorted(keys):
                    self._first.setdefault(k, []).append(entry)
        return self._first

    def warm(self) -> None:
        """Load the terms and the dictionaries now (a server does, before its first request)."""
        self._index()
        for lang in LANGS:
            lemma("почта", lang)

    def roles(self, text: str) -> dict[tuple[str, str], str]:
        """(role, value) -> the words of the line that said it. The longest term wins where terms
        overlap, so "выдан на отправку" (sent on) never also reads as its word "выдан" (given out)."""
        return _longest(self._hits(text)[1])

    def _hits(self, text: str) -> tuple[list[str], list[Hit], list[str]]:
        """The line's words, every term found in it (overlapping or not), and the words' lemmas."""
        norm = normalise(text)
        lang = language(norm)
        words = tokens(norm)
        seq = [lemma(w, lang) for w in words]
        index = self._index()
        hits: list[Hit] = []                        # (length, start, (role, value), words)
        for i, lem in enumerate(seq):
            pair = index.get((lem, seq[i + 1]), ()) if i + 1 < len(seq) else ()
            for role, value, shape, _ in (*index.get(lem, ()), *pair):
                n = len(shape)
                if i + n <= len(seq) and all(seq[i + k] in shape[k] for k in range(min(n, 2), n)):
                    hits.append((n, i, (role, value), " ".join(words[i:i + n])))
        if lang == "en" and self.lands is not None:
            hits += _lands(words, self.lands)
        runs = [(j, w) for j, w in enumerate(words) if w and "\u3400" <= w[0] <= "\ufaff"]
        for role, value, _, zh in index.get("\x00zh", ()) if runs else ():
            if zh is None:              # every entry under this key is a Chinese term's
                continue
            for j, run in runs:
                at = run.find(zh)
                while at >= 0:      # a Chinese term's place: its run, then its characters in the run
                    hits.append((len(zh), (j, at), (role, value), zh))
                    at = run.find(zh, at + 1)
        return words, hits, seq

    def unread(self, text: str, scope: frozenset[tuple[str, str]] | None = None,
               seen: tuple[list[str], list[Hit], list[str]] | None = None) -> tuple[str, ...]:
        """The line's words no term accounts for (`mark: filler` are the words that say nothing:
        articles, "parcel", «отправление»), in order: what the reading could not weigh. Anywhere
        in the line ("Delivered to Tesco Extra", "At the Tesco store: delivered"), except a run of
        them that names a city (`is_place`: «Вручение адресату Москва» says where, not what)."""
        words, hits, seq = seen or self._hits(text)
        covered = {start + k for n, start, _key, _said in hits if isinstance(start, int) for k in range(n)}
        covered.update(i for i, lem in enumerate(seq) if lem in self._filler)
        clause = _clauses(text)
        keep = {clause[s] for _n, s, key, _said in hits if isinstance(s, int) and key in scope} if scope is not None else None
        runs: list[list[str]] = []
        for i, w in enumerate(words):
            if keep is not None and clause[i] not in keep:
                runs.append([])
                continue
            # a Chinese run has no word breaks to tell a filler from an unread word: never counted
            if i in covered or w.isdigit() or "\u3400" <= w[0] <= "\ufaff":
                runs.append([])
            elif runs and runs[-1]:
                runs[-1].append(w)
            else:
                runs.append([w])
        return tuple(w for run in runs if run and not (self.is_place and self.is_place(run)) for w in run)

    def ends(self, text: str) -> set[str]:
        """The ends of the route the line names (`origin`, `destination`)."""
        return {value for role, value in self.roles(text) if role == "end"}

    def read(self, text: str) -> Read | None:
        """The first decision whose roles the line has, with the words that decided it."""
        seen = self._hits(text)
        found = _longest(seen[1])
        if not found:
            return None
        have: dict[str, set[str]] = {}
        for role, value in found:
            have.setdefault(role, set()).add(value)
        for i, row in enumerate(self.rows):
            if all(have.get(role, set()) & values for role, values in row.need) and \
               not any(have.get(role, set()) & values for role, values in row.unless):
                words = tuple(found[(role, v)] for role, values in row.need for v in sorted(values)
                              if (role, v) in found)
                r = row.read
                doubts = (_places(row, found) or _unknown(text, found) or words) if row.unsure else self._doubts(row, found, text, seen)
                return Read(r.stage, r.before, r.after, r.problem, r.keeps, words, i, doubts)
        return None

    def _doubts(self, row: Row, found: dict[tuple[str, str], str], text: str,
                seen: tuple[list[str], list[Hit], list[str]]) -> tuple[str, ...]:
        """For a delivery, a return or a customs decision: the words of the line that put it in
        doubt (`doubt` in reading.yaml: for a stage, either every act and place not named by the
        decision nor listed `sure_with`, or those listed `doubted_by`). A doubt makes the
        reading unsure, and the advice says what it could not tell instead of taking it."""
        r = row.read
        stages = {r.stage, r.before, r.after} & COSTLY
        if not stages:
            return ()
        named = {(role, v) for role, values in row.need for v in values}
        out = {said for stage in stages for key, said in found.items()
               if key in self.hedges.get(str(stage), ()) and key not in named}
        if stages & self.strict:
            out.update(self.unread(text, seen=seen))
        if stages & self.strict_clause:         # a return says why in a clause of its own
            out.update(self.unread(text, frozenset(k for k in named if k[0] == "act"), seen))
        for stage in stages:
            kind, listed = self.doubt.get(str(stage), ("sure_with", frozenset()))
            for key, said in found.items():
                if key[0] not in ("act", "to") or key in named:
                    continue
                if (kind == "sure_with") != (key in listed):
                    out.add(said)
        return tuple(sorted(out))


# a clause ends at a stop, a comma, a dash, or where a reason begins ("returned to sender because
# the address is incomplete": the reason is not what happened)
_CLAUSE = re.compile(r"[.;:!?()\[\]|\n]|,(?!\d)|\s[-–—]\s")
_REASON = frozenset({"because", "due", "since", "потому", "поскольку", "оскільки", "parce"})


def _clauses(text: str) -> list[int]:
    """Each word's clause in the line, counted from 0 (`_CLAUSE` and `_REASON` separate them)."""
    norm, out, n, at = normalise(text), [], 0, 0
    for m in _TOKENS.finditer(norm):
        n += len(_CLAUSE.findall(norm[at:m.start()])) + (m[0] in _REASON)
        at = m.end()
        out.append(n)
    return out


def _places(row: Row, found: dict[tuple[str, str], str]) -> tuple[str, ...]:
    """For a row marked `unsure`: the words of the place or person it names (the locker a sign-in
    was at, the agent who picked it up), which leave the costly reading open."""
    return tuple(sorted({found[(role, v)] for role, values in row.need if role == "to" for v in values
                         if (role, v) in found}))


def _unknown(text: str, found: dict[tuple[str, str], str]) -> tuple[str, ...]:
    """For a row marked `unsure` that names no known place: the line's words no term knows (where
    "delivered to Tesco Extra" says it was left), which leave the costly reading open."""
    known = {w for said in found.values() for w in tokens(said)}
    rest = [w for w in tokens(normalise(text)) if w not in known and not w.isdigit()]
    return (" ".join(rest),) if rest else ()


def _lands(words: list[str], beside: frozenset[str]) -> list[Hit]:
    """A country's name in a Latin-script line (gazetteer.py's names: two words or more, or one of
    four letters or more) as `to: land`, except beside a word of `lands` in reading.yaml (Canada
    Post is a carrier, New Mexico a state) or a name it lists (Georgia, Jersey: also places)."""
    from advisor.knowledge.gazetteer import country_first_words, country_names, name_key
    firsts, names, i = country_first_words(), country_names(), 0
    out: list[Hit] = []
    while i < len(words):
        for n in (3, 2, 1) if words[i] in firsts else ():
            name = " ".join(words[i:i + n])
            if i + n <= len(words) and (n > 1 or len(name) > 3) and name not in beside and name_key(name) in names and \
                    not {words[i - 1] if i else "", words[i + n] if i + n < len(words) else ""} & beside:
                out.append((n, i, ("to", "land"), name))
                i += n - 1
                break
        i += 1
    return out


def _longest(hits: list[Hit]) -> dict[tuple[str, str], str]:
    """The terms not inside a longer term, so "выдан на отправку" (sent on) never also reads
    as its word "выдан" (given out), nor 收件人 (addressee) as 收件 (picked up); terms that only
    overlap both stand ("возвращен на склад" and "склад отправителя")."""
    spans: list[frozenset[tuple[int, int]]] = []
    found: dict[tuple[str, str], str] = {}
    for n, start, key, said in sorted(hits, key=lambda h: -h[0]):
        span = (frozenset((start[0], start[1] + k) for k in range(n)) if isinstance(start, tuple)
                else frozenset((start + k, -1) for k in range(n)))
        if any(span < other for other in spans):
            continue
        spans.append(span)
        found.setdefault(key, said)
    return found


def _code() -> bytes:
    """The code that turns a term into lemmas (this module and lemmas.py): a change to how words
    are lemmatised must never meet terms lemmatised the old way in the start-up cache."""
    from advisor.knowledge import lemmas
    return b"".join(Path(m.__file__ or "").read_bytes() for m in (lemmas,)) + Path(__file__).read_bytes()


def dictionaries() -> bytes:
    """The shipped lemmas (wordforms.py) the terms' lemmas come from: new ones re-lemmatise the terms."""
    from advisor.base.wordforms import LEMMAS
    return LEMMAS.read_bytes()


def _shape(text: str) -> tuple[tuple[frozenset[str], ...], str | None]:
    """A term's words as the lemma sets a line's words must have (both Cyrillic dictionaries)."""
    norm = normalise(text)
    if language(norm) == "zh":
        return (), "".join(tokens(norm))
    out = []
    for w in tokens(norm):
        out.append(frozenset({lemma(w, lang) for lang in LANGS} if any("\u0400" <= c <= "\u04ff" for c in w)
                             else _forms(lemma(w, "en"))))
    return tuple(out), None


def _forms(stem: str) -> frozenset[str]:
    """The lemmas a term's English word matches: a past form only a past form ("delivered" is not
    "please deliver"), any other form the word's every form ("return" is also "returned")."""
    return frozenset({stem}) if stem.endswith(PAST) else frozenset({stem, stem + PAST})


def _conditions(spec: Any, role_values: dict[str, set[str]], where: str) -> list[tuple[str, frozenset[str]]]:
    out: list[tuple[str, frozenset[str]]] = []
    for item in spec or []:
        role, _, values = str(item).partition(":")
        if role not in ROLES or not values:
            raise RulesError(f"expected `ROLE:VALUE` with a role of {', '.join(ROLES)}, got `{item}`", where=where,
                             help="e.g. `act:delivered` or `to:sender|addressee`")
        vals = frozenset(values.split("|"))
        unknown = sorted(vals - role_values.get(role, set()))
        if unknown:
            raise RulesError(f"`{unknown[0]}` is not a value of `{role}` in `terms`", where=where,
                             help=f"known: {', '.join(sorted(role_values.get(role, set())))}")
        out.append((role, vals))
    return out


def _row_read(row: dict[str, Any], stages: set[str], problems: set[str], where: str) -> Read:
    stage, problem, keeps = row.get("stage"), row.get("problem"), bool(row.get("keeps"))
    if row.get("unsure") and not ({stage} if isinstance(stage, str) else set()) & COSTLY:
        raise RulesError("`unsure: true` is for a delivery, a return or a customs decision the line never makes sure",
                         where=where)
    if sum(x is not None and x is not False for x in (stage, problem, keeps or None)) != 1:
        raise RulesError("a decision gives one of `stage`, `problem` or `keeps: true`", where=where)
    pair = stage if isinstance(stage, list) else None
    for s in pair or ([stage] if stage else []):
        if s not in stages:
            raise RulesError(f"unknown stage id `{s}`", where=where, help="stage ids are listed in rules/vocabulary.yaml")
    if problem is not None and problem not in problems:
        raise RulesError(f"unknown problem `{problem}`", where=where, help=f"one of: {', '.join(sorted(problems))}")
    if pair is not None:
        if len(pair) != 2:
            raise RulesError("a stage by the end of the route is `[AT_ORIGIN, AT_DESTINATION]`", where=where)
        return Read(before=pair[0], after=pair[1])
    return Read(stage=stage, problem=problem, keeps=keeps)


def load_reader(rules_dir: Path, stages: list[str], problems: list[str]) -> Reader | None:
    """rules/reading.yaml's terms and decisions, checked against the stage ids and problems."""
    path = rules_dir / "reading.yaml"
    if not path.exists():
        return None
    doc = load(path, "rules/reading.yaml")
    if not isinstance(doc, dict) or not isinstance(doc.get("terms"), dict) or not isinstance(doc.get("decisions"), list):
        raise RulesError("expected a mapping with `terms` and `decisions`", where="rules/reading.yaml")
    terms: list[Term] = []
    role_values: dict[str, set[str]] = {}
    for role, values in doc["terms"].items():
        if role not in ROLES:
            raise RulesError(f"unknown role `{role}`", where=doc["terms"].where(role), help=f"roles: {', '.join(ROLES)}")
        for value, words in (values or {}).items():
            role_values.setdefault(role, set()).add(value)
            for w in words or []:
                if not tokens(normalise(str(w))):
                    raise RulesError(f"the term `{w}` has no word", where=values.where(value))
                terms.append(Term(role, value, str(w)))
    doubt = {}
    for stage, spec in (doc.get("doubt") or {}).items():
        where = doc["doubt"].where(stage)
        if stage not in COSTLY or not isinstance(spec, dict) or len(spec) != 1 or \
                next(iter(spec)) not in ("sure_with", "doubted_by"):
            raise RulesError(f"`doubt` takes {', '.join(sorted(COSTLY))}, each with `sure_with` or `doubted_by`",
                             where=where)
        kind = next(iter(spec))
        doubt[stage] = (kind, frozenset((r, v) for r, vals in _conditions(spec[kind], role_values, where) for v in vals))
    hedges = {}
    for stage, spec in (doc.get("hedges") or {}).items():
        if stage not in COSTLY:
            raise RulesError(f"`hedges` takes {', '.join(sorted(COSTLY))}, got `{stage}`", where=doc["hedges"].where(stage))
        hedges[stage] = frozenset((r, v) for r, vals in _conditions(spec, role_values, doc["hedges"].where(stage)) for v in vals)
    rows = []
    for i, row in enumerate(doc["decisions"]):
        where = doc["decisions"].where(i) if hasattr(doc["decisions"], "where") else "rules/reading.yaml"
        if not isinstance(row, dict) or not row.get("when"):
            raise RulesError("a decision needs `when`: the roles the line must have", where=where)
        rows.append(Row(_conditions(row.get("when"), role_values, where), _conditions(row.get("unless"), role_values, where),
                        _row_read(row, set(stages), set(problems), where), where, bool(row.get("unsure"))))
    strict = doc.get("unread_doubts") or []
    if not isinstance(strict, list) or set(strict) - COSTLY:
        raise RulesError(f"`unread_doubts` lists stages of {', '.join(sorted(COSTLY))}", where="rules/reading.yaml")
    clause = doc.get("unread_doubts_in_clause") or []
    if not isinstance(clause, list) or set(clause) - COSTLY:
        raise RulesError(f"`unread_doubts_in_clause` lists stages of {', '.join(sorted(COSTLY))}", where="rules/reading.yaml")
    lands = doc.get("lands")
    if lands is not None and (not isinstance(lands, list) or "land" not in role_values.get("to", set())):
        raise RulesError("`lands` lists the words beside which a country's name is not one, with `to: land` terms",
                         where="rules/reading.yaml")
    return Reader(terms, rows, doubt, hedges, frozenset(strict), frozenset(clause),
                  lands=frozenset(str(w).casefold() for w in lands) if lands is not None else None)
