"""A rules directory's knowledge files, read in one order for the Advisor and for `rules check`.

Vocabulary, platforms, track-code formats and posts, guidance ids, stage phrases, places,
providers' codes and seasons. The Advisor stops at the first problem; `rules check` passes
`on_error` to hear of every one, and gets None for a file that could not be read (so the checks
that need it are skipped, the others still run).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, ParamSpec, TypeVar

from advisor.knowledge.seasons import Seasons
from advisor.base.errors import AdvisorError, RulesError, did_you_mean, one_of
from advisor.knowledge.stages import StageBook, load_stages
from advisor.knowledge.places import Places
from advisor.knowledge.providers import Providers
from advisor.knowledge.trackformats import FormatBook, load_formats
from advisor.base.yamlfile import load, located

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True)
class Knowledge:
    """Everything a rules directory knows besides its rules, complete: what the Advisor and
    `derive` read (`profiles` are the platforms' profiles by id, `guidance_ids` every id a rule may
    cite, `seed_ids` the seed numbers among them)."""

    vocab: Any
    platforms: Any
    guidance: Any
    formats: FormatBook
    default_platform: str
    stages: StageBook
    places: Places
    providers: Providers
    seasons: Seasons
    profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    guidance_ids: frozenset[str] = frozenset()
    seed_ids: frozenset[str] = frozenset()


@dataclass
class PartialKnowledge:
    """What `rules check` could read of a rules directory: None for a file with a problem (the
    checks that need it are skipped, the others still run)."""

    vocab: Any
    platforms: Any
    guidance: Any
    formats: FormatBook | None
    default_platform: str | None
    stages: StageBook | None
    places: Places | None
    providers: Providers | None
    seasons: Seasons | None


def profiles_of(platforms: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each platform's profile; its `words` over the shared ones (`words:` of platforms.yaml), so a
    text reads `profile.words.dispute` on every platform and eBay's says "case" (one mechanism)."""
    shared = platforms.get("words") or {}
    return {name: dict(p, words={**shared, **(p.get("words") or {})}) for name, p in platforms["platforms"].items()}


def guidance_ids_of(guidance: dict[str, Any]) -> tuple[set[str], set[str]]:
    """(every id a rule may cite, the seed numbers among them)."""
    seeds = {str(k) for k in guidance.get("seeds") or {}}
    return {str(k) for k in guidance["ids"]} | seeds, seeds


def lookup(path: Path, display: str, key: str) -> dict[str, Any]:
    """A YAML mapping that must hold `key` (a mapping or a list)."""
    doc = load(path, display)
    if not isinstance(doc, dict) or not isinstance(doc.get(key), (dict, list)):
        raise RulesError(f"expected a mapping with `{key}`", where=f"{display}:1:1")
    return doc


def default_platform(platforms: dict[str, Any]) -> str:
    """The platform of facts that name none: `default:` in platforms.yaml, which must be one of them."""
    known = platforms["platforms"]
    default = platforms.get("default")
    where = located(platforms, "default", "rules/platforms.yaml:1:1") if "default" in platforms else "rules/platforms.yaml:1:1"
    if default is None:
        if "aliexpress" in known:
            return "aliexpress"
        raise RulesError("platforms.yaml names no `default` platform", where=where,
                         help="add `default: ID` with one of the platform ids")
    if default not in known:
        raise RulesError(f"the default platform `{default}` is not one of the platforms", where=where,
                         help=did_you_mean(str(default), known) or one_of(known))
    return str(default)


def load_seasons(rules_dir: Path) -> Seasons:
    path = rules_dir / "seasons.yaml"
    return Seasons((load(path, "rules/seasons.yaml") or {}).get("seasons") or [] if path.exists() else [])


def load_knowledge(rules_dir: Path) -> Knowledge:
    """A rules directory's knowledge for the Advisor: the first problem is raised."""
    k = _load(rules_dir, None)
    # without `on_error` every step returned or raised, so no file is None here
    assert k.formats is not None and k.default_platform is not None and k.stages is not None
    assert k.places is not None and k.providers is not None and k.seasons is not None
    ids, seeds = guidance_ids_of(k.guidance)
    return Knowledge(k.vocab, k.platforms, k.guidance, k.formats, k.default_platform, k.stages, k.places,
                     k.providers, k.seasons, profiles_of(k.platforms), frozenset(ids), frozenset(seeds))


def load_partial(rules_dir: Path, on_error: Callable[[AdvisorError], None]) -> PartialKnowledge:
    """What `rules check` can read: `on_error` hears of every problem, the files with one are None."""
    return _load(rules_dir, on_error)


def _load(rules_dir: Path, on_error: Callable[[AdvisorError], None] | None) -> PartialKnowledge:
    def step(fn: Callable[P, T], *a: P.args, **kw: P.kwargs) -> T | None:
        if on_error is None:
            return fn(*a, **kw)
        try:
            return fn(*a, **kw)
        except AdvisorError as e:
            on_error(e)
            return None

    r = rules_dir
    vocab = step(lookup, r / "vocabulary.yaml", "rules/vocabulary.yaml", "actions")
    platforms = step(lookup, r / "platforms.yaml", "rules/platforms.yaml", "platforms")
    formats: FormatBook | None = None
    stages: StageBook | None = None
    providers: Providers | None = None
    if vocab is not None:
        formats = step(load_formats, r, known_flags=set(vocab["flags"]),
                       known_platforms=set(platforms["platforms"]) if platforms is not None else None)
    default = step(default_platform, platforms) if platforms is not None else None
    guidance = step(lookup, r / "guidance.yaml", "rules/guidance.yaml", "ids")
    if vocab is not None:
        stages = step(load_stages, r, list(vocab["stages"]), vocab.get("post_problems") or [])
    places = step(Places, r)
    if stages is not None and stages.reader is not None and places is not None:
        stages.reader.is_place = places.names_city      # a city's name beside a delivery is its place
    if vocab is not None:
        providers = step(Providers, r, set(vocab["stages"]), vocab.get("post_problems") or [])
    seasons = step(load_seasons, r)
    return PartialKnowledge(vocab, platforms, guidance, formats, default, stages, places, providers, seasons)
