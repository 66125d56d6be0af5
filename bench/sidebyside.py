"""Per-parcel cost beside its floors, and beside another release, measured in one run.

Each figure is CPU time per parcel (`time.process_time`: other programs on the machine do not
count), best of `rounds`, the releases' runs interleaved so a noisy minute hits both. Each run is a
fresh process importing one release's `advisor` (this tree's, or REF's checked out to a
temporary git worktree) and advising the same generated parcels, every parcel distinct.

Floors: `python -c pass` (the interpreter's start), the full pre-engine path (facts read and
checked, the code analysed, facts derived, the template context: everything before the engine),
and the engine alone (durable_rules on the derived facts already made). Beside them, the Python
calls per parcel: a count, not a time, so a change shows in it however loaded the machine is
(CPU time on a shared machine moves by a fifth from run to run: the other programs share the caches).
"""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CODE_ARGS = ["RK190321410CN", "--today", "2026-11-22", "--issued", "2026-11-10"]
FIGURES = [("pre", "the pre-engine path (floor)"), ("engine", "the engine alone (floor)"),
           ("advise", "advise, no messages"), ("messages", "advise, with messages (en+ru)")]


def probe(n: int, seed: int) -> dict:
    """In a fresh process: µs of CPU per parcel for each figure (printed as JSON by run.py --probe)."""
    import run as bench
    from advisor.api import Advisor
    adv = Advisor()
    warm, docs = bench.parcels(500, seed=seed + 1), bench.parcels(n, seed=seed)
    for d in warm:
        adv.advise(d, today=bench.TODAY)
    out = {}
    t = time.process_time()
    prepared = [adv._prepare(d, bench.TODAY) for d in docs]
    out["pre"] = time.process_time() - t
    t = time.process_time()
    for p in prepared:
        adv.compiled.evaluate(p.facts.platform, p.derived.engine)
    out["engine"] = time.process_time() - t
    del prepared
    for name, messages in (("advise", False), ("messages", True)):
        t = time.process_time()
        for d in docs:
            adv.advise(d, today=bench.TODAY, messages=messages)
        out[name] = time.process_time() - t
    got = {k: v / n * 1e6 for k, v in out.items()}
    got["calls"] = calls_per_parcel(adv, docs[:500], bench.TODAY)
    return got


def calls_per_parcel(adv, docs: list, today) -> float:
    """Python function calls per parcel advised without messages (cProfile's count): the same on a
    quiet machine and a loaded one, where CPU time moves by a fifth from run to run."""
    import cProfile
    import pstats
    prof = cProfile.Profile()
    prof.enable()
    for d in docs:
        adv.advise(d, today=today, messages=False)
    prof.disable()
    return pstats.Stats(prof).total_calls / len(docs)


def checkout(ref: str, into: Path) -> Path:
    """REF checked out (detached) to a temporary worktree of this repository."""
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(into), ref], check=True)
    return into


def remove(tree: Path) -> None:
    subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False, capture_output=True)


def _env(tree: Path, cache: str) -> dict:
    """The tree first on the path, its own start-up cache, and bytecode written as an installed
    package has it (with PYTHONDONTWRITEBYTECODE set, every start compiled every module anew)."""
    env = dict(os.environ, PYTHONPATH=str(tree), PARCEL_ADVISOR_CACHE=cache)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _probe_in(tree: Path, n: int, seed: int, cache: str) -> dict:
    out = subprocess.run([sys.executable, str(Path(__file__).with_name("run.py")), "--probe", str(n), str(seed)],
                         check=True, capture_output=True, text=True, env=_env(tree, cache), cwd=tree)
    return json.loads(out.stdout.strip().splitlines()[-1])


def _start(cmd: list[str], env: dict) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True, env=env)
    return time.perf_counter() - t


def compare(ref: str | None, n: int, rounds: int, starts: int, markdown: bool = False) -> None:
    """Print each figure beside its floors, for this tree and (when given) REF, interleaved."""
    trees: dict[str, Path] = {"this": ROOT}
    tmp = tempfile.TemporaryDirectory()
    try:
        if ref:
            trees[ref] = checkout(ref, Path(tmp.name) / "ref")
        caches = {name: tempfile.mkdtemp(dir=tmp.name) for name in trees}
        py = sys.executable
        walls: dict[str, list[float]] = {"pass": []} | {name: [] for name in trees}
        for name, tree in trees.items():       # each release fills its own start-up cache once
            subprocess.run([py, "-m", "advisor", *CODE_ARGS], check=True, capture_output=True, env=_env(tree, caches[name]))
        for _ in range(starts):
            walls["pass"].append(_start([py, "-c", "pass"], os.environ))
            for name, tree in trees.items():
                walls[name].append(_start([py, "-m", "advisor", *CODE_ARGS], _env(tree, caches[name])))
        best: dict[str, dict[str, float]] = {name: {} for name in trees}
        each: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
        for r in range(rounds):
            # each round both releases on the same parcels, the first one in turn (no side always first)
            for name, tree in (list(trees.items()) if r % 2 == 0 else list(trees.items())[::-1]):
                got = _probe_in(tree, n, 17 + r, caches[name])
                each[name].append(got)
                for k, v in got.items():
                    best[name][k] = min(best[name].get(k, float("inf")), v)
        ratios = _round_ratios(each["this"], each[ref]) if ref else None
        _report(trees, walls, best, n, rounds, starts, ref, ratios)
        if markdown:
            print(table(trees, walls, best, ref, ratios))
    finally:
        if ref:
            remove(Path(tmp.name) / "ref")
        tmp.cleanup()


def _round_ratios(this: list[dict[str, float]], other: list[dict[str, float]]) -> dict[str, float]:
    """Per figure, the median over rounds of this/other measured in the same round: on a machine
    others load, a round's two runs share its minute, so their ratio moves less than either."""
    return {k: statistics.median(a[k] / b[k] for a, b in zip(this, other)) for k in this[0] if k in other[0]}


def _report(trees, walls, best, n, rounds, starts, ref, ratios=None) -> None:
    base = statistics.median(walls["pass"])
    names = list(trees)
    head = f"{'':38s}" + "".join(f"{name[:14]:>16s}" for name in names) + (f"{'this/' + ref[:10]:>18s}" if ref else "")
    print(f"\n# per parcel beside its floors: CPU µs, best of {rounds} runs of {n:,} distinct parcels"
          f"{', interleaved with ' + ref if ref else ''}")
    print(head)
    for key, label in FIGURES:
        row = [best[name][key] for name in names]
        print(f"{label:38s}" + "".join(f"{v:13.1f} µs" for v in row) + (f"{row[0] / row[1]:17.2f}x" if ref else "")
              + (f"   median of the rounds' ratios {ratios[key]:.2f}x" if ratios else ""))
    if all("calls" in best[name] for name in names):        # the same in every run: not a best of
        row = [best[name]["calls"] for name in names]
        print(f"{'Python calls per parcel, no messages':38s}" + "".join(f"{v:16,.0f}" for v in row)
              + (f"{row[0] / row[1]:17.2f}x" if ref else ""))
    for name in names:
        b = best[name]
        floor = b["pre"] + b["engine"]
        print(f"  {name[:14]}: advise = {b['advise'] / floor:.2f}x (pre-engine + engine), {b['advise'] / b['pre']:.2f}x "
              f"the pre-engine path; {1e6 / b['advise']:,.0f} parcels/s, with messages {1e6 / b['messages']:,.0f}/s")
    print(f"\n# start: `advise CODE`, start-up cache filled, median of {starts} (interleaved with `python -c pass`)")
    print(f"python -c pass {base * 1000:24.1f} ms")
    for name in names:
        m = statistics.median(walls[name])
        print(f"advise CODE ({name[:14]}) {m * 1000:13.1f} ms   {m / base:5.2f}x python -c pass"
              + (f"   this/{ref[:10]} {statistics.median(walls['this']) / m:.2f}x" if ref and name != "this" else ""))


def table(trees, walls, best, ref, ratios=None) -> str:
    """The figures as the README's Markdown table: this tree, its floor, REF and this/REF (the
    median of the rounds' ratios when there were rounds, else the ratio of the best times)."""
    this = best["this"]
    other = best.get(ref) if ref else None
    floor = this["pre"] + this["engine"]
    start = {name: statistics.median(w) for name, w in walls.items()}
    ratio = ratios or {}
    rows = [("advise, no messages, µs per parcel", "advise", this["advise"], f"{this['advise'] / floor:.2f}x pre-engine + engine",
             other and other["advise"]),
            ("advise, with messages (en+ru), µs per parcel", "messages", this["messages"],
             f"{this['messages'] / floor:.2f}x pre-engine + engine", other and other["messages"]),
            ("the pre-engine path (floor), µs per parcel", "pre", this["pre"], "", other and other["pre"]),
            ("the engine alone (floor), µs per parcel", "engine", this["engine"], "", other and other["engine"]),
            ("`advise CODE`, ms (start-up cache filled)", "start", start["this"] * 1000,
             f"{start['this'] / start['pass']:.1f}x `python -c pass`", ref and start[ref] * 1000)]
    if "calls" in this and (other is None or "calls" in other):
        rows.append(("Python calls per parcel, no messages (not moved by the machine's load)", "calls", this["calls"], "",
                     other and other["calls"]))
    head = f"| measure | this | beside its floor |{f' {ref} | this/{ref} |' if ref else ''}"
    lines = [head, "|---|---|---|" + ("---|---|" if ref else "")]
    for label, key, value, beside, before in rows:
        lines.append(f"| {label} | {value:,.0f} | {beside} |"
                     + (f" {before:,.0f} | {ratio.get(key, value / before):.2f}x |" if ref else ""))
    return "\n".join(lines)
