"""The embedding API: `Advisor` loads and compiles a rules directory once; `advise()` runs one
parcel through facts -> derived facts -> engine -> advice. Safe to share between threads.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from advisor.advice.build import Advice, Inputs, build, template_context
from advisor.base.dates import real_today
from advisor.engine.derive import Derived, derive
from advisor.base.errors import FactsError, RulesError, did_you_mean, one_of
from advisor.base.sentences import fill
from advisor.base.i18n import DEFAULT
from advisor.reading.facts import Facts, build_facts
from advisor.text.render import LANGS, Renderer, message_langs, message_names
from advisor.advice.safety import Safety
from advisor.base.resources import rules_dir as default_rules_dir, templates_dir as default_templates_dir
from advisor.reading.trackcode import analyse, read_code
from advisor.version import __version__
from advisor.knowledge.files import load_knowledge, lookup
from advisor.base.yamlfile import load, located

if TYPE_CHECKING:
    from advisor.reading.adapters import Adapters
    from advisor.text.calendarfile import CalendarTexts


def check_dirs(**dirs: Path | None) -> None:
    """Each given directory exists; named by its command-line option (`rules_overlay` -> `--rules-overlay`)."""
    for option, d in dirs.items():
        if d is not None and not Path(d).is_dir():
            raise RulesError(f"the directory `{d}` does not exist", where="--" + option.replace("_", "-"))


def message_requirements(vocab: dict[str, Any], profiles: dict[str, Any]) -> dict[str, dict[str, list[Any]]]:
    """Per platform, each message's `requires` (vocabulary.yaml) compiled like a rule's `when`;
    checked by `rules check` (`check_message_requirements`)."""
    from advisor.engine.compiler import compile_map
    out: dict[str, dict[str, list[Any]]] = {}
    for platform, profile in profiles.items():
        out[platform] = {}
        for name, meta in (vocab.get("messages") or {}).items():
            when = meta.get("requires") if isinstance(meta, dict) else None
            if when:
                out[platform][name] = compile_map(when, profile) or []
    return out


def check_message_requirements(vocab: dict[str, Any], profiles: dict[str, Any]) -> list[RulesError]:
    """Each `requires` names known facts with values of their type, as a rule's `when` must."""
    from advisor.knowledge.whencheck import check_when
    problems = []
    for name, meta in (vocab.get("messages") or {}).items():
        when = meta.get("requires") if isinstance(meta, dict) else None
        if when is None:
            continue
        if not isinstance(when, dict):
            problems.append(RulesError(f"`requires` of the message `{name}` must be a mapping of conditions",
                                       where=located(meta, "requires", "rules/vocabulary.yaml")))
            continue
        try:
            check_when(when, f"message {name}", vocab, profiles, [])
        except RulesError as e:
            problems.append(e)
    return problems


def load_safety(rules_dir: Path, vocab: dict[str, Any], messages: set[str]) -> Safety:
    """The plan's guarantees of a rules directory (`safety.yaml`)."""
    return Safety(lookup(rules_dir / "safety.yaml", "rules/safety.yaml", "invariants"), vocab, messages)


def content_digest(*folders: Path | None) -> str:
    """A digest over every file that changes the advice (rules, overlay, platforms, formats,
    posts, templates) and the package version: what `/healthz` reports, so a fleet can tell
    which servers give the same advice."""
    import hashlib
    h = hashlib.sha256(__version__.encode())
    for folder in folders:
        if folder is None or not Path(folder).is_dir():
            continue
        for path in sorted(Path(folder).rglob("*")):
            if path.suffix in (".yaml", ".yml", ".j2") and path.is_file():
                h.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()[:16]


class Advisor:
    """One compiled rule set. `Advisor(rules=DIR)` uses another rules directory; `overlay=DIR`
    adds or replaces rules by id on top of it (see docs/rules.md)."""

    def __init__(self, rules: str | Path | None = None, templates: str | Path | None = None,
                 overlay: str | Path | None = None):
        from advisor.engine.engine import compiled_rules
        from advisor.knowledge.rulebook import load_rulebook
        self.rules_dir = Path(rules) if rules else default_rules_dir()
        self.templates_dir = Path(templates) if templates else default_templates_dir()
        self.overlay_dir = Path(overlay) if overlay else None
        check_dirs(rules=self.rules_dir, templates=self.templates_dir, rules_overlay=self.overlay_dir)
        r = self.rules_dir
        k = self.knowledge = load_knowledge(r)
        vocab = self.vocab = k.vocab
        self._deadline_labels = {lang: {key: v[lang] for key, v in vocab["deadlines"].items()} for lang in LANGS}
        self.formats = k.formats
        self.profiles = k.profiles
        self._platforms = frozenset(self.profiles)
        self._public_profiles = {name: {key: v for key, v in p.items() if not key.startswith("_")}
                                 for name, p in self.profiles.items()}
        self.default_platform = k.default_platform
        # the universal trackers (posts.yaml) each platform's buyers are pointed to, built once
        self._universal = {name: [{key: v for key, v in u.items() if key != "platforms"} for u in self.formats.universal
                                  if not u.get("platforms") or name in u["platforms"]] for name in self.profiles}
        self.guidance_ids, self.seed_ids = k.guidance_ids, k.seed_ids
        self.stages, self.places, self.providers, self.seasons = k.stages, k.places, k.providers, k.seasons
        self.renderer = Renderer(self.templates_dir, vocab.get("relative_days"), vocab.get("carrier_names"))
        for name, public in self._public_profiles.items():
            self.renderer.constant(public, f"profile:{name}")
        self.messages = message_names(self.templates_dir)
        self.book = load_rulebook(r, vocab, self.profiles, set(self.guidance_ids), message_langs(self.templates_dir),
                                  overlay=self.overlay_dir)
        self.safety = load_safety(r, vocab, self.messages)
        for problem in self.safety.rule_problems(self.book.rules, self.profiles):
            raise problem
        self.compiled = compiled_rules(self.book)
        self.digest = content_digest(self.rules_dir, self.overlay_dir, self.templates_dir)
        self.message_requires = message_requirements(vocab, self.profiles)
        self.calendar = self._calendar_texts()
        self._adapters: Adapters | None = None
        # a tracker of the rules (kept, so its id stays its own) -> it without `track_url`, its link
        self._tracker_shapes: dict[int, tuple[dict[str, Any], dict[str, Any], str]] = {}

    def _calendar_texts(self) -> CalendarTexts:
        from advisor.text.calendarfile import CalendarTexts
        path = self.templates_dir / "calendar.yaml"
        texts = load(path, "templates/calendar.yaml") if path.is_file() else {}
        return CalendarTexts(texts, self.vocab, self.profiles,
                             lambda text, lang, where, values: self.renderer.inline(text, lang, {}, where, extra=values))

    # -- the pipeline
    def facts(self, doc: dict[str, Any] | Facts, today: dt.date | None = None) -> Facts:
        if isinstance(doc, Facts):
            return doc
        return build_facts(doc, today=today or real_today(), platforms=self._platforms,
                           default_platform=self.default_platform, providers=self.providers.names)

    def track(self, code: str, platform: str | None = None, shipping: str | None = None) -> dict[str, Any]:
        """The code analysis alone (what `GET /v1/track/{code}` and `advise CODE` show first);
        `shipping`, the order's shipping method, decides between readings of one shape."""
        result = analyse(code, self.formats, platform or self.default_platform, shipping)
        result["trackers"] = [_opening(t, result["code"]) for t in result["trackers"]]
        return result

    def advise(self, facts: dict[str, Any] | Facts, *, today: dt.date | None = None, lang: str = DEFAULT,
               messages: bool = True, extra: dict[str, Any] | None = None) -> Advice:
        if lang not in LANGS:
            raise FactsError(f"unknown language `{lang}`", where="lang", help=_lang_help())
        p = self.prepare(facts, today)
        fired = self.compiled.evaluate(p.facts.platform, p.derived.engine)
        profile = self.profiles[p.facts.platform]
        d = p.derived
        plan = self.safety.plan(d.engine, d.dates, p.facts.today, profile)

        def guard(advice: Advice) -> None:
            self.safety.enforce(advice, d.engine, d.dates, profile,
                                lambda text, values: self.renderer.inline(text[lang], lang, p.context,
                                                                          "rules/safety.yaml", extra=values),
                                self._deadline_labels[lang])

        advice = build(Inputs(p.facts, d, p.track, fired, p.context, lang, messages, extra, plan,
                              self.message_requires[p.facts.platform], guard=guard,
                              missing=self._missing(p.facts, lang),
                              describe=lambda advice: self._describe(advice, d.engine, p.context, lang)),
                       self.book, self.renderer)
        advice.calendar = self.calendar
        return advice

    @property
    def adapters(self) -> Adapters:
        """The trackers' payload adapters (`rules/adapters/`), read on first use."""
        if self._adapters is None:
            from advisor.reading.adapters import Adapters
            self._adapters = Adapters(self.rules_dir, set(self.providers.names))
        return self._adapters

    def advise_payload(self, payload: Any, *, provider: str = "auto", order: dict[str, Any] | None = None,
                       facts: dict[str, Any] | None = None, today: dt.date | None = None, lang: str = DEFAULT,
                       messages: bool = True) -> Advice:
        """Advice from a tracker's payload as the tracker sends it (a dict, or JSON or XML text):
        `provider` names its adapter (`rules/adapters/`) or is `auto`; `order` is the order's
        own facts (dates, destination), `facts` any other facts (platform, seller, dispute)."""
        from advisor.reading.adapters import payload_facts
        reading = self.adapters.read(payload, provider)
        doc = payload_facts(reading, order, facts)
        return self.advise(doc, today=today, lang=lang, messages=messages,
                           extra={"payload": {"provider": reading.provider, "form": reading.form,
                                              "recognised": reading.recognised, "events": len(doc.get("events") or [])}})

    def _describe(self, advice: Advice, engine: dict[str, Any], context: dict[str, Any], lang: str) -> None:
        """Each note and each change to the code gets its text in the advice's language
        (`notes:` and `changes:` in vocabulary.yaml); the English `detail` stays for programs."""
        titles = self.vocab.get("messages") or {}
        for key, items in (("notes", advice.notes), ("changes", (advice.track or {}).get("changes") or [])):
            texts = self.vocab.get(key) or {}
            for item in items:
                text = (texts.get(item["kind"]) or {}).get(lang)
                if text is None:
                    continue
                values = dict(item, has_code=engine.get("has_code"),
                              title=((titles.get(item.get("message")) or {}).get(lang) if item.get("message") else None))
                values["from"] = item.get("from")
                if item.get("reading"):         # a stage id the note names, as the stage's label
                    values["reading_label"] = self.vocab["stages"][item["reading"]][lang]
                item["text"] = self.renderer.inline(text, lang, context, f"rules/vocabulary.yaml ({key}: {item['kind']})",
                                                    extra=values)

    def render_message(self, name: str, facts: dict[str, Any] | Facts, *, today: dt.date | None = None,
                       lang: str = DEFAULT) -> str:
        """One message template (`seller/not_tracked`) filled from these facts, whether or not a
        rule asks for it: for support tools and for checking templates against every case."""
        if name not in self.messages:
            raise FactsError(f"unknown message `{name}`", where="message",
                             help=did_you_mean(name, self.messages) or one_of(self.messages))
        if lang not in LANGS:
            raise FactsError(f"unknown language `{lang}`", where="lang", help=_lang_help())
        p = self.prepare(facts, today)
        return self.renderer.file(f"{name}.j2", lang, dict(p.context, rule_id=None))

    def warm(self) -> "Advisor":
        """Load now what the first parcel would (the status reading's terms and dictionaries)."""
        if self.stages is not None and self.stages.reader is not None:
            self.stages.reader.warm()
        return self

    def prepare(self, facts: dict[str, Any] | Facts, today: dt.date | None = None) -> "Prepared":
        """Facts -> code analysis -> derived facts -> template context: everything before the
        engine, for `--why-not`, `rules check` and the workbench as for `advise`."""
        f = self.facts(facts, today)
        dest = f.order.destination.country if f.order.destination else None
        code = (read_code(f.track, self.formats, f.platform, f.order.shipping_method, dest, f.order.carrier, f.events)
                if f.track is not None else None)
        track_full = code.result if code else None
        top = code.top if code else None
        derived = derive(f, track_full, self.knowledge, alternatives=code.alternatives if code else ())
        public = None
        if track_full:
            public = dict(track_full)
            del public["trackers"]          # put back last, after the names
            public["name"] = (top or {}).get("name")
            public["service_name"] = (top or {}).get("service_name")
            public["note"] = (top or {}).get("note")
            public["trackers"] = self._trackers(track_full["trackers"], f, track_full["code"])
        context = template_context(f, derived, public, self._public_profiles[f.platform], self.formats.post_of)
        return Prepared(f, track_full, public, derived, context)

    _prepare = prepare      # the name older releases had (bench/sidebyside.py probes them too)

    def _trackers(self, own: list[dict[str, Any]], f: Facts, code: str) -> list[dict[str, Any]]:
        """Where to check the code: the format's own trackers (the origin post), the destination
        post when the destination is known, then the universal ones for this platform (posts.yaml);
        each tracker once."""
        out = list(own)
        dest = self.formats.post_of(f.order.destination.country if f.order.destination else None)
        if dest and dest not in out:
            out.append(dest)
        listed: list[dict[str, Any]] = []   # a tracker once, though the format and the platform both name it (Cainiao)
        names: list[Any] = []
        for t in out + self._universal[f.platform]:
            name = t.get("name")
            if name not in names:       # `!=` to each listed name, as before: a name is text or None
                names.append(name)
                listed.append(t)
        quoted = quote(code, safe="")
        shapes = self._tracker_shapes
        out = []
        for t in listed:
            shape = shapes.get(id(t))
            if shape is None or shape[0] is not t:
                shape = (t, {k: v for k, v in t.items() if k != "track_url"}, t.get("track_url") or t.get("url") or "")
                if len(shapes) < 512:        # the rules' trackers: a few dozen
                    shapes[id(t)] = shape
            opened = dict(shape[1])
            if "{code}" in shape[2]:        # as `_opening`
                opened["url"] = fill(shape[2], code=quoted)
            out.append(opened)
        return out

    def _missing(self, f: Facts, lang: str) -> list[dict[str, Any]]:
        present = {
            "order.track_issued": f.order.track_issued, "order.protection_ends": f.order.protection_ends,
            "order.paid": f.order.paid, "order.destination": f.order.destination, "events": f.events,
        }
        return [{"field": s["field"], "option": s["option"], "text": s[lang]}
                for s in self.vocab.get("sharpen") or [] if not present.get(s["field"])]


@dataclass
class Prepared:
    """One parcel before the engine: its facts, the code's analysis (`track_full`; `track` as the
    advice shows it), the derived facts and the templates' context."""

    facts: Facts
    track_full: dict[str, Any] | None
    track: dict[str, Any] | None
    derived: Derived
    context: dict[str, Any]


_DEFAULT: Advisor | None = None


def default_advisor() -> Advisor:
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Advisor()
    return _DEFAULT


def advisor_for(rules: str | Path | None = None, templates: str | Path | None = None,
                overlay: str | Path | None = None) -> Advisor:
    """The Advisor every interface uses for its options: the process's shared default when no
    directory is given (compiled once), else one for those directories."""
    if rules or templates or overlay:
        return Advisor(rules=rules, templates=templates, overlay=overlay)
    return default_advisor()


def advise(facts: dict[str, Any] | Facts, *, today: dt.date | None = None, lang: str = DEFAULT,
           messages: bool = True, extra: dict[str, Any] | None = None) -> Advice:
    """Advice with the shipped rules (compiled on first use); the arguments are `Advisor.advise`'s."""
    return default_advisor().advise(facts, today=today, lang=lang, messages=messages, extra=extra)


def _lang_help() -> str:
    return "use " + " or ".join(f"`{lang}`" for lang in LANGS)


def _opening(tracker: dict[str, Any], code: str) -> dict[str, Any]:
    """A tracker as the advice gives it: its `url` opens this code where the tracker has such a
    link (`track_url` in posts.yaml, `{code}` in a format's tracker), else its page."""
    link = tracker.get("track_url") or tracker.get("url") or ""
    out = {k: v for k, v in tracker.items() if k != "track_url"}
    if "{code}" in link:
        out["url"] = fill(link, code=quote(code, safe=""))
    return out
