"""docs/architecture.md stays true: it names every module of the package and none that is gone,
the packages keep the order it draws (every import at run time points to a package below, so
there is no circle), and the modules keep the sizes it promises a newcomer (one concern each: no
module over 400 lines, no function over 60)."""
from __future__ import annotations

import ast
import re

from conftest import ROOT

DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
PACKAGE = ROOT / "advisor"
MODULES = sorted(p for p in PACKAGE.rglob("*.py") if "__pycache__" not in p.parts and "_data" not in p.parts)
# the phases, bottom first (docs/architecture.md); `api.py` runs the flow, between the advice and its views
LAYERS = ["base", "text", "knowledge", "reading", "engine", "advice", "api", "views", "workbench", "interfaces"]


def _name(path) -> str:
    return path.relative_to(PACKAGE).as_posix()


def test_the_architecture_names_every_module_and_no_other():
    named = set(re.findall(r"`([a-z0-9_/]+\.py)`", DOC))
    have = {_name(p) for p in MODULES if not (p.name == "__init__.py" and p.parent != PACKAGE)}
    assert have - named == set(), f"modules docs/architecture.md does not describe: {sorted(have - named)}"
    gone = {n for n in named - have if not (ROOT / n).exists()
            and not any((ROOT / d / n).exists() for d in ("tests", "bench", "scripts"))}
    assert gone == set(), f"docs/architecture.md names modules that do not exist: {sorted(gone)}"


def test_modules_and_functions_stay_small():
    too_long = []
    for path in MODULES:
        source = path.read_text(encoding="utf-8")
        if len(source.splitlines()) > 400:
            too_long.append(f"{_name(path)}: {len(source.splitlines())} lines")
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.end_lineno - node.lineno + 1 > 60:
                too_long.append(f"{_name(path)}:{node.lineno} {node.name}: {node.end_lineno - node.lineno + 1} lines")
    assert too_long == [], "split by concern (docs/architecture.md): " + "; ".join(too_long)


def _layer(module: str) -> str | None:
    """A dotted module's phase: its package, `api` for advisor.api, None for the package's top."""
    parts = module.split(".")
    if len(parts) < 2 or parts[0] != "advisor":
        return None
    return parts[1] if parts[1] in LAYERS else None


def _runtime_imports(tree: ast.AST):
    """The package's own modules imported when the code runs (not the type-only ones under
    `if TYPE_CHECKING:`, which a type checker reads and Python never imports)."""
    typed_only = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typed_only.update(id(n) for n in ast.walk(node))
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and id(node) not in typed_only and node.module:
            yield node.module


def test_every_import_points_down_the_phases():
    up = []
    for path in MODULES:
        src = _layer("advisor." + _name(path).removesuffix(".py").replace("/", "."))
        if src is None:
            continue
        for module in _runtime_imports(ast.parse(path.read_text(encoding="utf-8"))):
            dst = _layer(module)
            if dst is not None and LAYERS.index(dst) > LAYERS.index(src):
                up.append(f"{_name(path)} ({src}) imports {module} ({dst})")
    assert up == [], "an import that points up a phase (docs/architecture.md):\n" + "\n".join(up)
