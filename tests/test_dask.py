"""The Dask recipe (advisor/cluster.py) on a real local cluster: two worker processes, JSON Lines
files in and out, the same bytes as `advise batch` gives for each file."""
import json
import os

import pytest

from conftest import TODAY, run_cli

pytest.importorskip("distributed", reason="the `dask` extra (in the test extras) installs Dask")

FACTS = [
    {"track": "RK190321410CN", "order": {"track_issued": "2026-11-10", "protection_ends": "2026-12-20"}},
    {"track": "RR123456785CN", "order": {"paid": "2026-10-01", "track_issued": "2026-10-05"},
     "dispute": {"opened": "2026-11-15", "seller_response": "partial_refund",
                 "offered_refund": {"amount": 3, "currency": "USD"}}},
    {"track": "LP00123456789012", "events": [{"date": "2026-11-12", "status": "Прибыло на территорию РФ"}]},
    {"order": {"paid": "2030-01-01"}},                   # an error line, in its place
]


def _write_parts(folder, parts: int):
    paths = []
    for p in range(parts):
        path = folder / f"part-{p:04d}.jsonl"
        lines = [json.dumps(FACTS[(p + i) % len(FACTS)]) for i in range(25)]
        lines.insert(3, "not json")                      # a bad line is answered in its place
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def test_a_local_cluster_gives_what_advise_batch_gives(tmp_path):
    from distributed import Client, LocalCluster
    from advisor.interfaces.batch import Settings
    from advisor.interfaces.cluster import advise_files
    (tmp_path / "in").mkdir()
    sources = _write_parts(tmp_path / "in", parts=4)
    out = tmp_path / "out"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      worker_class="distributed.Nanny") as cluster, Client(cluster) as client:
        results = advise_files([str(p) for p in sources], str(out), Settings(today=TODAY.isoformat(), lang="ru"),
                               client=client)
        # one Advisor per worker process, kept between its files
        built = client.run(lambda: __import__("advisor.interfaces.batch", fromlist=["_ADVISOR"])._ADVISOR is not None)
        pids = client.run(os.getpid)
    assert len(pids) == 2 and all(built.values())
    assert [r.lines for r in results] == [26] * 4 and all(r.failed >= 1 for r in results)
    for source, result in zip(sources, results):
        code, expected, err = run_cli("batch", str(source), "--today", TODAY.isoformat(), "--lang", "ru")
        assert code == 1, err                             # some lines failed, as in the cluster
        got = (out / f"{source.stem}.advice.jsonl").read_text(encoding="utf-8")
        assert got == expected and result.output.endswith(f"{source.stem}.advice.jsonl")
    first = json.loads(got.splitlines()[1])                # the last file starts with the error parcel
    assert first["schema"] == "parcel-advice/1" and first["lang"] == "ru"
    assert json.loads(got.splitlines()[3])["error"]["where"] == "line 4"


def test_a_missing_input_file_is_a_clear_error_naming_it(tmp_path):
    import pickle
    from advisor.interfaces.cluster import advise_files
    from advisor.base.errors import FactsError
    missing = str(tmp_path / "nope.jsonl")
    with pytest.raises(FactsError) as e:
        advise_files([missing], str(tmp_path / "out"))
    assert e.value.where == missing and "cannot read" in e.value.message
    again = pickle.loads(pickle.dumps(e.value))             # as a worker's error reaches the client
    assert (type(again), again.where, again.message) == (FactsError, missing, e.value.message)


def test_two_inputs_of_one_name_are_refused_before_anything_runs(tmp_path):
    """Issue 37: `a/part.jsonl` and `b/part.jsonl` were both advised into `OUT/part.advice.jsonl`:
    one file's advice lost, both reported done."""
    from advisor.interfaces.cluster import advise_files
    from advisor.base.errors import FactsError
    sources = []
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        path = tmp_path / folder / "part.jsonl"
        path.write_text(json.dumps({"track": "RK190321410CN"}) + "\n", encoding="utf-8")
        sources.append(str(path))
    out = tmp_path / "out"
    with pytest.raises(FactsError) as e:
        advise_files(sources, str(out))
    assert sources[0] in e.value.message and sources[1] in e.value.message and "part.advice.jsonl" in e.value.message
    assert e.value.help and not out.exists()                 # refused before anything ran
    with pytest.raises(FactsError) as e:
        advise_files([sources[0], sources[0]], str(out))
    assert "given twice" in e.value.message
