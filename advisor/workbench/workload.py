"""The parcels the rule editors' workbench runs (`rules impact`, `rules coverage`): every example
case of a rules directory and N generated timelines from one seed, each with a stable id, so
both sides of a comparison see the very same parcels and a reviewer can find one again.

The rules directory compared against (`--base`) is a folder or a git revision of the folder
being edited; a revision is unpacked with `git archive` into a temporary folder.
"""
from __future__ import annotations

import datetime as dt
import io
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.base.dates import read_day
from advisor.base.errors import RulesError

if TYPE_CHECKING:
    from advisor.api import Advisor


@dataclass
class Parcel:
    id: str                      # `case cases/30_in_transit.yaml:12` or `generated 17 (seed 1)`
    facts: dict[str, Any]
    today: dt.date | None = None
    name: str | None = None      # a case's name


def parcels(advisor: Advisor, count: int, seed: int, cases: bool = True) -> list[Parcel]:
    """The cases under the advisor's rules (and overlay), then `count` generated timelines.
    A case whose `today` is not a date is left to `rules test` to report."""
    from advisor.workbench.cases import load_cases
    from advisor.workbench.timelines import parcels as generated
    out: list[Parcel] = []
    if cases:
        found = load_cases(advisor.rules_dir) + (load_cases(advisor.overlay_dir) if advisor.overlay_dir else [])
        for c in found:
            try:
                today = read_day(c.today, c.where)
            except ValueError:
                continue
            out.append(Parcel(f"case {c.where}", c.facts, today, c.name))
    for i, doc in enumerate(generated(advisor, count, seed)):
        out.append(Parcel(f"generated {i + 1} (seed {seed})", doc))
    return out


def base_rules(base: str | None, rules: Path, overlay: Path | None) -> tuple[Path, tempfile.TemporaryDirectory[str] | None, str]:
    """The rules directory to compare against, the temporary folder holding it (to clean up) and
    how to name it: `--base DIR`, `--base GIT-REF`, or by default the same rules without the
    overlay when one is given, else the last commit (`HEAD`) of the edited folder."""
    if base is None and overlay is not None:
        return rules, None, f"{rules} (without the overlay)"
    ref = base or "HEAD"
    if base is not None and Path(base).is_dir():
        return Path(base), None, base
    top = _git(["rev-parse", "--show-toplevel"], rules.resolve())
    if top is None:
        raise RulesError(f"`{ref}` is not a directory, and `{rules}` is not in a git repository", where="--base",
                         help="give the rules to compare with as a directory: `--base old-rules/`")
    top_dir = Path(top.decode().strip())
    rel = rules.resolve().relative_to(top_dir.resolve()).as_posix()
    data = _git(["archive", "--format=tar", ref, "--", rel], top_dir)
    if data is None:
        known = _git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], top_dir)
        what = (f"`{rel}` is not in the commit `{ref}`" if known is not None
                else f"`{ref}` is neither a directory nor a git revision")
        raise RulesError(what, where="--base",
                         help="give a directory or a revision such as `HEAD`, `main` or a commit id")
    tmp = tempfile.TemporaryDirectory(prefix="parcel-advisor-base-")
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        try:
            tar.extractall(tmp.name, filter="data")
        except TypeError:                    # Python before 3.11.4: no filters, and git's archive is ours
            tar.extractall(tmp.name)
    return Path(tmp.name) / rel, tmp, f"{rules} at {ref}"


def _git(args: list[str], cwd: Path) -> bytes | None:
    """A git command's output, or None when it fails (no git, no repository, no such revision)."""
    try:
        p = subprocess.run(["git", *args], cwd=cwd, capture_output=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return None
    return p.stdout if p.returncode == 0 else None
