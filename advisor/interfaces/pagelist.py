"""The page's "My parcels": a list kept in the browser's local storage (nothing stored on the
server), each parcel advised again through `POST /v1/advice` when the page opens, with what is
due; exported and imported as the same file `advise watch export/import` writes and reads
(`watchfile.py`, `parcel-watchlist/1`). The script is `static/parcels.js`; this module gives the
page the words it needs (in the page's language) and the facts of the answer shown.
"""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.interfaces.watchfile import SCHEMA

if TYPE_CHECKING:
    from advisor.api import Advisor

_HERE = Path(__file__).parent.parent / "static"
STATIC_FILES = {"parcels.js": (_HERE / "parcels.js", "text/javascript; charset=utf-8"),
                "parcels.css": (_HERE / "parcels.css", "text/css; charset=utf-8")}
DUE_DAYS = 7          # the page's "due" looks as far ahead as `advise due` does by default


def list_view(advisor: Advisor, t: dict[str, Any], lang: str, facts: dict[str, Any] | None) -> dict[str, Any]:
    """The template's values for the list: its words (as JSON for the script) and the facts of
    the answer on the page, which "Add to my parcels" keeps."""
    v = advisor.vocab
    timing = {action: kind for kind, ids in (v.get("timing") or {}).items() for action in ids}
    words = {
        "schema": SCHEMA, "lang": lang, "days": DUE_DAYS,
        "stages": {k: x[lang] for k, x in v["stages"].items()},
        "actions": {k: x[lang] for k, x in v["actions"].items()},
        "timing": timing, "due": t["due"], "texts": t["parcels"],
    }
    return {"parcel_words": words, "parcel_facts": facts}
