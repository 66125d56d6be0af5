"""The page form's fields in one language, grouped as the field table groups them, with every
select's <option>s rendered once (a loop over 250 countries in the sandboxed template was most of
the page's cost)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Iterable

from markupsafe import Markup, escape

from advisor.interfaces import fields

if TYPE_CHECKING:
    from advisor.api import Advisor

Pairs = Iterable[tuple[object, object]]       # an <option>'s value and the name it shows


def field_groups(advisor: Advisor, lang: str, t: dict[str, Any]) -> list[dict[str, Any]]:
    """The form's fields in one language, by group, as `templates/page/fields.html.j2` draws
    them; a select's <option>s made once (the countries, the platforms, a choice's answers)."""
    table = fields.table()
    countries = _Options((), _countries(lang, t))
    platforms = _Options((p, (prof.get("name") or {}).get(lang, p)) for p, prof in advisor.profiles.items())
    groups: dict[str, dict[str, Any]] = {}
    for f in table.fields:
        options = (countries if f.kind == "place" else platforms if f.choices == "platforms"
                   else _Options((c, words[lang]) for c, words in f.choices.items()) if f.kind == "choice" and isinstance(f.choices, dict) else None)
        view = {"name": f.name, "kind": f.kind, "label": f.text("label", lang), "hint": f.text("hint", lang),
                "counts": f.counts, "options": options,
                "default": advisor.default_platform if f.choices == "platforms" else ""}
        groups.setdefault(f.group, {"id": f.group, "legend": table.groups[f.group][lang], "fields": []})
        groups[f.group]["fields"].append(view)
    return list(groups.values())


class _Options:
    """A select's <option>s rendered once (escaped), in <optgroup>s when `groups` (label, pairs)
    are given; `selected(value)` marks the chosen one: a loop over 250 countries in the sandboxed
    template was most of the page's cost."""

    def __init__(self, pairs: Pairs, groups: Iterable[tuple[str | None, Pairs]] | None = None) -> None:
        parts: list[str] = []
        self.pairs: list[tuple[str, str]] = []
        for label, given in groups or [(None, pairs)]:
            items = [(str(value), str(name)) for value, name in given]
            self.pairs += items
            options = "".join(f'<option value="{escape(v)}">{escape(n)}</option>' for v, n in items)
            parts.append(f'<optgroup label="{escape(label)}">{options}</optgroup>' if label else options)
        self.html = "".join(parts)

    def selected(self, value: object) -> Markup:
        if value is None:
            return Markup(self.html)
        mark = f'<option value="{escape(str(value))}">'
        return Markup(self.html.replace(mark, mark[:-1] + " selected>", 1))


def _countries(lang: str, t: dict[str, Any]) -> list[tuple[str, list[tuple[str, str]]]]:
    """The countries in two groups: where most buyers are (`countries_first`: its first one
    first, then by name), then every other country by name."""
    from babel import Locale
    from advisor.knowledge.trackformats import _country_codes
    names = Locale.parse(lang).territories
    codes = _country_codes()
    first = [cc for cc in t["countries_first"] if cc in codes]
    rest = sorted(((cc, names.get(cc, cc)) for cc in codes if cc not in first), key=lambda x: x[1])
    head = first[:1] + sorted(first[1:], key=lambda cc: names.get(cc, cc))
    return [(t["countries_first_group"], [(cc, names.get(cc, cc)) for cc in head]), (t["countries_other_group"], rest)]
