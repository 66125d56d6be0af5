"""The README's Python example runs as printed, and a type checker accepts it: `Advisor`,
`Advice` and the errors are typed (`py.typed`), so an embedder's `mypy --strict` passes."""
import json
import re
import subprocess
import sys

from conftest import ROOT


def _example(tmp_path):
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## Python API", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    path = tmp_path / "example.py"
    path.write_text(code, encoding="utf-8")
    return path


def test_the_readme_example_runs_as_printed(tmp_path):
    r = subprocess.run([sys.executable, str(_example(tmp_path))], capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    first, rest = r.stdout.split("\n", 1)
    assert first == "open_dispute 2026-11-22" and json.loads(rest)["schema"] == "parcel-advice/1"


def test_the_readme_example_passes_mypy_strict(tmp_path):
    r = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--follow-imports=silent",
                        "--cache-dir", str(tmp_path / "cache"), str(_example(tmp_path))],
                       capture_output=True, text=True, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "Success" in r.stdout
