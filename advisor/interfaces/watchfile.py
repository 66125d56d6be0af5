"""The list of parcels as a file (`advise watch export/import`, and the page's "my parcels"
export and import): one JSON object, `{"schema": "parcel-watchlist/1", "parcels": [...]}`, each
parcel `{code, added, updated, done, facts}` with its facts as the facts contract has them.

Importing merges by code: a parcel not on the list is added; one whose facts were updated later
in the file than on the list takes the file's facts; otherwise the list's are kept. Every
parcel of the file is counted in one of those, so nothing is dropped unsaid.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from typing import TYPE_CHECKING, Any

from advisor.base.errors import AdvisorError, FactsError
from advisor.interfaces.watchlist import WatchList

if TYPE_CHECKING:
    from advisor.api import Advisor

SCHEMA = "parcel-watchlist/1"
MAX_PARCELS = 1000
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def export(watch: WatchList, today: dt.date) -> dict[str, Any]:
    return {"schema": SCHEMA, "exported": today.isoformat(),
            "parcels": [{"code": p.code, "added": p.added, "updated": p.facts_day, "done": p.done, "facts": p.facts}
                        for p in watch.parcels(with_done=True)]}


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def read(text: str, source: str, advisor: Advisor, today: dt.date) -> list[dict[str, Any]]:
    """The parcels of a list file, each checked: its days, and its facts by the facts contract."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise FactsError(f"not JSON: {e.msg.lower()}", where=f"{source}:{e.lineno}:{e.colno}") from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        found = doc.get("schema") if isinstance(doc, dict) else type(doc).__name__
        raise FactsError(f"not a parcel list: `schema` is `{found}`", where=source,
                         help=f"give a file made by `advise watch export` or the page's export (`{SCHEMA}`)")
    parcels = doc.get("parcels")
    if not isinstance(parcels, list) or len(parcels) > MAX_PARCELS:
        raise FactsError(f"`parcels` must be a list of at most {MAX_PARCELS}", where=f"{source}: parcels")
    seen: set[str] = set()
    for i, p in enumerate(parcels):
        where = f"{source}: parcels[{i}]"
        if not isinstance(p, dict) or not isinstance(p.get("code"), str) or not p["code"].strip():
            raise FactsError("a parcel needs its `code`", where=where)
        if p["code"] in seen:
            raise FactsError(f"`{p['code']}` is in the file twice", where=where)
        seen.add(p["code"])
        for key in ("added", "updated", "done"):
            value = p.get(key)
            if (value is not None or key == "added") and not (isinstance(value, str) and _DAY.fullmatch(value)):
                raise FactsError(f"`{value}` is not a date (YYYY-MM-DD)", where=f"{where}.{key}")
        if not isinstance(p.get("facts"), dict):
            raise FactsError("a parcel needs its `facts` object", where=f"{where}.facts")
        unknown = set(p) - {"code", "added", "updated", "done", "facts"}
        if unknown:
            raise FactsError(f"unknown field `{sorted(unknown)[0]}`", where=where)
        try:
            advisor.facts({k: v for k, v in p["facts"].items() if k != "today"}, today=today)
        except AdvisorError as e:
            raise FactsError(e.message, where=f"{where}.facts" + (f".{e.where}" if e.where else ""), help=e.help) from None
    return parcels


def import_into(watch: WatchList, parcels: list[dict[str, Any]]) -> dict[str, int]:
    """Merge the file's parcels into the list: {added, updated, same, kept} counts."""
    counts = {"added": 0, "updated": 0, "same": 0, "kept": 0}
    for p in parcels:
        facts = {k: v for k, v in p["facts"].items() if k != "today"}
        updated = p.get("updated") or p["added"]
        have = watch.get(p["code"])
        if have is None:
            watch.add(p["code"], facts, updated, added=p["added"], done=p.get("done"))
            counts["added"] += 1
        elif have.facts == facts and have.done == p.get("done"):
            counts["same"] += 1
        elif updated > have.facts_day:
            watch.set_facts(have, facts, updated)
            watch.set_done(have, p.get("done"))
            counts["updated"] += 1
        else:
            counts["kept"] += 1
    return counts
