"""docs/architecture.md stays true: it names every module of the package and none that is gone,
and the modules keep the sizes it promises a newcomer (one concern each: no module over 400
lines, no function over 60)."""
from __future__ import annotations

import ast
import re

from conftest import ROOT

DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
MODULES = sorted((ROOT / "advisor").glob("*.py"))


def test_the_architecture_names_every_module_and_no_other():
    named = set(re.findall(r"`([a-z0-9_]+\.py)`", DOC))
    have = {p.name for p in MODULES}
    assert have - named == set(), f"modules docs/architecture.md does not describe: {sorted(have - named)}"
    gone = {n for n in named - have if not any((ROOT / d / n).exists() for d in ("tests", "bench", "scripts"))}
    assert gone == set(), f"docs/architecture.md names modules that do not exist: {sorted(gone)}"


def test_modules_and_functions_stay_small():
    too_long = []
    for path in MODULES:
        source = path.read_text(encoding="utf-8")
        if len(source.splitlines()) > 400:
            too_long.append(f"{path.name}: {len(source.splitlines())} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > 60:
                too_long.append(f"{path.name}:{node.lineno} {node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert too_long == [], "split by concern (docs/architecture.md): " + "; ".join(too_long)
