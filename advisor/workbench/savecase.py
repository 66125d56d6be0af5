"""`--save-case`: a parcel worth keeping (a broken guarantee of `rules safety`, an example of
`rules impact`) written into `rules/cases/` as an example case, its facts and the advice it got
as the expectation, ready for the editor to check and keep.

The cases go to one file per command (`cases/90_saved_safety.yaml`, `cases/90_saved_impact.yaml`),
appended to, with a comment that says to check them: a saved expectation is what the rules gave,
not yet what is right. A case already in the file (same name) is not written twice.
"""
from __future__ import annotations

from pathlib import Path

import yaml
from typing import Any

from advisor.base.errors import OutputError

HEADER = ("# Cases saved by `advise rules {command} --save-case`: the facts of a parcel and the advice\n"
          "# the rules gave it. Check each expectation (is this the advice a buyer should get?), edit it,\n"
          "# give the case a name that says what it shows, and move it to the file it belongs in.\n"
          "cases:\n")


def expectation(advice: dict[str, Any]) -> dict[str, Any]:
    """What a case asserts, from one advice: the stage, the next step and its date, the steps,
    flags, warnings and messages (lists left out when empty)."""
    nxt = advice.get("next_step") or {}
    out: dict[str, Any] = {"stage": advice["stage"]}
    if nxt:
        out["next"] = nxt["action"]
        if nxt.get("due"):
            out["due"] = nxt["due"]
    for key, items in (("actions", [a["action"] for a in advice["actions"]]),
                       ("flags", [f["id"] for f in advice["flags"]]),
                       ("warnings", [w["id"] for w in advice["warnings"]]),
                       ("messages", [f"{m['kind']}/{m['purpose']}" for m in advice["messages"]])):
        if items:
            out[key] = items
    return out


def case(name: str, facts: dict[str, Any], today: str | None, advice: dict[str, Any]) -> dict[str, Any]:
    facts = dict(facts)
    today = today or facts.pop("today", None)
    facts.pop("today", None)
    out: dict[str, Any] = {"name": name}
    if today:
        out["today"] = str(today)
    out["facts"] = facts
    out["expect"] = expectation(advice)
    return out


def save(rules_dir: Path, command: str, cases: list[dict[str, Any]]) -> tuple[Path, int]:
    """Append the cases to `rules_dir/cases/90_saved_COMMAND.yaml`; (the file, how many were new)."""
    folder = Path(rules_dir) / "cases"
    path = folder / f"90_saved_{command}.yaml"
    try:
        folder.mkdir(exist_ok=True)
        existing = path.read_text(encoding="utf-8") if path.is_file() else HEADER.format(command=command)
    except OSError as e:
        raise OutputError(f"cannot write into `{folder}`: {e.strerror or e}", where="--save-case") from None
    known = set()
    loaded = yaml.safe_load(existing) or {}
    for c in loaded.get("cases") or []:
        known.add(c.get("name"))
    new = [c for c in cases if c["name"] not in known]
    if not new:
        return path, 0
    body = yaml.safe_dump(new, allow_unicode=True, sort_keys=False, default_flow_style=None, width=110)
    text = existing.rstrip("\n") + "\n" + "".join(f"  {ln}\n" if ln else "\n" for ln in body.splitlines())
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as e:
        raise OutputError(f"cannot write `{path}`: {e.strerror or e}", where="--save-case") from None
    return path, len(new)
