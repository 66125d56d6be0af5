"""`mypy --strict advisor` finds nothing: the package ships `py.typed`, so its types are a promise
to embedders, and a type error fails the suite instead of waiting for someone to run mypy. The
settings are pyproject.toml's [tool.mypy]; libraries without types are declared in typings/. The
cache is the repository's .mypy_cache, as for a person running `mypy` there (a cold run takes
about ten seconds, a warm one under one).

Marked `typecheck`: it judges our annotations against the libraries' own, so the lowest-versions
CI run (whose oldest click and icalendar carry none) leaves it out; every supported Python runs it."""
import pytest

from conftest import ROOT


@pytest.mark.typecheck
def test_mypy_strict_finds_nothing(monkeypatch):
    api = pytest.importorskip("mypy.api", reason="mypy is in the test extra")
    monkeypatch.chdir(ROOT)
    out, err, status = api.run(["--config-file", str(ROOT / "pyproject.toml")])
    assert status == 0 and out.startswith("Success: no issues found"), out + err
