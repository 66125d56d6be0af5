"""Rule files: load `rules/advice/*.yaml` (and an overlay), validate them at `file:line:col`;
compiler.py turns each rule's `when` into a durable_rules expression per platform profile.

A rule is written for a support person:

    - id: wait-first-scan
      source: [W1, W3, "000", "004"]
      when:
        stage: none
        days_since_track_issued: {below: profile.first_scan_react_days + season_extra_days}
      then:
        action: {id: wait, due: "track_issued + profile.first_scan_react_days", text: {en: ..., ru: ...}}
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Collection

from advisor.knowledge.rulelang import DateExpr, parse_due, sum_terms
from advisor.base.errors import RulesError, did_you_mean, one_of
from advisor.base.i18n import LANGS
from advisor.text.render import LANG_NAMES
from advisor.base import validation
from advisor.base.schemaerrors import describe
from advisor.knowledge.whencheck import check_when, profile_value
from advisor.base.location import Location
from advisor.base.yamlfile import Located, LocatedList, load, located, plain

RULE_KEYS = {"id", "title", "source", "note", "platforms", "priority", "disabled", "when", "then"}
THEN_KEYS = {"action", "flag", "warning", "deadline", "message", "replaces"}
SEVERITIES = ["info", "warn", "high"]
# the message templates: `kind/purpose` -> its languages (or just the names, every language)
Templates = dict[str, set[str]] | Collection[str]
_ID = re.compile(r"^[a-z0-9][a-z0-9_.\-]*$")


@dataclass
class Output:
    kind: str          # action | flag | warning | deadline
    id: str
    due: DateExpr | None = None
    text: dict[str, Any] | None = None
    severity: str | None = None
    unless: tuple[str, ...] = ()       # an action: the steps it is the fallback of (its text says so)
    text_where: dict[str, Location] | None = None      # where each text was written (its language's key)

    def where_of(self, lang: str, rule_where: str) -> Location | str:
        return (self.text_where or {}).get(lang, rule_where)


@dataclass
class Rule:
    id: str
    file: str
    line: int
    title: str
    source: list[str]
    note: str | None
    platforms: list[str]          # empty: every platform
    priority: int
    when: dict[str, Any]
    outputs: list[Output]
    message: str | None
    replaces: list[str]
    reads: list[str]              # fact names the rule reads (for the trace)
    order: int = 0
    platforms_said: bool = False  # `platforms:` was written (a list, or `all`)

    @cached_property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    @cached_property
    def action_ids(self) -> tuple[str, ...]:
        return tuple(o.id for o in self.outputs if o.kind == "action")


@dataclass
class RuleBook:
    rules: list[Rule]
    files: list[str]
    vocab: dict[str, Any]
    profiles: dict[str, Any]
    digest: str
    by_id: dict[str, Rule] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.by_id = {r.id: r for r in self.rules}


def _fact_names(expr: str) -> list[str]:
    return [t for _s, t in sum_terms(expr) if not t.isdigit()]


def _where(node: Any, key: str | None = None) -> str:
    return located(node, key)


def load_rulebook(rules_dir: Path, vocab: dict[str, Any], profiles: dict[str, Any], known_ids: set[str],
                  templates: Templates, display_root: str = "rules", overlay: Path | None = None) -> RuleBook:
    """Read every rule file under `rules_dir/advice` (and an overlay); raise the first problem."""
    problems: list[RulesError] = []
    book = collect(rules_dir, vocab, profiles, known_ids, templates, problems, display_root, overlay)
    if problems:
        raise problems[0]
    return book


def collect(rules_dir: Path, vocab: dict[str, Any], profiles: dict[str, Any], known_ids: set[str], templates: Templates,
            problems: list[RulesError], display_root: str = "rules", overlay: Path | None = None) -> RuleBook:
    """Like `load_rulebook`, but gathers every problem into `problems` (for `rules check`).

    An overlay directory holds only the rules a user changes or adds (in `advice/` or at its top):
    a rule with a shipped id replaces that rule, `disabled: true` switches it off, a new id is added.
    """
    digest = hashlib.sha256()
    rules, files, _ = _read_rule_files(rules_dir / "advice", f"{display_root}/advice", vocab, profiles,
                                       known_ids, templates, problems, digest)
    if not files:
        problems.append(RulesError("no rule files found", where=f"{display_root}/advice",
                                   help="rule files are YAML files with a `rules:` list under rules/advice/"))
    if overlay is not None:
        folder = overlay / "advice" if (overlay / "advice").is_dir() else overlay
        label = "overlay/advice" if folder != overlay else "overlay"
        extra, more, off = _read_rule_files(folder, label, vocab, profiles, known_ids, templates, problems, digest)
        files += more
        by_id = {r.id: i for i, r in enumerate(rules)}
        for rule in extra:
            if rule.id in by_id:
                rules[by_id[rule.id]] = rule
            else:
                rules.append(rule)
        for rid, where in off:
            if rid not in by_id:
                problems.append(RulesError(f"`disabled` names no shipped rule: `{rid}`", where=where,
                                           help=did_you_mean(rid, by_id) or "use the id of a rule under rules/advice/"))
        gone = {rid for rid, _ in off}
        rules = [r for r in rules if r.id not in gone]
    for i, rule in enumerate(rules):
        rule.order = i
    return RuleBook(rules=rules, files=files, vocab=vocab, profiles=profiles, digest=digest.hexdigest()[:12])


def _read_rule_files(folder: Path, label: str, vocab: dict[str, Any], profiles: dict[str, Any], known_ids: set[str],
                     templates: Templates, problems: list[RulesError], digest: hashlib._Hash
                     ) -> tuple[list[Rule], list[str], list[tuple[str, str]]]:
    """Rules of every `*.yaml` in one folder, ids unique within it; `disabled` ids apart."""
    files = sorted(folder.glob("*.yaml")) if folder.is_dir() else []
    rules: list[Rule] = []
    off: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    shown = []
    for path in files:
        display = f"{label}/{path.name}"
        shown.append(display)
        try:
            doc = load(path, display)
        except RulesError as e:
            problems.append(e)
            continue
        digest.update(display.encode() + repr(plain(doc)).encode())
        if not isinstance(doc, dict) or not isinstance(doc.get("rules"), list):
            problems.append(RulesError("expected a mapping with a `rules:` list", where=f"{display}:1:1"))
            continue
        broken = schema_problems(doc, problems)
        if None in broken:
            continue
        for index, raw in enumerate(doc["rules"]):
            if index in broken:
                continue
            if raw.get("disabled") is True:
                off.append((str(raw.get("id")), raw.where("id")))
                continue
            try:
                rule = _rule(raw, vocab, profiles, known_ids, templates, display)
            except RulesError as e:
                problems.append(e)
                continue
            if rule.id in seen:
                problems.append(RulesError(f"duplicate rule id `{rule.id}`", where=_where(raw, "id"),
                                           help=f"it is already used at {seen[rule.id]}; rule ids are unique"))
                continue
            seen[rule.id] = f"{display}:{rule.line}"
            rules.append(rule)
    return rules, shown, off


_FIELD_HELP = {
    "source": "cite the guidance ids it encodes, e.g. `source: [W3, \"004\"]`",
    "then": "say what the rule adds: an action, flag, warning, deadline or message",
    "text": "every text is written in English and in Russian: `text: {en: ..., ru: ...}`",
}


def schema_problems(doc: Any, problems: list[RulesError]) -> set[int | str | None]:
    """Validate one rule file against schemas/rules-file-1.json; add each problem with its
    `file:line:col`. Returns the indexes of broken rules (None: the whole file is unusable)."""
    broken: set[int | str | None] = set()
    for err in validation.errors("rules-file-1", doc):
        from jsonschema.exceptions import best_match   # here: importing jsonschema costs 30 ms
        while err.validator in ("anyOf", "oneOf") and err.context:
            err = best_match(err.context)
        p = describe(err)
        node: Any = doc
        where = doc.where()
        for part in p.path:
            if isinstance(node, Located) and isinstance(part, str):
                where = node.where(part)
            elif isinstance(node, LocatedList) and isinstance(part, int):
                where = node.where(part)
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                break
        if p.key and isinstance(node, Located):
            where = node.where(p.key)
        help = p.help
        if err.validator == "required":
            help = _FIELD_HELP.get(p.message.split("`")[1], help)
        path = p.path
        label = f" in rule `{doc['rules'][path[1]].get('id')}`" if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int) \
            and isinstance(doc["rules"][path[1]], dict) else ""
        problems.append(RulesError(p.message + label, where=where, help=help))
        broken.add(path[1] if len(path) >= 2 and path[0] == "rules" else None)
    return broken


def _rule(raw: Any, vocab: dict[str, Any], profiles: dict[str, Any], known_ids: set[str], templates: Templates,
          display: str) -> Rule:
    if not isinstance(raw, Located):
        raise RulesError("a rule must be a mapping", where=located(raw, None, display))
    for key in raw:
        if key not in RULE_KEYS:
            raise RulesError(f"unknown rule field `{key}`", where=raw.where(key),
                             help=did_you_mean(key, RULE_KEYS) or one_of(RULE_KEYS))
    rid = raw.get("id")
    if not isinstance(rid, str) or not _ID.match(rid):
        raise RulesError(f"the rule id `{rid}` must be lower-case letters, digits, `-`, `_` or `.`",
                         where=raw.where("id") if "id" in raw else raw.where())
    source = raw.get("source")
    if not source or not isinstance(source, list):
        raise RulesError(f"rule `{rid}` has no `source`", where=raw.where(),
                         help="cite the guidance ids it encodes, e.g. `source: [W3, \"004\"]`")
    for s in source:
        if str(s) not in known_ids:
            raise RulesError(f"rule `{rid}` cites an unknown source `{s}`", where=raw.where("source"),
                             help=did_you_mean(str(s), known_ids) or "cite ids from guidance.md (T1, W3, ...) or seed numbers (\"000\")")
    said = raw.get("platforms")
    platforms = [] if said == "all" else [str(p) for p in said or []]
    for p in platforms:
        if p not in profiles:
            raise RulesError(f"rule `{rid}` names an unknown platform `{p}`", where=raw.where("platforms"),
                             help=did_you_mean(p, profiles) or one_of(profiles))
    when = raw.get("when") or Located()
    if not isinstance(when, dict):
        raise RulesError(f"`when` of rule `{rid}` must be a mapping of facts", where=raw.where("when"))
    reads: list[str] = []
    check_when(when, rid, vocab, profiles, reads)
    then = raw.get("then")
    if not isinstance(then, dict) or not then:
        raise RulesError(f"rule `{rid}` has no `then`", where=raw.where(),
                         help="say what the rule adds: an action, flag, warning, deadline or message")
    outputs, message, replaces = _then(then, rid, vocab, profiles, templates, reads)
    return Rule(id=rid, file=display, line=raw.line, title=str(raw.get("title", rid)),
                source=[str(s) for s in source], note=raw.get("note"), platforms=platforms,
                priority=int(raw.get("priority", 50)), when=when, outputs=outputs, message=message,
                replaces=replaces, reads=list(dict.fromkeys(reads)), platforms_said=said is not None)


# ---- outputs ---------------------------------------------------------------------------------

_OUTPUT_FIELDS = {"action": {"id", "due", "text", "unless"}, "flag": {"id", "severity", "text"},
                  "warning": {"id", "text"}, "deadline": {"id", "date"}}


def _then(then: Any, rid: str, vocab: dict[str, Any], profiles: dict[str, Any], templates: Templates,
          reads: list[str]) -> tuple[list[Output], str | None, list[str]]:
    """A rule's `then`: its outputs, its message and the actions it replaces, each checked."""
    for key in then:
        if key not in THEN_KEYS:
            raise RulesError(f"unknown output `{key}` in rule `{rid}`", where=then.where(key),
                             help=did_you_mean(key, THEN_KEYS) or one_of(THEN_KEYS))
    outputs = [_output(kind, vocab_key, then[kind], then.where(kind), rid, vocab, profiles, reads)
               for kind, vocab_key in (("action", "actions"), ("flag", "flags"), ("warning", "warnings"),
                                       ("deadline", "deadlines")) if kind in then]
    message = _message_of(then, rid, templates)
    replaces = [str(x) for x in then.get("replaces") or []]
    for r in replaces:
        if r not in vocab["actions"]:
            raise RulesError(f"`replaces` in rule `{rid}` names an unknown action `{r}`", where=then.where("replaces"),
                             help=did_you_mean(r, vocab["actions"]))
    if not outputs and message is None:
        raise RulesError(f"rule `{rid}` adds nothing", where=then.where(), help="add an action, flag, warning, deadline or message")
    return outputs, message, replaces


def _output(kind: str, vocab_key: str, spec: Any, where: str, rid: str, vocab: dict[str, Any], profiles: dict[str, Any],
            reads: list[str]) -> Output:
    """One action, flag, warning or deadline: a known id, known fields, its date and texts."""
    if isinstance(spec, str):
        spec = {"id": spec}
    if not isinstance(spec, dict) or "id" not in spec:
        raise RulesError(f"`{kind}` in rule `{rid}` needs an `id`", where=where)
    oid = str(spec["id"])
    if oid not in vocab[vocab_key]:
        raise RulesError(f"unknown {kind} id `{oid}` in rule `{rid}`", where=where,
                         help=did_you_mean(oid, vocab[vocab_key]) or f"{kind} ids are listed in rules/vocabulary.yaml")
    allowed = _OUTPUT_FIELDS[kind]
    for k in spec:
        if k not in allowed:
            raise RulesError(f"unknown field `{k}` in the {kind} of rule `{rid}`", where=where,
                             help=did_you_mean(k, allowed) or one_of(allowed))
    due = None
    date_text = spec.get("due") if kind == "action" else spec.get("date") if kind == "deadline" else None
    if kind == "deadline" and date_text is None:
        raise RulesError(f"the deadline of rule `{rid}` needs a `date`", where=where)
    if date_text is not None:
        due = _due(str(date_text), rid, profiles, where, reads)
    severity = spec.get("severity", "warn") if kind == "flag" else None
    if severity is not None and severity not in SEVERITIES:
        raise RulesError(f"unknown severity `{severity}` in rule `{rid}`", where=where, help=one_of(SEVERITIES))
    text = spec.get("text")
    if text is not None:
        if not isinstance(text, dict):
            raise RulesError(f"the text of the {kind} in rule `{rid}` must have `en` and `ru`", where=where)
        for lang in LANGS:
            if not isinstance(text.get(lang), str) or not text[lang].strip():
                raise RulesError(f"the {kind} of rule `{rid}` has no `{lang}` text", where=where,
                                 help="every text is written in English and in Russian")
    if kind == "action" and text is None:
        raise RulesError(f"the action of rule `{rid}` has no text", where=where,
                         help="add `text: {en: ..., ru: ...}` saying what to do and why")
    unless = tuple(str(u) for u in spec.get("unless") or ())
    for u in unless:
        if u not in vocab["actions"]:
            raise RulesError(f"`unless` in rule `{rid}` names an unknown action `{u}`", where=where,
                             help=did_you_mean(u, vocab["actions"]) or "action ids are listed in rules/vocabulary.yaml")
    text_where = {lang: text.location(lang) for lang in text} if isinstance(text, Located) else None
    return Output(kind=kind, id=oid, due=due, text=dict(text) if text else None, severity=severity, unless=unless,
                  text_where=text_where)


def _message_of(then: Located, rid: str, templates: Templates) -> str | None:
    """The rule's message: a template that exists in every language."""
    message = then.get("message")
    if message is None:
        return None
    message = str(message)
    langs = templates.get(message) if isinstance(templates, dict) else (set(LANGS) if message in templates else None)
    if not langs:
        raise RulesError(f"unknown message template `{message}` in rule `{rid}`", where=then.where("message"),
                         help=did_you_mean(message, templates) or "templates live in templates/en and templates/ru as KIND/PURPOSE.j2")
    for lang in sorted(set(LANGS) - set(langs)):
        raise RulesError(f"the message `{message}` of rule `{rid}` has no {LANG_NAMES[lang]} template",
                         where=then.where("message"), help=f"add templates/{lang}/{message}.j2")
    return message


def _due(text: str, rid: str, profiles: dict[str, Any], where: str, reads: list[str]) -> DateExpr:
    try:
        expr = parse_due(text)
    except ValueError as e:
        shown = text if len(text) <= 80 else text[:60] + "…"
        raise RulesError(f"cannot read the date `{shown}` in rule `{rid}`: {e}", where=where,
                         help="write e.g. `track_issued + 10d`, `protection_ends - 5d` or `latest(today, paid + 30d)`")
    for name in expr.day_names():
        if name.startswith("profile."):
            profile_value(name, profiles, where)
        else:
            reads.append(name)
    return expr
