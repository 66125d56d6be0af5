"""A plain (non-editable) wheel install ships rules/ and templates/ and runs from anywhere."""
import os
import subprocess
import sys
import venv
from pathlib import Path

from conftest import ROOT


def test_wheel_install_runs_from_another_directory(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist), str(ROOT)],
                   check=True, capture_output=True)
    wheel = next(dist.glob("parcel_advisor-*.whl"))
    import zipfile
    names = zipfile.ZipFile(wheel).namelist()
    assert "advisor/locale/ru/LC_MESSAGES/advisor.mo" in names   # compiled by hatch_build.py
    assert "advisor/geodata/cities.tsv.gz" in names and any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert {"advisor/wordforms/lemmas.tsv.gz", "advisor/wordforms/cases.tsv.gz"} <= set(names)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    py = env_dir / "bin" / "python"
    # Borrow the dependencies from this interpreter (no network needed); the wheel's own
    # `advisor` package in the new site-packages comes first on sys.path, as the last assert checks.
    new_site = subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                              capture_output=True, text=True, check=True).stdout.strip()
    import site
    (Path(new_site) / "_borrowed_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "--no-deps", "-q", str(wheel)],
                   check=True, capture_output=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([str(env_dir / "bin" / "advise"), "RK190321410CN", "--issued", "3d", "--today", "2026-11-22"],
                         cwd=work, capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert "Wait" in out.stdout
    ru = subprocess.run([str(env_dir / "bin" / "advise"), "--help"], cwd=work, capture_output=True, text=True,
                        env=dict(env, LANG="ru_RU.UTF-8"))
    assert ru.returncode == 0 and ru.stdout.startswith("Использование:"), ru.stderr
    where = subprocess.run([str(py), "-c", "import advisor.base.resources as r; print(r.rules_dir())"],
                           cwd=work, capture_output=True, text=True, env=env).stdout
    assert "site-packages" in where and "_data" in where
