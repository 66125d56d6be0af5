"""Track-code analysis side by side with a peer: `tracking-numbers` (PyPI), the Python port of
jkeen/tracking_number_data, on the same mixed inputs, CPU time in one process each.

    python bench/track_codes.py            # or as part of bench/run.py

The peer is installed only in the bench's own virtual environment (under the user's cache
folder, made on the first run), never as a dependency. Both sides run in fresh processes of the
same Python, alternately, and the best of several rounds counts (noise only ever slows a run).
Inputs: jkeen's 280 labelled numbers as written (some in groups), distinct S10 codes (a tenth
with a wrong check digit), lower-case and spaced pastes, digits of the lengths carriers use,
UPS- and Cainiao-shaped codes: each input is its own string, so nothing is helped by a repeat.
"""
from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PEER = "tracking-numbers"
ROUNDS = 5

OURS = """
import json, sys, time
from advisor.reading.trackcode import analyse
from advisor.knowledge.trackformats import book_for
from advisor.base.resources import rules_dir
book = book_for(rules_dir())
codes = json.load(open(sys.argv[1], encoding="utf-8"))
for c in codes[:100]:
    analyse(c, book, None, None)
best = None
for _ in range(int(sys.argv[2])):
    t = time.process_time()
    for c in codes:
        try:
            analyse(c, book, None, None)
        except Exception:
            pass
    t = time.process_time() - t
    best = t if best is None else min(best, t)
print(best)
"""

THEIRS = """
import json, sys, time
from tracking_numbers import get_tracking_number
codes = json.load(open(sys.argv[1], encoding="utf-8"))
def one(c):
    try:
        return get_tracking_number(c)
    except Exception:          # the peer raises on some inputs (a letter where it wants a digit)
        return None
for c in codes[:100]:
    one(c)
best = None
for _ in range(int(sys.argv[2])):
    t = time.process_time()
    for c in codes:
        one(c)
    t = time.process_time() - t
    best = t if best is None else min(best, t)
print(best)
"""


def inputs(n: int, seed: int = 11) -> list[str]:
    sys.path.insert(0, str(ROOT))
    from advisor.knowledge.checksums import s10_check_digit
    rng = random.Random(seed)
    jkeen = json.loads((ROOT / "tests" / "fixtures" / "jkeen_test_numbers.json").read_text(encoding="utf-8"))
    out = [row[3] for row in jkeen["numbers"]]

    def digits(k: int) -> str:
        return "".join(rng.choice("0123456789") for _ in range(k))

    while len(out) < n:
        kind = rng.randrange(8)
        serial = digits(8)
        check = s10_check_digit(serial)
        if kind < 3:
            if rng.random() < 0.1:
                check = (check + 1) % 10
            out.append(f"{rng.choice(['RA', 'RB', 'RK', 'LA', 'CP', 'EE', 'UA'])}{serial}{check}"
                       f"{rng.choice(['CN', 'HK', 'SG', 'RU', 'YP'])}")
        elif kind == 3:
            out.append(f"rk {serial}{check} cn")
        elif kind == 4:
            out.append(digits(rng.choice([10, 11, 12, 14, 15, 16, 20, 22])))
        elif kind == 5:
            out.append(" ".join(digits(4) for _ in range(rng.choice([3, 4, 5]))))
        elif kind == 6:
            out.append("1Z" + "".join(rng.choice("0123456789ABCDEFHJKLMNPRSTUVWXY") for _ in range(16)))
        else:
            out.append("LP" + digits(14))
    return out


def peer_python() -> Path:
    """The Python of the bench's own environment with the peer installed (made once)."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "parcel-advisor-bench"
    env = base / f"peer-py{sys.version_info.major}{sys.version_info.minor}"
    py = env / "bin" / "python"
    if not py.exists():
        venv.create(env, with_pip=True)
        subprocess.run([str(py), "-m", "pip", "install", "-q", PEER], check=True)
    return py


def run(n: int = 20_000, rounds: int = ROUNDS, repeat: int = 3) -> dict:
    codes = inputs(n)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "codes.json"
        path.write_text(json.dumps(codes), encoding="utf-8")
        theirs_py = peer_python()
        ours, theirs = [], []
        for _ in range(repeat):      # alternate, so a noisy minute does not fall on one side only
            ours.append(float(subprocess.run([sys.executable, "-c", OURS, str(path), str(rounds)], check=True,
                                             capture_output=True, text=True, cwd=ROOT).stdout))
            theirs.append(float(subprocess.run([str(theirs_py), "-c", THEIRS, str(path), str(rounds)], check=True,
                                               capture_output=True, text=True).stdout))
    return {"inputs": len(codes), "ours": min(ours), "peer": min(theirs), "ratio": min(theirs) / min(ours)}


def report(r: dict) -> None:
    print(f"\n# track-code analysis beside `{PEER}` ({r['inputs']:,} mixed inputs, CPU time, best of "
          f"{ROUNDS} rounds x 3 runs each)")
    print(f"parcel-advisor            {r['ours'] / r['inputs'] * 1e6:6.2f} µs per code")
    print(f"{PEER:25s} {r['peer'] / r['inputs'] * 1e6:6.2f} µs per code")
    print(f"peer time / ours          {r['ratio']:6.2f}x   (>= 1.00: we are at least as fast)")


if __name__ == "__main__":
    report(run())
