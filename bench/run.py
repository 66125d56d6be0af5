"""Benchmark: per-parcel cost beside its floors and beside a previous release (bench/sidebyside.py),
CLI latency, import time, batch throughput, track-code analysis beside a peer library
(bench/track_codes.py), memory over distinct parcels.

    python bench/run.py                          # the full run (a few minutes on 2 cores)
    python bench/run.py --quick                  # smaller counts, for a quick look
    python bench/run.py --against v0.9.0         # beside a previous release (any git ref), as ratios
    python bench/run.py --against REF --only-compare   # just that table and the start-up
    python bench/run.py --against REF --only-compare --markdown   # and it as the README's table

Everything is measured in one run and reported as ratios too, because this machine is noisy:
compare ratios between runs, not absolute numbers. Each batch configuration runs `--repeat`
times (round robin, so a noisy minute does not fall on one configuration only); the best and
the median rate are printed, the best first (as `timeit` does: noise only ever slows a run).
`advise CODE` is timed as users run it, with the start-up cache filled (a private folder, filled
by one run first), and with the cache off.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TODAY = dt.date(2026, 11, 22)
STATUSES = {
    "pre_advice": ["Item pre-advice received", "Регистрация отправки"],
    "accepted": ["Приём", "Accepted by carrier"],
    "origin_sorting": ["Inbound in sorting center", "Покинуло место приёма"],
    "export": ["Экспорт", "Hand over to airline"],
    "import": ["Импорт", "Arrive at destination country"],
    "customs": ["Передано таможне", "Import customs clearance started"],
    "customs_held": ["Задержано таможней", "Held by customs"],
    "destination_sorting": ["Прибыло в сортировочный центр", "Выпущено таможней"],
    "arrived_office": ["Прибыло в место вручения", "Awaiting collection"],
    "delivered": ["Вручение адресату", "Delivered"],
    "returned": ["Возврат", "Returned to sender"],
}
ORDER = list(STATUSES)
SHIPPING = ["China Post Registered Air Mail", "AliExpress Standard Shipping", "Cainiao Super Economy",
            "ePacket", "EMS", "DHL", "FedEx", "SPSR", "CDEK", "Joom Logistics"]
S10_SERVICES = ["RA", "RB", "RK", "RL", "RR", "RT", "LA", "LB", "LP", "UA", "UB", "CP", "EE", "EA", "RG"]
S10_ORIGINS = ["CN", "CN", "CN", "CN", "HK", "SG", "FI", "NL", "GB", "DE", "US", "YP"]
OTHER_CODES = ["hs123456789he", "65519797821543", "12345678", "1Z999AA10123456784", "ZZ12QQQQ", "YT2212345678901"]


def track_code(rng: random.Random) -> str:
    """Mostly distinct S10 codes (a tenth with a wrong check digit, some pasted in lower case with
    spaces or a Cyrillic letter), the rest other shapes: every parcel analyses its own code."""
    try:
        from advisor.knowledge.checksums import s10_check_digit
    except ImportError:         # a release before the packages by phase (`--against` an older ref)
        from advisor.checksums import s10_check_digit  # type: ignore[no-redef]
    if rng.random() < 0.1:
        return rng.choice(OTHER_CODES)
    serial = f"{rng.randrange(10 ** 8):08d}"
    check = s10_check_digit(serial)
    if rng.random() < 0.1:
        check = (check + 1) % 10
    code = f"{rng.choice(S10_SERVICES)}{serial}{check}{rng.choice(S10_ORIGINS)}"
    if rng.random() < 0.1:
        code = f"{code[:2].lower()} {code[2:11]} {code[11:].lower().replace('c', 'с')}"
    return code


def day(offset: int) -> str:
    return (TODAY - dt.timedelta(days=offset)).isoformat()


def parcel(rng: random.Random) -> dict:
    """One realistic parcel: any code shape, platform, stage, seller and dispute state."""
    issued = rng.randint(0, 150)
    facts = {"track": track_code(rng), "platform": rng.choice(["aliexpress", "aliexpress", "joom", "ebay", "ok"]),
             "today": TODAY.isoformat(), "order": {"track_issued": day(issued), "paid": day(issued + rng.randint(0, 5))}}
    if rng.random() < 0.7:
        facts["order"]["protection_ends"] = day(issued - rng.randint(30, 120))
    if rng.random() < 0.3:
        facts["order"]["destination"] = {"country": rng.choice(["RU", "UA", "BY", "KZ"]), "city": "Moscow"}
    if rng.random() < 0.05:
        facts["tracked_destination"] = {"country": "CA", "city": "Ottawa"}
    if rng.random() < 0.2:
        facts["order"]["price"] = {"amount": round(rng.uniform(1, 80), 2), "currency": "USD"}
    if rng.random() < 0.4:
        facts["order"]["shipping"] = {"method": rng.choice(SHIPPING), "free": rng.random() < 0.6}
    stage_count = rng.randint(0, len(ORDER))
    events, when = [], issued
    for stage in ORDER[:stage_count]:
        if stage in ("customs_held", "delivered", "returned") and rng.random() < 0.7:
            continue
        when = max(0, when - rng.randint(1, 15))
        events.append({"date": day(when), "status": rng.choice(STATUSES[stage])})
    if events:
        facts["events"] = events
    if rng.random() < 0.2:
        facts["seller"] = {"messaged": day(rng.randint(0, issued)), "replied": rng.random() < 0.5}
    if rng.random() < 0.25:
        response = rng.choice(["none", "rejected", "partial_refund", "resend_promise", "accepted"])
        facts["dispute"] = {"opened": day(rng.randint(0, issued)), "seller_response": response}
        if response == "partial_refund":
            facts["dispute"]["offered_refund"] = {"amount": 2.0, "currency": "USD"}
    if rng.random() < 0.1:
        facts["received"] = True
    return facts


def parcels(n: int, seed: int = 7):
    rng = random.Random(seed)
    return [parcel(rng) for _ in range(n)]


def wall(cmd: list[str], runs: int, env: dict | None = None) -> float:
    env = dict(env or os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)        # bytecode written, as an installed package has it
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True, env=env)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def _status(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def rss_kib() -> int:
    return _status("VmRSS")


def peak_kib() -> int:
    # VmHWM, not getrusage: ru_maxrss survives exec and would report the parent's peak
    return _status("VmHWM")


def batch_rate(path: Path, workers: int, messages: bool, n: int) -> float:
    from advisor.interfaces.batch import Settings, run
    with open(path, "rb") as src:
        out = io.BytesIO() if n <= 20_000 else open(os.devnull, "wb")
        t = time.perf_counter()
        totals = run(src, out, Settings(messages=messages), workers)
        seconds = time.perf_counter() - t
    assert totals.lines == n, totals
    return n / seconds


def dask_rate(path: Path, tmp: Path, workers: int, n: int, batch_best: float) -> None:
    """The Dask recipe (advisor/cluster.py) on a local cluster of `workers` processes, beside
    `advise batch` with as many workers: the same parcels split into 4 files a worker."""
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        print("dask: not installed (pip install '.[dask]'), not measured")
        return
    from advisor.interfaces.batch import Settings
    from advisor.interfaces.cluster import advise_files
    lines = path.read_bytes().splitlines(keepends=True)
    parts = workers * 4
    sources = []
    for i in range(parts):
        part = tmp / f"part-{i:03d}.jsonl"
        part.write_bytes(b"".join(lines[i::parts]))
        sources.append(str(part))
    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        advise_files(sources[:workers], str(tmp / "warm"), Settings(messages=False), client=client)   # Advisors built
        t = time.perf_counter()
        results = advise_files(sources, str(tmp / "out"), Settings(messages=False), client=client)
        seconds = time.perf_counter() - t
    assert sum(r.lines for r in results) == n
    rate = n / seconds
    print(f"dask: {workers} worker processes, {parts} files, no messages {rate:9,.0f}/s   "
          f"this/batch with {workers} workers {rate / batch_best:5.2f}x")


def floor_rate(docs: list[dict]) -> float:
    """Parse facts, analyse the code, derive facts and write JSON: everything but engine and text."""
    from advisor.api import default_advisor
    from advisor.engine.derive import derive
    from advisor.reading.trackcode import analyse
    from advisor.base.jsonio import compact, loads
    adv = default_advisor()
    sink = open(os.devnull, "w", encoding="utf-8")
    lines = [json.dumps(doc, ensure_ascii=False) for doc in docs]
    t = time.perf_counter()
    for line in lines:
        f = adv.facts(loads(line), TODAY)
        track = analyse(f.track, adv.formats, f.platform) if f.track else None
        d = derive(f, track, adv.knowledge)
        sink.write(compact(dict(d.engine, dates={k: v.isoformat() for k, v in d.dates.items()})) + "\n")
    return len(docs) / (time.perf_counter() - t)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller counts")
    ap.add_argument("--workers", type=int, default=len(os.sched_getaffinity(0)))
    ap.add_argument("--repeat", type=int, default=3, help="runs of each batch configuration")
    ap.add_argument("--against", metavar="REF", help="a git ref (a previous release) measured side by side, "
                    "checked out to a temporary worktree; figures given as ratios this/REF")
    ap.add_argument("--only-compare", action="store_true", help="only the per-parcel figures, floors and start")
    ap.add_argument("--markdown", action="store_true", help="also print those figures as the README's table")
    ap.add_argument("--memory", nargs=2, type=int, metavar=("FIRST", "LAST"), help=argparse.SUPPRESS)
    ap.add_argument("--probe", nargs=2, type=int, metavar=("N", "SEED"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory:
        memory(*args.memory)
        return
    sys.path.insert(0, str(Path(__file__).parent))
    import sidebyside
    if args.probe:
        print(json.dumps(sidebyside.probe(*args.probe)))
        return
    print(f"machine: {os.cpu_count()} cores, python {sys.version.split()[0]}; workers={args.workers}")
    sidebyside.compare(args.against, 2_000 if args.quick else 10_000, args.repeat, 5 if args.quick else 15,
                       markdown=args.markdown)
    if args.only_compare:
        return
    n_batch = 10_000 if args.quick else 100_000
    n_mem = (2_000, 20_000) if args.quick else (10_000, 200_000)
    runs = 5 if args.quick else 20
    py = sys.executable

    base = wall([py, "-c", "pass"], runs)
    imp = wall([py, "-c", "import advisor"], runs)
    imp_api = wall([py, "-c", "import advisor.api"], runs)
    code = [py, "-m", "advisor", "RK190321410CN", "--today", "2026-11-22", "--issued", "2026-11-10"]
    with tempfile.TemporaryDirectory() as cache:
        warm_env = dict(os.environ, PARCEL_ADVISOR_CACHE=cache)
        subprocess.run(code, check=True, capture_output=True, env=warm_env)     # fills the cache
        cli = wall(code, runs, warm_env)
    cold = wall(code, runs, dict(os.environ, PARCEL_ADVISOR_CACHE="off"))
    print("\n# latency (median of %d runs)" % runs)
    print(f"python -c pass            {base * 1000:7.1f} ms   1.00x")
    print(f"import advisor            {imp * 1000:7.1f} ms   {imp / base:5.2f}x")
    print(f"import advisor.api        {imp_api * 1000:7.1f} ms   {imp_api / base:5.2f}x")
    print(f"advise CODE --today ...   {cli * 1000:7.1f} ms   {cli / base:5.2f}x   (target < 250 ms)")
    print(f"  same, cache off         {cold * 1000:7.1f} ms   {cold / base:5.2f}x   (every file parsed and compiled)")

    docs = parcels(n_batch)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "parcels.jsonl"
        path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
        floor = floor_rate(docs[:min(n_batch, 20_000)])
        del docs   # `advise batch` holds no parsed parcels: neither should the process measuring it
        print(f"\n# batch throughput, {n_batch:,} parcels (parcels/s)")
        print(f"floor: parse + derive + JSON, 1 process  {floor:9,.0f}/s")
        configs = [(workers, messages) for workers in (1, args.workers) for messages in (False, True)]
        rates: dict[tuple[int, bool], list[float]] = {c: [] for c in configs}
        for _ in range(args.repeat):
            for workers, messages in configs:
                rates[(workers, messages)].append(batch_rate(path, workers, messages, n_batch))
        print(f"(best and median of {args.repeat} runs each)")
        for (workers, messages), got in rates.items():
            rate, median = max(got), statistics.median(got)
            label = f"{workers} worker(s), {'with messages (en+ru)' if messages else 'no messages'}"
            print(f"{label:42s} {rate:9,.0f}/s  (median {median:,.0f})   floor/this {floor / rate:5.2f}x"
                  + (f"   per worker {rate / workers:,.0f}/s" if workers > 1 else ""))
        best = {c: max(got) for c, got in rates.items()}
        print(f"scaling {args.workers} workers / 1, no messages: {best[(args.workers, False)] / best[(1, False)]:.2f}x")
        dask_rate(path, Path(tmp), args.workers, n_batch, best[(args.workers, False)])

    print("\n# the plan's guarantees (rules/safety.yaml), in one process, no messages")
    on, off = safety_cost(2_000 if args.quick else 20_000, args.repeat)
    print(f"with the safety layer     {on:9,.0f}/s")
    print(f"without it                {off:9,.0f}/s   the layer costs {100 * (1 - on / off):4.1f}% (target <= 10%)")

    n_read = 2_000 if args.quick else 20_000
    print(f"\n# reading status texts: {n_read:,} parcels whose events are real lines of tests/corpus/statuses")
    passes = reading_cost(n_read, args.repeat)
    for i, (total, share) in enumerate(passes):
        label = "first pass (every line new)" if i == 0 else f"pass {i + 1}"
        print(f"{label:30s} {n_read / total:9,.0f}/s   reading {100 * share:4.1f}% of the time (target <= 10%)")

    sys.path.insert(0, str(Path(__file__).parent))
    import track_codes
    track_codes.report(track_codes.run(5_000 if args.quick else 20_000))

    print("\n# memory, a fresh process")
    sys.stdout.flush()
    subprocess.run([py, __file__, "--memory", str(n_mem[0]), str(n_mem[1])], check=True)


def safety_cost(n: int, repeat: int) -> tuple[float, float]:
    """advise() rate with the guarantees checked (as shipped) and with the layer switched off
    (no caps, no checks, no message requirements), round robin, best of `repeat` each."""
    from advisor.api import Advisor
    from advisor.advice.safety import Plan
    adv = Advisor()
    docs = parcels(n, seed=5)
    on = (adv.safety, adv.message_requires)

    class Off:
        def plan(self, *a):
            return Plan(None, False, frozenset(), frozenset(), "wait", "open_dispute")

        def enforce(self, *a):
            return None

    off = (Off(), {p: {} for p in adv.profiles})
    rates: dict[str, list[float]] = {"on": [], "off": []}
    for _ in range(repeat):
        for name, (safety, requires) in (("on", on), ("off", off)):
            adv.safety, adv.message_requires = safety, requires
            t = time.perf_counter()
            for d in docs:
                adv.advise(d, today=TODAY, messages=False)
            rates[name].append(n / (time.perf_counter() - t))
    adv.safety, adv.message_requires = on
    return max(rates["on"]), max(rates["off"])


def reading_cost(n: int, repeat: int) -> list[tuple[float, float]]:
    """The share of advise() time spent reading status texts (StageBook.classify), for parcels
    whose events are real lines of the status corpus: per pass, (total seconds, reading's share).
    The first pass reads every distinct line for the first time (and loads the dictionaries);
    later passes are what a batch or a server pays once its lines repeat."""
    sys.path.insert(0, str(Path(__file__).parent.parent / "tests"))
    import statuscorpus
    from advisor.api import Advisor
    adv = Advisor()
    rng = random.Random(3)
    texts = [line.text for line in statuscorpus.lines()]
    batch = [dict(d, events=[{"date": e["date"], "status": rng.choice(texts)} for e in d.get("events") or []])
             for d in parcels(n, seed=13)]
    spent = [0.0]
    read = adv.stages.classify

    def timed(*a, **kw):
        t = time.perf_counter()
        try:
            return read(*a, **kw)
        finally:
            spent[0] += time.perf_counter() - t

    adv.stages.classify = timed
    out = []
    for _ in range(repeat):
        spent[0] = 0.0
        t = time.perf_counter()
        for d in batch:
            adv.advise(d, today=TODAY, messages=False)
        total = time.perf_counter() - t
        out.append((total, spent[0] / total))
    return out


def memory(first: int, last: int) -> None:
    """RSS after `first` and after `last` evaluations of generated parcels in this process, each
    parcel a new one (made as it is advised, so a memo keyed by what parcels share must stay
    bounded: cycling a few thousand parcels would hide one that grows with distinct parcels)."""
    from advisor.api import default_advisor
    adv = default_advisor()
    rng = random.Random(11)
    n_mem = (first, last)
    start = rss_kib()
    marks = {}
    for i in range(n_mem[1]):
        adv.advise(parcel(rng), today=TODAY, messages=(i % 2 == 0))
        if i + 1 in n_mem:
            marks[i + 1] = (rss_kib(), peak_kib())
    for n, (rss, peak) in marks.items():
        print(f"after {n:>7,} evaluations: RSS {rss / 1024:6.1f} MiB, peak {peak / 1024:6.1f} MiB")
    (a_rss, _), (b_rss, _) = marks[n_mem[0]], marks[n_mem[1]]
    print(f"RSS growth from {n_mem[0]:,} to {n_mem[1]:,}: {(b_rss - a_rss) / 1024:+.1f} MiB (start {start / 1024:.1f} MiB)")


if __name__ == "__main__":
    main()
