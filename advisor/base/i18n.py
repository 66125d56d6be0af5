"""The command line in the user's language: gettext catalogs under `advisor/locale/`.

The catalog is extracted with pybabel from `cli.py` (the help texts and the CLI's own messages)
and from click (its "Usage:", "Options:", usage errors), and translated in
`locale/ru/LC_MESSAGES/advisor.po` (see docs/translations.md). A wheel carries it compiled
(`advisor.mo`, made by the build hook in `hatch_build.py`); a source checkout has only the `.po`,
which is compiled in memory on first use, so both read the same catalog.
"""
from __future__ import annotations

import gettext
import io
from functools import lru_cache
from pathlib import Path
from typing import Mapping

LOCALE_DIR = Path(__file__).parent.parent / "locale"
DOMAIN = "advisor"
LANGS = ("en", "ru")     # the languages of the advice, the texts and the CLI: the one list


def language(argv: list[str], environ: Mapping[str, str]) -> str:
    """`--lang ru` on the command line, else the locale (`LC_ALL`, `LC_MESSAGES`, `LANG`, as
    POSIX orders them); English otherwise."""
    for i, arg in enumerate(argv):
        value = argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else arg[7:] if arg.startswith("--lang=") else None
        if value in LANGS:
            return value
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        v = environ.get(var, "")
        if v:
            return "ru" if v.lower().startswith("ru") else "en"
    return "en"


@lru_cache(maxsize=4)
def translations(lang: str) -> gettext.NullTranslations:
    if lang == "en":
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
