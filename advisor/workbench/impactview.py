"""An impact (impact.py) shown to people: text for the terminal and one self-contained HTML file
for a reviewer (no script, no link to anything: its style is inside it; the layout is
`templates/workbench/impact.html.j2`). The JSON for CI is `Impact.to_dict()` itself.
"""
from __future__ import annotations

import json
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined
from jinja2.sandbox import SandboxedEnvironment
from typing import Any

from advisor.base.errors import OutputError
from advisor.workbench.impact import KIND_TITLES, KINDS


def summary_line(doc: dict[str, Any]) -> str:
    generated = doc["parcels"] - doc["cases"]
    share = 100 * doc["changed_count"] / doc["parcels"] if doc["parcels"] else 0.0
    return (f"{doc['parcels']:,} parcels ({doc['cases']:,} cases, {generated:,} generated) in {doc['seconds']:.1f} s: "
            f"{doc['changed_count']:,} changed ({share:.1f}%)")


def side_text(s: dict[str, Any] | str) -> str:
    """One side of an example on one line: the next step, the dated steps, flags, messages."""
    if isinstance(s, str):
        return s
    nxt = s.get("next_step") or {}
    parts = [f"stage {s['stage']}", f"next {nxt.get('action') or 'none'} {nxt.get('due') or ''}".rstrip(),
             "steps " + ", ".join(f"{a['action']} {a['due'] or ''}".rstrip() for a in s["actions"])]
    if s["flags"] or s["warnings"]:
        parts.append("flags " + ", ".join(s["flags"] + s["warnings"]))
    if s["deadlines"]:
        parts.append("deadlines " + ", ".join(f"{k} {v}" for k, v in s["deadlines"].items()))
    if s["messages"]:
        parts.append("messages " + ", ".join(s["messages"]))
    return "; ".join(parts)


def text(doc: dict[str, Any], rows: int = 15) -> str:
    """The impact for the terminal: counts by kind, the groups, by rule, by platform and stage,
    then the examples of each group, before and after on two lines."""
    lines = [f"impact of {doc['after']} against {doc['before']}", summary_line(doc)]
    if not doc["changed_count"]:
        return "\n".join(lines + ["no advice changed"])
    lines += ["", "by kind"] + [f"  {KIND_TITLES[k]:<44} {n:>7,}" for k, n in doc["kinds"].items()]
    lines += ["", "changes"]
    for g in doc["groups"]:
        lines.append(f"  {g['kind']:<10} {g['what']:<40} {g['parcels']:>7,}  {', '.join(g['rules'])}")
    for title, table in (("by rule", doc["by_rule"]), ("by platform / stage", doc["by_platform_stage"])):
        items = list(table.items())
        lines += ["", title] + [f"  {k:<44} {n:>7,}" for k, n in items[:rows]]
        if len(items) > rows:
            lines.append(f"  ... and {len(items) - rows} more")
    shown = [g for g in doc["groups"] if g["examples"]]
    lines += ["", "examples"] if shown else []
    for g in shown:
        lines.append(f"  {g['kind']}: {g['what']}")
        for ex in g["examples"]:
            lines.append(f"    {ex['parcel']}" + (f"  {ex['name']}" if ex.get("name") else ""))
            lines.append("      facts:  " + json.dumps(ex["facts"], ensure_ascii=False, default=str))
            lines.append("      before: " + side_text(ex["before"]))
            lines.append("      after:  " + side_text(ex["after"]))
    return "\n".join(lines)


def html(doc: dict[str, Any], templates: Path) -> str:
    env = SandboxedEnvironment(loader=FileSystemLoader(str(templates / "workbench")), autoescape=True,
                               undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters["tojson_pretty"] = lambda v: json.dumps(v, ensure_ascii=False, indent=1, default=str)
    return env.get_template("impact.html.j2").render(doc=doc, titles=KIND_TITLES, kinds=KINDS,
                                                     summary=summary_line(doc), side_text=side_text)


def write(path: str, content: str, option: str) -> None:
    p = Path(path)
    if p.is_dir():
        raise OutputError(f"`{path}` is a directory", where=option, help="give a file name, e.g. `impact.html`")
    try:
        p.write_text(content, encoding="utf-8")
    except OSError as e:
        raise OutputError(f"cannot write `{path}`: {e.strerror or e}", where=option) from None
