"""The languages, from one table (`templates/languages.yaml`), and the CLI's gettext catalogs.

Every language-specific decision in the code reads its language's row here (its Babel locale, its
plural forms, whether it inflects, how its long dates read, the locale names that choose it), so a
new language is a row of the table plus its texts, and no other module names a language.

The catalog is extracted with pybabel from `cli.py` (the help texts and the CLI's own messages)
and from click (its "Usage:", "Options:", usage errors), and translated in
`locale/ru/LC_MESSAGES/advisor.po` (see docs/translations.md). A wheel carries it compiled
(`advisor.mo`, made by the build hook in `hatch_build.py`); a source checkout has only the `.po`,
which is compiled in memory on first use, so both read the same catalog.
"""
from __future__ import annotations

import datetime as dt
import gettext
import io
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping

from advisor.base.errors import RulesError
from advisor.base.memo import Memo
from advisor.base.resources import templates_dir
from advisor.base.yamlfile import load, located

LOCALE_DIR = Path(__file__).parent.parent / "locale"
DOMAIN = "advisor"


@dataclass(frozen=True)
class Language:
    """One row of the languages table."""
    code: str
    name: str                   # in English, for rule editors' errors
    locale: str                 # Babel's
    system: tuple[str, ...]     # the starts of a locale variable's value that choose it
    plural: tuple[str, ...]     # the `plural` filter's forms, in order; any other category takes the last
    in_place: str               # "in {place}" when the language does not inflect
    inflects: bool              # names put in a case by text/inflect.py
    date_words: str             # "{day} {month} {year}": the long date's order, for reading it back


_KEYS = {"name": str, "locale": str, "system": list, "plural": list, "in_place": str, "inflects": bool,
         "date_words": str}


def _row(code: str, row: Any, file: str) -> Language:
    if not isinstance(row, dict):
        raise RulesError("a language is a mapping of its conventions", where=located(row, None, file))
    for key, kind in _KEYS.items():
        if not isinstance(row.get(key), kind):
            raise RulesError(f"the language `{code}` needs `{key}` ({kind.__name__})", where=located(row, None, file),
                             help="see the other rows of the table")
    return Language(code, str(row["name"]), str(row["locale"]), tuple(map(str, row["system"])),
                    tuple(map(str, row["plural"])), str(row["in_place"]), bool(row["inflects"]),
                    str(row["date_words"]))


def _read() -> tuple[str, str, dict[str, Language]]:
    """(the default language, the post's, every language by code), checked at `file:line`."""
    file = "templates/languages.yaml"
    data = load(templates_dir() / "languages.yaml", file)
    rows = {str(code): _row(str(code), row, file) for code, row in (data.get("languages") or {}).items()}
    for key in ("default", "post"):
        if data.get(key) not in rows:
            raise RulesError(f"`{key}` must be one of the languages ({', '.join(rows)})", where=located(data, key, file))
    return str(data["default"]), str(data["post"]), rows


DEFAULT, POST, TABLE = _read()
LANGS = tuple(TABLE)     # the languages of the advice, the texts and the CLI: the one list


def info(lang: str) -> Language:
    """A language's row (a code the table lacks is the default language's)."""
    return TABLE.get(lang) or TABLE[DEFAULT]


def locale(lang: str) -> str:
    """The Babel locale of a language."""
    return info(lang).locale


def other(lang: str) -> str:
    """The language after `lang` in the table (the page's link to another language, `--translation`)."""
    return LANGS[(LANGS.index(lang) + 1) % len(LANGS)] if lang in LANGS else DEFAULT


def text_in(texts: Mapping[str, Any], lang: str) -> Any:
    """A text in `lang`, else in the default language (a name the gazetteer has only in English)."""
    return texts.get(lang) or texts.get(DEFAULT)


@lru_cache(maxsize=8)
def long_dates(lang: str, year_optional: bool = False) -> tuple[re.Pattern[str], tuple[str, ...]]:
    """A regex of the language's long date (groups `day`, `month`, `year`; Babel's month names in
    any case, the table's `date_words` order), and its months in lower case, January first;
    `year_optional`: a year written last may be left out ("by November 17")."""
    from babel import Locale
    months = tuple(Locale.parse(locale(lang)).months["format"]["wide"][i].lower() for i in range(1, 13))
    parts = {"{day}": r"(?P<day>\d{1,2})", "{month}": "(?P<month>(?i:" + "|".join(map(re.escape, months)) + "))",
             "{year}": r"(?P<year>\d{4})"}
    tokens = [parts.get(t) or (r"\s" if t == " " else re.escape(t))
              for t in re.findall(r"\{\w+\}|.", info(lang).date_words)]
    if year_optional and tokens[-1] == parts["{year}"]:
        joined = max(i for i, t in enumerate(tokens[:-1]) if t in parts.values()) + 1
        tokens = tokens[:joined] + ["(?:" + "".join(tokens[joined:]) + ")?"]
    return re.compile(r"\b" + "".join(tokens)), months


_YEAR = re.compile(r"\d{4}")


_DAYS_IN: Memo[tuple[dt.date, ...]] = Memo(2048)


def days_in(text: str, lang: str) -> list[dt.date]:
    """The dates a text names, as the `date` filter writes them (`November 22, 2026`, `22 ноября 2026 г.`).
    A step's text is the same for many parcels (the renderer remembers it): so is its answer (bounded)."""
    if not _YEAR.search(text):          # most texts name no date: the month alternation is not tried at every character
        return []
    return list(_DAYS_IN.get((text, lang), lambda: tuple(_days_in(text, lang))))


def _days_in(text: str, lang: str) -> list[dt.date]:
    shape, months = long_dates(lang)
    out = []
    for m in shape.finditer(text):
        try:
            out.append(dt.date(int(m["year"]), months.index(m["month"].lower()) + 1, int(m["day"])))
        except ValueError:
            continue
    return out


def language(argv: list[str], environ: Mapping[str, str]) -> str:
    """`--lang ru` on the command line, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`, as
    POSIX orders them); the default language otherwise."""
    for i, arg in enumerate(argv):
        value = argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else arg[7:] if arg.startswith("--lang=") else None
        if value in LANGS:
            return value
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        v = environ.get(var, "")
        if v:
            return next((lg.code for lg in TABLE.values() if v.lower().startswith(lg.system)), DEFAULT)
    return DEFAULT


@lru_cache(maxsize=4)
def translations(lang: str) -> gettext.NullTranslations:
    if lang == DEFAULT:                  # the catalog's source language
        return gettext.NullTranslations()
    folder = LOCALE_DIR / lang / "LC_MESSAGES"
    mo = folder / f"{DOMAIN}.mo"
    if mo.is_file():
        with mo.open("rb") as f:
            return gettext.GNUTranslations(f)
    po = folder / f"{DOMAIN}.po"
    if po.is_file():
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po
        with po.open("rb") as f:
            catalog = read_po(f, locale=lang)
        buf = io.BytesIO()
        write_mo(buf, catalog)
        buf.seek(0)
        return gettext.GNUTranslations(buf)
    return gettext.NullTranslations()


def use_for_click(t: gettext.NullTranslations) -> None:
    """click looks its messages up through `gettext.gettext`, bound in each of its modules as `_`
    (and `ngettext`): point those at this catalog."""
    import click
    from click import core, decorators, exceptions, formatting, parser, termui, types, utils
    for module in (click, core, decorators, exceptions, formatting, parser, termui, types, utils):
        if hasattr(module, "_"):
            setattr(module, "_", t.gettext)
        if hasattr(module, "ngettext"):
            setattr(module, "ngettext", t.ngettext)


# ---- a terminal whose encoding is not UTF-8 (KOI8-R, ISO-8859-1) ---------------------------------

_PLAIN = {"—": "-", "–": "-", "‑": "-", "−": "-", "«": '"', "»": '"', "„": '"', "“": '"', "”": '"',
          "‘": "'", "’": "'", "…": "...", "\u00a0": " ", "\u202f": " ", "№": "No.", "₽": "RUB", "→": "->",
          "•": "*", "·": "*", "✓": "+", "×": "x"}
_said: dict[str, str | None] = {"note": None}


def _fallback(err: UnicodeEncodeError) -> tuple[str, int]:
    """Punctuation the encoding lacks in its plain form (`—` as `-`); anything else as `?`, said
    once on stderr: an encoding without Cyrillic cannot show a Russian text."""
    bad = err.object[err.start:err.end]
    if any(ch not in _PLAIN for ch in bad) and _said["note"]:
        note, _said["note"] = _said["note"], None
        import sys
        try:
            sys.stderr.write(note + "\n")
        except (OSError, ValueError):
            pass
    return "".join(_PLAIN.get(ch, "?") for ch in bad), err.end


def fit_streams(note: str, english: str) -> None:
    """stdout and stderr in a locale whose encoding is not UTF-8: what it cannot encode is
    written plainly (`note` said once when letters are lost: in `english` when the encoding
    cannot show the translation either) instead of failing with exit 3."""
    import codecs
    import sys
    try:
        codecs.lookup_error("parcel-advisor")
    except LookupError:
        # only output streams use it, so it is only ever given encoding errors
        codecs.register_error("parcel-advisor", _fallback)  # type: ignore[arg-type]
    for stream in (sys.stdout, sys.stderr):
        encoding = getattr(stream, "encoding", None) or "utf-8"
        if codecs.lookup(encoding).name != "utf-8" and hasattr(stream, "reconfigure"):
            try:
                (note).encode(getattr(sys.stderr, "encoding", None) or "utf-8")
            except UnicodeEncodeError:
                note = english
            _said["note"] = _said["note"] or f"note: {note}"
            stream.reconfigure(errors="parcel-advisor")
