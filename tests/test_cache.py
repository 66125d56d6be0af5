"""The start-up cache: the same advice with it, without it and after edits; damage and an
unwritable place only cost speed."""
import subprocess
import sys

import pytest

from conftest import ROOT

ARGS = ["RK190321410CN", "--today", "2026-11-22", "--issued", "2026-11-10", "--format", "json"]


def advise(cache, *args):
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PARCEL_ADVISOR_CACHE": str(cache)}
    p = subprocess.run([sys.executable, "-m", "advisor", *args], capture_output=True, text=True, cwd=ROOT, env=env)
    return p.returncode, p.stdout, p.stderr


def entries(folder):
    return sorted(p for p in folder.rglob("*") if p.is_file())


def test_a_cached_start_gives_the_advice_an_uncached_one_gives(tmp_path):
    cache = tmp_path / "cache"
    first = advise(cache, *ARGS)
    assert first[0] == 0, first[2]
    kinds = {p.name.split("-")[0] for p in entries(cache)}
    assert {"yaml", "schema", "jinja"} <= kinds
    assert advise(cache, *ARGS) == first
    assert advise("off", *ARGS) == first
    assert advise(cache, "RK190321410CN", "--today", "2026-11-22") == advise("off", "RK190321410CN", "--today", "2026-11-22")


def test_a_warm_start_does_not_parse_yaml(tmp_path):
    """What makes the start fast: every rules file comes from the cache, PyYAML is not imported."""
    code = "import sys; from advisor import Advisor; Advisor(); print('yaml' in sys.modules)"
    env = {"PATH": "/usr/bin:/bin", "PARCEL_ADVISOR_CACHE": str(tmp_path)}
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env).stdout.strip()
            for _ in range(2)]
    assert runs == ["True", "False"]


def test_an_edited_rule_file_is_read_again_not_served_stale(tmp_path, rules_copy):
    cache = tmp_path / "cache"
    assert advise(cache, *ARGS, "--rules", str(rules_copy))[0] == 0
    rule_file = rules_copy / "advice" / "30_in_transit.yaml"
    text = rule_file.read_text(encoding="utf-8")
    broken = text.replace("rules:", "rules: [", 1)
    rule_file.write_text(broken, encoding="utf-8")
    code, out, err = advise(cache, *ARGS, "--rules", str(rules_copy))
    assert code != 0 and "30_in_transit.yaml:" in err and "Traceback" not in err
    rule_file.write_text(text, encoding="utf-8")
    assert advise(cache, *ARGS, "--rules", str(rules_copy)) == advise("off", *ARGS, "--rules", str(rules_copy))


def test_an_edited_text_shows_at_once(tmp_path, rules_copy):
    cache = tmp_path / "cache"
    vocab = rules_copy / "vocabulary.yaml"
    before = advise(cache, *ARGS, "--rules", str(rules_copy))
    assert before[0] == 0, before[2]
    text = vocab.read_text(encoding="utf-8")
    label = '{en: "Write to the seller"'
    assert label in text
    vocab.write_text(text.replace(label, '{en: "Message the shop"', 1), encoding="utf-8")
    after = advise(cache, "RK190321410CN", "--today", "2026-11-22", "--issued", "2026-11-10", "--rules", str(rules_copy))
    assert after[0] == 0, after[2]
    assert "Next: Message the shop" in after[1]


def test_damaged_entries_are_rebuilt(tmp_path):
    cache = tmp_path / "cache"
    good = advise(cache, *ARGS)
    for p in entries(cache):
        p.write_bytes(p.read_bytes()[: len(p.read_bytes()) // 2])
    assert advise(cache, *ARGS) == good
    assert advise(cache, *ARGS) == good


def test_a_cache_that_cannot_be_written_only_costs_speed(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    good = advise("off", *ARGS)
    assert advise(blocker, *ARGS) == good
    assert blocker.read_text() == "not a directory"


@pytest.mark.parametrize("value", ["off", "0", "OFF", ""])
def test_off_writes_nothing(tmp_path, value):
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PARCEL_ADVISOR_CACHE": value, "XDG_CACHE_HOME": str(tmp_path),
           "HOME": str(tmp_path)}
    p = subprocess.run([sys.executable, "-m", "advisor", *ARGS], capture_output=True, text=True, cwd=ROOT, env=env)
    assert p.returncode == 0, p.stderr
    assert entries(tmp_path) == []


def test_the_default_place_follows_xdg(tmp_path, monkeypatch):
    from advisor.base import cache
    monkeypatch.delenv("PARCEL_ADVISOR_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.directory().parent == tmp_path / "parcel-advisor"


def test_the_folder_is_pruned_to_its_bound(tmp_path, monkeypatch):
    from advisor.base import cache
    monkeypatch.setenv("PARCEL_ADVISOR_CACHE", str(tmp_path))
    monkeypatch.setattr(cache, "MAX_ENTRIES", 10)
    for i in range(35):
        assert cache.cached("t", str(i).encode(), lambda: i) == i
    assert 0 < len(entries(tmp_path)) <= 10
    assert cache.cached("t", b"34", lambda: "rebuilt") == 34     # the newest entries are kept


def test_an_entry_changed_in_place_is_not_believed(tmp_path, monkeypatch):
    """A flipped byte inside an entry (same length, still loadable) is a miss, not a wrong value."""
    from advisor.base import cache
    monkeypatch.setenv("PARCEL_ADVISOR_CACHE", str(tmp_path))
    assert cache.cached("t", b"k", lambda: ["a", "b"]) == ["a", "b"]
    (entry,) = entries(tmp_path)
    data = entry.read_bytes()
    entry.write_bytes(data.replace(b"a", b"z"))
    assert cache.cached("t", b"k", lambda: ["rebuilt"]) == ["rebuilt"]
    assert cache.cached("t", b"k", lambda: ["again"]) == ["rebuilt"]


class _Planted:
    """What an attacker would plant: unpickling it runs code (here, makes a marker folder)."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        import os
        return (os.mkdir, (self.marker,))


def _plant(monkeypatch, tmp_path, mode):
    import hashlib
    import pickle
    from advisor.base import cache
    monkeypatch.setenv("PARCEL_ADVISOR_CACHE", str(tmp_path / "c"))
    folder = cache.directory()
    folder.mkdir(parents=True)
    folder.chmod(mode)
    marker = tmp_path / "code-ran"
    payload = pickle.dumps(_Planted(str(marker)))
    path = folder / f"t-{hashlib.sha256(b'k').hexdigest()[:40]}"
    path.write_bytes(hashlib.sha256(payload).digest() + payload)
    return cache, marker


def test_a_cache_folder_others_can_write_is_never_read(monkeypatch, tmp_path):
    cache, marker = _plant(monkeypatch, tmp_path, 0o777)
    assert cache.cached("t", b"k", lambda: "built") == "built"
    assert not marker.exists()


def test_the_planted_entry_would_run_in_a_trusted_folder(monkeypatch, tmp_path):
    """The attack of the test above is real: in a private folder the entry is read (and runs)."""
    cache, marker = _plant(monkeypatch, tmp_path, 0o700)
    cache.cached("t", b"k", lambda: "built")
    assert marker.exists()


def test_a_link_planted_where_an_entry_goes_never_overwrites_its_target(monkeypatch, tmp_path):
    import hashlib
    from advisor.base import cache
    monkeypatch.setenv("PARCEL_ADVISOR_CACHE", str(tmp_path / "c"))
    folder = cache.directory()
    folder.mkdir(parents=True, mode=0o700)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (folder / f"t-{hashlib.sha256(b'k').hexdigest()[:40]}").symlink_to(victim)
    assert cache.cached("t", b"k", lambda: "built") == "built"
    assert victim.read_text() == "precious"


def test_a_cache_folder_that_is_a_link_is_not_used(monkeypatch, tmp_path):
    from advisor.base import cache
    real = tmp_path / "elsewhere"
    real.mkdir(mode=0o700)
    monkeypatch.setenv("PARCEL_ADVISOR_CACHE", str(tmp_path / "c"))
    folder = cache.directory()
    folder.parent.mkdir(parents=True, mode=0o700)
    folder.symlink_to(real, target_is_directory=True)
    assert cache.trusted(folder) is False
    assert cache.cached("t", b"k", lambda: "built") == "built"
    assert list(real.iterdir()) == []


def test_a_fifo_in_a_rules_directory_is_an_error_not_a_hang(rules_copy):
    import os
    os.mkfifo(rules_copy / "advice" / "zz_pipe.yaml")
    from conftest import run_cli
    p = subprocess.run([sys.executable, "-m", "advisor", "RK190321410CN", "--rules", str(rules_copy)],
                       capture_output=True, text=True, cwd=ROOT, timeout=60,
                       env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PARCEL_ADVISOR_CACHE": "off"})
    assert p.returncode == 2 and "rules/advice/zz_pipe.yaml: not a regular file" in p.stderr
    code, out, _ = run_cli("rules", "check", str(rules_copy))
    assert code == 1 and "zz_pipe.yaml: not a regular file" in out


def test_one_flipped_bit_in_any_entry_is_rebuilt_never_run(tmp_path):
    """Issue 37: one flipped bit in a compiled template entry made 3 of 40 later starts crash and
    4 of 40 change a message. Every entry's digest is checked before it is loaded: each damaged
    entry is a miss, the advice is the uncached one, and the entry is written again whole."""
    import random
    cache = tmp_path / "cache"
    first = advise(cache, *ARGS)
    assert first[0] == 0, first[2]
    rng = random.Random(37)
    for _ in range(6):
        damaged = {}
        for path in entries(cache):
            data = bytearray(path.read_bytes())
            at = rng.randrange(len(data))
            data[at] ^= 1 << rng.randrange(8)
            path.write_bytes(bytes(data))
            damaged[path] = bytes(data)
        assert advise(cache, *ARGS) == first
        assert all(p.read_bytes() != damaged[p] for p in damaged if p.exists())    # rebuilt


def test_the_cache_is_used_under_umask_002(tmp_path):
    """A umask of 002 made the cache folders group-writable, and so never trusted: no start was fast."""
    import os
    import stat
    cache = tmp_path / "cache"
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PARCEL_ADVISOR_CACHE": str(cache)}
    code = "import sys; from advisor import Advisor; Advisor(); print('yaml' in sys.modules)"
    runs = [subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=env,
                           preexec_fn=lambda: os.umask(0o002)) for _ in range(2)]
    assert [r.stdout.strip() for r in runs] == ["True", "False"], [r.stderr for r in runs]
    for folder in {p.parent for p in entries(cache)} | {p.parent.parent for p in entries(cache)}:
        assert not os.stat(folder).st_mode & (stat.S_IWGRP | stat.S_IWOTH)
