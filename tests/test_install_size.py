"""`pip install .` stays a light install (README, "Install size"): the built wheel and every
distribution its requirements pull in, as they take up a new virtualenv's site-packages.

Measured without a network: the wheel is built from this checkout, the requirements are followed
through the distributions installed here (the test extra installs the core's), and every one of
them must be there, so nothing is left out of the sum. Each file counts in whole 4 kB blocks, as
`du` counts it, and each `.py` file also by the `.pyc` pip compiles at install time (compiled
here, whether or not this environment has it), so the figure does not depend on how this
environment was installed.
"""
from __future__ import annotations

import email
import importlib.metadata as md
import marshal
import subprocess
import sys
import zipfile
from pathlib import Path, PurePosixPath

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import ROOT

MB = 2**20                  # as `du -sm` counts, the README's figures and issue 34's 60 MB too
LIMIT = 60 * MB
BLOCK = 4096


def _blocks(size: int) -> int:
    return -(-size // BLOCK) * BLOCK


def _pyc(source: bytes, name: str) -> int:
    """The size of the .pyc pip would write for a source file (16-byte header + marshalled code)."""
    try:
        return 16 + len(marshal.dumps(compile(source, name, "exec", dont_inherit=True)))
    except (SyntaxError, ValueError):
        return 0            # pip skips what does not compile (templates named .py)


def _files_size(files: list[tuple[str, int, bytes | None]]) -> int:
    """Disk use of (path, size, source of a .py) files and of the folders they make."""
    total, dirs = 0, set()
    for path, size, source in files:
        p = PurePosixPath(path)
        if "__pycache__" in p.parts:
            continue                                  # counted from the sources, below
        total += _blocks(size)
        if source is not None and p.suffix == ".py":
            total += _blocks(_pyc(source, path))
            dirs.add(p.parent / "__pycache__")
        dirs.update(p.parents)
    dirs.discard(PurePosixPath("."))
    return total + BLOCK * len(dirs)


def _installed(dist: md.Distribution) -> int:
    files = []
    for f in dist.files or []:
        path = Path(str(dist.locate_file(f)))
        if path.is_file():
            files.append((str(f), path.stat().st_size, path.read_bytes() if path.suffix == ".py" else None))
    return _files_size(files)


def _wheel(tmp_path: Path) -> Path:
    out = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(out),
                    str(ROOT)], check=True, capture_output=True)
    return next(out.glob("parcel_advisor-*.whl"))


def _closure(requirements: list[str]) -> dict[str, md.Distribution]:
    """Every distribution the requirements pull in on this interpreter and platform."""
    found: dict[str, md.Distribution] = {}
    todo = [(Requirement(r), "") for r in requirements]
    while todo:
        req, extra = todo.pop()
        if req.marker is not None and not req.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(req.name)
        if name in found:
            continue
        found[name] = md.distribution(req.name)      # not installed here: PackageNotFoundError, a failure
        for r in found[name].requires or []:
            todo += [(Requirement(r), e) for e in ("", *req.extras)]
    return found


def test_the_install_without_extras_stays_under_60_mb(tmp_path):
    wheel = _wheel(tmp_path)
    with zipfile.ZipFile(wheel) as z:
        own = _files_size([(i.filename, i.file_size, z.read(i) if i.filename.endswith(".py") else None)
                           for i in z.infolist() if not i.is_dir()])
        meta = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        requires = email.message_from_bytes(z.read(meta)).get_all("Requires-Dist") or []
    core = [r for r in requires if "extra ==" not in r]
    deps = _closure(core)
    sizes = {name: _installed(dist) for name, dist in deps.items()}
    sizes["parcel-advisor"] = own
    total = sum(sizes.values())
    shown = ", ".join(f"{n} {s / MB:.1f}" for n, s in sorted(sizes.items(), key=lambda kv: -kv[1]))
    # what the measure must see: Babel's locale data is most of it, and the package itself is there
    assert "babel" in deps and sizes["babel"] > 20 * MB and own > MB, shown
    assert not {"pymorphy3", "pymorphy3-dicts-ru", "pymorphy3-dicts-uk", "icalendar"} & set(deps), shown
    assert total < LIMIT, f"the install takes {total / MB:.1f} MB (MB each: {shown})"
