"""Trackers' and posts' own status codes (`rules/providers/*.yaml`), read as stages.

An event may carry `{provider, code}` instead of (or beside) a status text. Each provider file
maps its codes to a stage, to a pair of stages for an operation both ends of the route record,
or to `no_stage` with a reason (lost, seized, ...) when no stage says what happened. This
module loads and checks the files and looks codes up; which stage a code means is data.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import RulesError, did_you_mean, one_of
from .yamlfile import load



@dataclass(frozen=True)
class Reading:
    name: str                          # the provider's own words for the code
    stage: str | None = None           # a stage id, or None
    before: str | None = None          # for an operation both ends record: the stage at the origin end
    after: str | None = None           # ... and at the destination end
    no_stage: str | None = None        # lost, seized, ...: no stage says it


class Providers:
    def __init__(self, rules_dir: Path, stages: set[str], problems: list[str]):
        """`problems`: what a code without a stage may say (`post_problems` in vocabulary.yaml)."""
        self.codes: dict[str, dict[str, Reading]] = {}
        self.problems = tuple(problems)
        folder = rules_dir / "providers"
        for path in sorted(folder.glob("*.yaml")) if folder.is_dir() else []:
            display = f"rules/providers/{path.name}"
            doc = load(path, display)
            self._read(doc, display, stages)

    @property
    def names(self) -> list[str]:
        return sorted(self.codes)

    def lookup(self, provider: str, code: str) -> Reading | None:
        return self.codes.get(provider, {}).get(str(code).strip())

    def _read(self, doc, display: str, stages: set[str]) -> None:
        if not isinstance(doc, dict) or not isinstance(doc.get("provider"), str) or not isinstance(doc.get("types"), dict):
            raise RulesError("a provider file needs `provider:` (its id) and `types:`", where=f"{display}:1:1")
        provider = doc["provider"]
        if provider in self.codes:
            raise RulesError(f"the provider `{provider}` is described twice", where=doc.where("provider"))
        table: dict[str, Reading] = {}
        for type_code, spec in doc["types"].items():
            where = doc["types"].where(type_code)
            if not str(type_code).isdigit() or not isinstance(spec, dict) or not isinstance(spec.get("name"), str):
                raise RulesError(f"operation `{type_code}` needs a number as its key and a `name`", where=where)
            base = self._reading(spec, spec["name"], None, where, stages, self.problems)
            table[str(type_code)] = base
            for attr, value in (spec.get("attributes") or {}).items():
                awhere = spec["attributes"].where(attr) if hasattr(spec["attributes"], "where") else where
                if not str(attr).isdigit():
                    raise RulesError(f"attribute `{attr}` of operation `{type_code}` is not a number", where=awhere)
                if isinstance(value, str):      # a reason within the operation: "Прием: Единичный"
                    table[f"{type_code}.{attr}"] = Reading(f"{spec['name']}: {value}", base.stage, base.before,
                                                           base.after, base.no_stage)
                elif isinstance(value, dict) and isinstance(value.get("name"), str):
                    table[f"{type_code}.{attr}"] = self._reading(value, value["name"], base, awhere, stages, self.problems)
                else:
                    raise RulesError(f"attribute `{attr}` of operation `{type_code}` needs a name", where=awhere)
        self.codes[provider] = table

    @staticmethod
    def _reading(spec: dict, name: str, inherit: Reading | None, where: str, stages: set[str],
                 problems: tuple[str, ...]) -> Reading:
        if "stage" in spec and "no_stage" in spec:
            raise RulesError(f"`{name}` has both a `stage` and a `no_stage`", where=where, help="keep one of them")
        if "no_stage" in spec:
            reason = spec["no_stage"]
            if reason not in problems:
                raise RulesError(f"unknown `no_stage` reason `{reason}`", where=where,
                                 help=did_you_mean(str(reason), problems) or "reasons are `post_problems` in rules/vocabulary.yaml")
            return Reading(name, no_stage=reason)
        stage = spec.get("stage")
        if stage is None:
            if inherit is None:
                raise RulesError(f"`{name}` needs a `stage` or a `no_stage`", where=where)
            return Reading(name, inherit.stage, inherit.before, inherit.after, inherit.no_stage)
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
