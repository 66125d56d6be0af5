"""`mypy --strict advisor`: the package ships `py.typed`, so its types are a promise to embedders,
and a new type error fails the suite instead of waiting for someone to run mypy. The settings are
pyproject.toml's [tool.mypy]; libraries without types are declared in typings/.

The errors not fixed yet are counted per module in tests/fixtures/mypy_baseline.txt (the modules
being rewritten); a module with more errors than its count there fails, and when the file is
empty the whole package must pass. After fixing some, `python tests/test_types.py` writes the
counts left. The cache is the repository's .mypy_cache, as for a person running `mypy` there (a
cold run takes about ten seconds, a warm one under one).

Marked `typecheck`: it judges our annotations against the libraries' own, so the lowest-versions
CI run (whose oldest click and icalendar carry none) leaves it out; every supported Python runs it."""
import collections
import re
import sys

import pytest

from conftest import ROOT

BASELINE = ROOT / "tests" / "fixtures" / "mypy_baseline.txt"


def _mypy() -> tuple[int, str]:
    api = pytest.importorskip("mypy.api", reason="mypy is in the test extra")
    out, err, status = api.run(["--config-file", str(ROOT / "pyproject.toml")])
    return status, out + err


def _per_module(report: str) -> collections.Counter:
    return collections.Counter(re.findall(r"^(advisor/[\w/]+\.py):\d+: error:", report, re.M))


def _baseline() -> collections.Counter:
    lines = BASELINE.read_text(encoding="utf-8").splitlines() if BASELINE.exists() else []
    return collections.Counter({path: int(n) for n, path in (line.split() for line in lines if line.strip())})


@pytest.mark.typecheck
def test_mypy_strict_finds_no_new_error(monkeypatch):
    monkeypatch.chdir(ROOT)
    status, report = _mypy()
    found, allowed = _per_module(report), _baseline()
    more = {path: (n, allowed[path]) for path, n in found.items() if n > allowed[path]}
    assert not more, "new type errors (found, allowed):\n" + "\n".join(
        f"  {path}: {n} > {a}" for path, (n, a) in sorted(more.items())) + "\n\n" + report
    if not allowed:
        assert status == 0 and report.startswith("Success: no issues found"), report


if __name__ == "__main__":      # rewrite the baseline with the errors left
    sys.path.insert(0, str(ROOT))
    import os
    os.chdir(ROOT)
    from mypy import api as mypy_api
    out, _err, _status = mypy_api.run(["--config-file", str(ROOT / "pyproject.toml")])
    counts = _per_module(out)
    BASELINE.write_text("".join(f"{n} {path}\n" for path, n in sorted(counts.items())), encoding="utf-8")
    print(f"{sum(counts.values())} errors in {len(counts)} modules written to {BASELINE.relative_to(ROOT)}")
