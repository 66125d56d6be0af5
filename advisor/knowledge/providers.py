"""Trackers' and posts' own status codes (`rules/providers/*.yaml`), read as stages.

An event may carry `{provider, code}` instead of (or beside) a status text. Each provider file
maps its codes to a stage, to a pair of stages for an operation both ends of the route record,
or to `no_stage` with a reason (lost, seized, ...) when no stage says what happened. This
module loads and checks the files and looks codes up; which stage a code means is data.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from advisor.base.errors import RulesError, did_you_mean, one_of
from advisor.base.i18n import LANGS
from advisor.knowledge.stages import phrase_key
from advisor.base.memo import Memo
from advisor.base.yamlfile import Located, load



@dataclass(frozen=True)
class Reading:
    name: str                          # the provider's own words for the code
    stage: str | None = None           # a stage id, or None
    before: str | None = None          # for an operation both ends record: the stage at the origin end
    after: str | None = None           # ... and at the destination end
    no_stage: str | None = None        # lost, seized, ...: no stage says it
    keeps_stage: bool = False          # known, but says nothing of where the parcel is ("carrier update")
    ru: str | None = None              # the name in Russian, where the provider's own is not

    def stage_at(self, destination_side: bool) -> str | None:
        return self.stage or (self.after if destination_side else self.before)


class Providers:
    """Two shapes of table: `types:` (numbered operations with numbered attributes, as Russian
    Post's API gives them: code `TYPE` or `TYPE.ATTR`) and `codes:` (named codes, as Cainiao's
    action codes). Every name a provider prints is also a text: a status that *is* one of them
    (`Вручение отправителю`, `Обработка. Прибыло в почтомат`, `自提点签收`), or one of the `texts`
    its page prints for the code, reads through the same table as the code. A phrase of
    stages.yaml that is the whole line still wins (the editors' decision, e.g. a line both ends
    print); a phrase found inside a longer line does not."""

    def __init__(self, rules_dir: Path, stages: set[str], problems: list[str]):
        """`problems`: what a code without a stage may say (`post_problems` in vocabulary.yaml)."""
        self.codes: dict[str, dict[str, Reading]] = {}
        self.reporters: dict[str, dict[str, Any]] = {}       # provider -> who "reports" its codes, {en, ru}
        self.problems = tuple(problems)
        self._texts: dict[str, Reading | None] = {}     # normalised printed name -> reading (None: ambiguous)
        self._memo: Memo[Reading | None] = Memo(4096)
        folder = rules_dir / "providers"
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            display = f"rules/providers/{path.name}"
            doc = load(path, display)
            self._read(doc, display, stages)
        self.texts = {k: v for k, v in self._texts.items() if v is not None}

    @property
    def names(self) -> list[str]:
        return sorted(self.codes)

    def lookup(self, provider: str, code: str) -> Reading | None:
        return self.codes.get(provider, {}).get(str(code).strip())

    def for_text(self, status: str) -> Reading | None:
        """The reading of a status that is exactly one of the names the providers print."""
        try:
            return self._memo.young[status]       # a hit without a call: one read an event
        except KeyError:
            return self._memo.get(status, lambda: self.texts.get(phrase_key(status)))

    def _text(self, reading: Reading, *names: str) -> None:
        for name in names:
            key = phrase_key(name)
            if key.strip():
                known = self._texts.get(key, reading)
                self._texts[key] = reading if known is not None and _same(known, reading) else None

    def _read(self, doc: Located, display: str, stages: set[str]) -> None:
        if not isinstance(doc, dict) or not isinstance(doc.get("provider"), str) or \
                not (isinstance(doc.get("types"), dict) or isinstance(doc.get("codes"), dict)):
            raise RulesError("a provider file needs `provider:` (its id) and `types:` or `codes:`", where=f"{display}:1:1")
        provider = doc["provider"]
        if provider in self.codes:
            raise RulesError(f"the provider `{provider}` is described twice", where=doc.where("provider"))
        table: dict[str, Reading] = {}
        reporter = doc.get("reported_by")
        if reporter is not None:
            if not (isinstance(reporter, dict) and all(isinstance(reporter.get(k), str) for k in LANGS)):
                raise RulesError("`reported_by` needs " + " and ".join(f"`{lang}`" for lang in LANGS)
                                 + ": who reports these codes to the buyer",
                                 where=doc.where("reported_by"))
            self.reporters[provider] = {lang: reporter[lang] for lang in LANGS}
        # a tracker's descriptions of its codes are not lines a carrier prints (`read_names_as_texts: false`)
        text = self._text if doc.get("read_names_as_texts", True) is not False else (lambda *_: None)
        for code, spec in (doc.get("codes") or {}).items():
            where = doc["codes"].where(code)
            if not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
                raise RulesError(f"code `{code}` needs a `name`", where=where)
            reading = self._reading(spec, spec["name"], None, where, stages, self.problems)
            if spec.get("ru"):
                reading = replace(reading, ru=str(spec["ru"]))
            table[str(code)] = reading
            text(reading, spec["name"], str(spec.get("zh") or ""), *[str(t) for t in spec.get("texts") or []])
        for type_code, spec in (doc.get("types") or {}).items():
            where = doc["types"].where(type_code)
            if not str(type_code).isdigit() or not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
                raise RulesError(f"operation `{type_code}` needs a number as its key and a `name`", where=where)
            base = self._reading(spec, spec["name"], None, where, stages, self.problems)
            table[str(type_code)] = base
            texts = [str(t) for t in spec.get("texts") or []]
            text(base, spec["name"], *texts, *[f"{spec['name']} {t}" for t in texts])
            for attr, value in (spec.get("attributes") or {}).items():
                awhere = spec["attributes"].where(attr) if hasattr(spec["attributes"], "where") else where
                if not str(attr).isdigit():
                    raise RulesError(f"attribute `{attr}` of operation `{type_code}` is not a number", where=awhere)
                if isinstance(value, str):      # a reason within the operation: "Прием: Единичный"
                    reading = Reading(f"{spec['name']}: {value}", base.stage, base.before, base.after,
                                      base.no_stage, base.keeps_stage)
                    text(reading, f"{spec['name']} {value}")
                elif isinstance(value, dict) and isinstance(value.get("name"), str):
                    reading = self._reading(value, value["name"], base, awhere, stages, self.problems)
                    # `alone: false`: a name that alone means something else (a carrier's "Доставлено")
                    alone = [value["name"]] if value.get("alone", True) is not False else []
                    text(reading, *alone, f"{spec['name']} {value['name']}",
                               *[str(t) for t in value.get("texts") or []])
                else:
                    raise RulesError(f"attribute `{attr}` of operation `{type_code}` needs a name", where=awhere)
                table[f"{type_code}.{attr}"] = reading
        self.codes[provider] = table

    @staticmethod
    def _reading(spec: dict[str, Any], name: str, inherit: Reading | None, where: str, stages: set[str],
                 problems: tuple[str, ...]) -> Reading:
        given = [k for k in ("stage", "no_stage", "keeps_stage") if k in spec]
        if len(given) > 1:
            raise RulesError(f"`{name}` has both a `{given[0]}` and a `{given[1]}`", where=where, help="keep one of them")
        if spec.get("keeps_stage") is True:
            return Reading(name, keeps_stage=True)
        if "keeps_stage" in spec:
            raise RulesError(f"`keeps_stage` of `{name}` must be `true`", where=where,
                             help="leave it out, or give a `stage` or a `no_stage`")
        if "no_stage" in spec:
            reason = spec["no_stage"]
            if reason not in problems:
                raise RulesError(f"unknown `no_stage` reason `{reason}`", where=where,
                                 help=did_you_mean(str(reason), problems) or "reasons are `post_problems` in rules/vocabulary.yaml")
            return Reading(name, no_stage=reason)
        stage = spec.get("stage")
        if stage is None:
            if inherit is None:
                raise RulesError(f"`{name}` needs a `stage`, a `no_stage` or `keeps_stage: true`", where=where)
            return Reading(name, inherit.stage, inherit.before, inherit.after, inherit.no_stage, inherit.keeps_stage)
        if isinstance(stage, dict):
            before, after = stage.get("before_export"), stage.get("after_export")
            for s in (before, after):
                if s not in stages:
                    raise RulesError(f"unknown stage id `{s}` for `{name}`", where=where, help=did_you_mean(str(s), stages))
            return Reading(name, before=before, after=after)
        if stage not in stages:
            raise RulesError(f"unknown stage id `{stage}` for `{name}`", where=where,
                             help=did_you_mean(str(stage), stages) or one_of(stages))
        return Reading(name, stage=stage)


def _same(a: Reading, b: Reading) -> bool:
    """Two names that read alike (a text printed by two codes): the same only if they mean the same."""
    return (a.stage, a.before, a.after, a.no_stage, a.keeps_stage) == (b.stage, b.before, b.after, b.no_stage, b.keeps_stage)
