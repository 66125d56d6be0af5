"""docs/rules.md is run, not just read: console blocks execute, diffs apply, file blocks are written.

The worked changes are applied in order to copies of rules/ and templates/, and every line shown
under a `$ command` must appear in what that command prints.
"""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from advisor.knowledge.rulelang import DATES, FACTS
from advisor.knowledge.rulebook import schema_problems
from advisor.base.yamlfile import loads
from conftest import ROOT

DOC = ROOT / "docs" / "rules.md"
BLOCK = re.compile(r"^```(\w+)\n(.*?)^```", re.M | re.S)


def _blocks():
    return [(m[1], m[2]) for m in BLOCK.finditer(DOC.read_text(encoding="utf-8"))]


def _apply_diff(work: Path, body: str) -> None:
    lines = body.splitlines()
    target = work / lines[0].removeprefix("--- a/")
    assert lines[1].startswith("+++ "), lines[1]
    hunks, current = [], None
    for line in lines[2:]:
        if line.startswith("@@"):
            current = []
            hunks.append(current)
        else:
            current.append(line)
    text = target.read_text(encoding="utf-8").splitlines()
    for hunk in hunks:
        old = [ln[1:] for ln in hunk if ln[:1] in (" ", "-", "")]
        new = [ln[1:] for ln in hunk if ln[:1] in (" ", "+", "")]
        at = [i for i in range(len(text) - len(old) + 1) if text[i:i + len(old)] == old]
        assert len(at) == 1, f"hunk found {len(at)} times in {target.name}:\n" + "\n".join(old)
        text[at[0]:at[0] + len(old)] = new
    target.write_text("\n".join(text) + "\n", encoding="utf-8")


def _run_console(work: Path, body: str) -> None:
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
               LANG="C.UTF-8", LC_ALL="C.UTF-8")
    steps, current = [], None
    for line in body.splitlines():
        if line.startswith("$ "):
            current = (line[2:], [])
            steps.append(current)
        elif line.strip():
            current[1].append(line)
    for command, expected in steps:
        p = subprocess.run(["bash", "-c", command], cwd=work, env=env, capture_output=True, text=True, timeout=120)
        out = p.stdout + p.stderr
        assert "Traceback" not in out, out
        for want in expected:
            assert want in out, f"`{command}` did not print {want!r}:\n{out}"


@pytest.mark.slow
def test_doc_examples_run(tmp_path):
    shutil.copytree(ROOT / "rules", tmp_path / "rules")
    shutil.copytree(ROOT / "templates", tmp_path / "templates")
    ran = {"console": 0, "diff": 0, "file": 0, "yaml": 0}
    for lang, body in _blocks():
        first = body.splitlines()[0] if body else ""
        marker = re.match(r"^(?:# |\{# )file: (\S+?)(?: #\})?$", first)
        if lang == "console":
            _run_console(tmp_path, body)
            ran["console"] += 1
        elif lang == "diff":
            _apply_diff(tmp_path, body)
            ran["diff"] += 1
        elif marker:
            path = tmp_path / marker[1]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(body.split("\n", 1)[1], encoding="utf-8")
            ran["file"] += 1
        elif lang == "yaml":
            doc = loads(body, "docs/rules.md")
            if "rules" in doc:
                problems = []
                schema_problems(doc, problems)
                assert problems == [], [p.render() for p in problems]
            if isinstance(doc, list):          # a format snippet: its pattern and check digit load
                from advisor.knowledge.checksums import checker
                from advisor.knowledge.trackformats import _checksum_spec
                for fmt in doc:
                    pattern = re.compile(fmt["pattern"])
                    name, params = _checksum_spec(fmt["checksum"], fmt["id"], lambda key: "docs/rules.md")
                    assert {"body", "check"} <= set(pattern.groupindex) and checker(name, params)
            if "spelling" in doc:              # rules/places.yaml's spelling: it loads as the docs say
                from advisor.knowledge.spelling import load_spelling
                assert load_spelling(doc["spelling"]).latin("Мінск") == "Minsk"
            ran["yaml"] += 1
    assert ran == {"console": 13, "diff": 3, "file": 4, "yaml": 4}, ran


def test_doc_lists_every_fact_date_and_vocabulary_id():
    text = DOC.read_text(encoding="utf-8")
    for name in list(FACTS) + list(DATES):
        assert f"`{name}`" in text, name
    vocab = yaml.safe_load((ROOT / "rules" / "vocabulary.yaml").read_text(encoding="utf-8"))
    for kind in ("stages", "actions", "flags", "warnings", "deadlines"):
        for ident in vocab[kind]:
            assert f"`{ident}`" in text, f"{kind}: {ident}"


@pytest.mark.parametrize("field", ["id", "title", "source", "note", "platforms", "priority", "disabled", "when", "then",
                                   "below", "at_most", "above", "at_least", "not", "in", "exists", "includes", "any",
                                   "action", "flag", "warning", "deadline", "message", "replaces", "due", "severity"])
def test_doc_explains_every_rule_field(field):
    assert f"`{field}" in DOC.read_text(encoding="utf-8") or f"{field}:" in DOC.read_text(encoding="utf-8")
