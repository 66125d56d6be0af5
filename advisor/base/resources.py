"""Where the shipped rules, templates and schemas are: inside the wheel, or the repo top level."""
from __future__ import annotations

from pathlib import Path

_PKG = Path(__file__).resolve().parent.parent


def data_dir(name: str) -> Path:
    """`rules`, `templates` or `schemas`: the installed copy first, then the source checkout."""
    installed = _PKG / "_data" / name
    if installed.is_dir():
        return installed
    return _PKG.parent / name


def rules_dir() -> Path:
    return data_dir("rules")


def templates_dir() -> Path:
    return data_dir("templates")


def schemas_dir() -> Path:
    return data_dir("schemas")
