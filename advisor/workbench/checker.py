"""`advise rules check`: every problem in a rules directory and its templates, each at `file:line:col`.

Loading an Advisor stops at the first problem; a rule editor wants them all at once, so this
module runs the same loaders step by step and keeps going wherever the rest still makes sense.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from typing import TYPE_CHECKING, Any, Callable, TypeVar

from jinja2 import TemplateSyntaxError, meta

from advisor.base.errors import AdvisorError, RulesError, did_you_mean
from advisor.base.i18n import DEFAULT, LANGS
from advisor.text.render import LANG_NAMES, make_env, message_langs
from advisor.base.yamlfile import located

if TYPE_CHECKING:
    from advisor.api import Advisor
    from advisor.knowledge.rulebook import RuleBook

T = TypeVar("T")


@dataclass
class CheckReport:
    problems: list[AdvisorError] = field(default_factory=list)
    counts: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems


# a check of what the interfaces make from the rules (the page, the calendar), given by them:
# the workbench sits below the interfaces and does not import them
Extra = Callable[["Advisor", Path, Callable[[AdvisorError], None]], None]


def check(rules_dir: Path, templates_dir: Path, overlay: Path | None = None, extra: tuple[Extra, ...] = ()) -> CheckReport:
    from advisor.workbench.cases import load_cases
    from advisor.knowledge.files import guidance_ids_of, load_partial, profiles_of
    from advisor.knowledge.rulebook import collect

    report = CheckReport()
    add = report.problems.append

    def step(fn: Callable[..., T], *a: Any, **kw: Any) -> T | None:
        try:
            return fn(*a, **kw)
        except AdvisorError as e:
            add(e)
            return None

    k = load_partial(rules_dir, on_error=add)
    vocab, platforms, guidance = k.vocab, k.platforms, k.guidance
    langs = message_langs(templates_dir)
    report.counts["templates"] = _check_templates(templates_dir, add)
    if vocab is not None:
        _check_message_titles(vocab, langs, add)
    if vocab is None or platforms is None or guidance is None:
        return report
    profiles = profiles_of(platforms)
    known, _seeds = guidance_ids_of(guidance)
    problems: list[RulesError] = []
    book = collect(rules_dir, vocab, profiles, known, langs, problems, overlay=overlay)
    report.problems += problems
    from advisor.api import check_message_requirements, load_safety
    report.problems += check_message_requirements(vocab, profiles)
    from advisor.text.render import message_names
    safety = step(load_safety, rules_dir, vocab, message_names(templates_dir))
    if safety is not None:
        report.problems += safety.rule_problems(book.rules, profiles)
    report.counts["rule files"] = len(book.files)
    report.counts["rules"] = len(book.rules)
    cases = step(load_cases, rules_dir) or []
    if overlay is not None:
        cases += step(load_cases, overlay) or []
    report.counts["cases"] = len(cases)
    if report.ok:
        _check_variables(rules_dir, templates_dir, overlay, book, add, extra)
    return report


def _check_templates(templates_dir: Path, add: Callable[[AdvisorError], None]) -> int:
    """Every template compiles, and every message exists in both languages."""
    count = 0
    for lang in LANGS:
        env = make_env(lang, templates_dir)
        for path in sorted((templates_dir / lang).rglob("*.j2")) if (templates_dir / lang).is_dir() else []:
            count += 1
            name = path.relative_to(templates_dir).as_posix()
            try:
                env.parse(path.read_text(encoding="utf-8"))
            except TemplateSyntaxError as e:
                add(RulesError(f"template syntax: {e.message}", where=f"templates/{name}:{e.lineno}:1"))
            except UnicodeDecodeError:
                add(RulesError("the template is not UTF-8", where=f"templates/{name}"))
    for name, have in sorted(message_langs(templates_dir).items()):
        for lang in sorted(set(LANGS) - have):
            other = sorted(have)[0]
            add(RulesError(f"the message `{name}` has no {LANG_NAMES[lang]} template",
                           where=f"templates/{other}/{name}.j2:1:1", help=f"add templates/{lang}/{name}.j2"))
    return count


def _check_message_titles(vocab: dict[str, Any], langs: dict[str, Any], add: Callable[[AdvisorError], None]) -> None:
    """Every message template has a title in both languages under `messages:` in vocabulary.yaml."""
    titles = vocab.get("messages") or {}
    for name in sorted(langs):
        title = titles.get(name)
        for lang in LANGS:
            if not isinstance(title, dict) or not str(title.get(lang) or "").strip():
                where = located(titles, name, "rules/vocabulary.yaml")
                add(RulesError(f"the message `{name}` has no {LANG_NAMES[lang]} title", where=where,
                               help=f"add `{name}: {{en: ..., ru: ...}}` under `messages:`"))
                break


def _check_variables(rules_dir: Path, templates_dir: Path, overlay: Path | None, book: RuleBook,
                     add: Callable[[AdvisorError], None], extra: tuple[Extra, ...] = ()) -> None:
    """Variables a message template or rule text names must be ones the facts provide."""
    from advisor.api import Advisor
    try:
        advisor = Advisor(rules=rules_dir, templates=templates_dir, overlay=overlay)
        advisor.compiled.compile_all()      # every platform's rulesets: the engine's refusals said here
    except AdvisorError as e:
        add(e)
        return
    sample = advisor.prepare(SAMPLE, dt.date(2026, 1, 1)).context
    env = make_env(DEFAULT, templates_dir)
    known = set(sample) | {"due", "rule_id"} | set(env.globals)

    def names(source: str) -> set[str]:
        try:
            return meta.find_undeclared_variables(env.parse(source))
        except TemplateSyntaxError:
            return set()

    for name in sorted(advisor.messages):
        for lang in LANGS:
            path = templates_dir / lang / f"{name}.j2"
            for var in sorted(names(path.read_text(encoding="utf-8")) - known):
                add(RulesError(f"the template uses `{var}`, which no facts provide", where=f"templates/{lang}/{name}.j2:{_line_of(path, var)}:1",
                               help=did_you_mean(var, known) or "see the variables listed in docs/rules.md"))
    for rule in book.rules:
        for out in rule.outputs:
            for lang, text in (out.text or {}).items():
                for var in sorted(names(text) - known):
                    add(RulesError(f"the {out.kind} text ({lang}) of rule `{rule.id}` uses `{var}`, which no facts provide",
                                   where=f"{rule.file}:{rule.line}:5", help=did_you_mean(var, known)))
    _render_all(advisor, book, templates_dir, sample, add)
    for more in extra:
        more(advisor, templates_dir, add)


def _every_language(node: Any, where: str, add: Callable[[AdvisorError], None]) -> None:
    """A text (a mapping with a language key) has every language, each a non-empty string."""
    if isinstance(node, dict):
        if any(lang in node for lang in LANGS):
            for lang in LANGS:
                if not isinstance(node.get(lang), str) or not node[lang].strip():
                    at = located(node, None, where)
                    add(RulesError(f"a text has no {LANG_NAMES[lang]}", where=at, help=f"add `{lang}: ...` beside the others"))
            return
        for value in node.values():
            _every_language(value, where, add)
    elif isinstance(node, list):
        for value in node:
            _every_language(value, where, add)


# the parcel every text and template is rendered for by `rules check`, under the render budget
SAMPLE: dict[str, Any] = {"track": "RK190321410CN", "order": {"track_issued": "2025-12-10", "paid": "2025-12-08",
                                                               "protection_ends": "2026-02-20",
                                                               "destination": {"country": "RU"}},
                          "events": [{"date": "2025-12-15", "status": "Приём"}]}


def _render_all(advisor: Advisor, book: RuleBook, templates_dir: Path, context: dict[str, Any],
                add: Callable[[AdvisorError], None]) -> None:
    """Render every rule text and message template once, under the same budget as advice: a
    text that loops, recurses or builds past the bounds fails here, at its `file:line`, not in
    a server. Errors that depend on the facts (a value this sample lacks) are not reported."""
    from advisor.text.sandbox import BudgetError
    renderer, extra = advisor.renderer, {"due": dt.date(2026, 1, 5), "rule_id": "sample"}
    for rule in book.rules:
        for out in rule.outputs:
            for lang, text in (out.text or {}).items():
                try:
                    renderer.inline(text, lang, context, out.where_of(lang, f"{rule.file}:{rule.line}:5"), extra=extra)
                except BudgetError as e:
                    add(e)
                except AdvisorError:
                    pass
    for name in sorted(advisor.messages):
        for lang in LANGS:
            try:
                renderer.file(f"{name}.j2", lang, dict(context, rule_id="sample"))
            except BudgetError as e:
                add(RulesError(e.message, where=f"templates/{lang}/{name}.j2:{e.line or 1}:1"))
            except AdvisorError:
                pass


def _line_of(path: Path, word: str) -> int:
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if word in line:
            return n
    return 1
