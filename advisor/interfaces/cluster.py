"""Advice for a whole base past one machine: a recipe on Dask (the optional `dask` extra).

A tracker that re-advises every parcel nightly has its facts as JSON Lines files (one per
partition of its export). `advise_files` makes a `dask.bag` of those files, one partition each;
each worker process builds one Advisor the first time it gets a file and keeps it for the
next; each file is advised by the code `advise batch` runs (batch.py), piece by piece, into a
JSON Lines file of its own with the same lines in the same order. So the output of a cluster is
byte for byte the output of `advise batch` on each file.

Paths are fsspec URLs (a local or shared folder, or `s3://…` with s3fs installed): every worker
must be able to read the inputs and write the output folder.
"""
from __future__ import annotations

import posixpath
from dataclasses import dataclass
from typing import TYPE_CHECKING

from advisor.interfaces.batch import Settings

if TYPE_CHECKING:
    from distributed import Client


@dataclass
class FileResult:
    source: str
    output: str
    lines: int
    failed: int


def output_name(source: str, output_dir: str) -> str:
    """`in/part-0001.jsonl` -> `OUT/part-0001.advice.jsonl`."""
    stem = posixpath.basename(source.rstrip("/"))
    stem = stem[:-len(".jsonl")] if stem.endswith(".jsonl") else stem
    return posixpath.join(output_dir.rstrip("/"), f"{stem}.advice.jsonl")


def advise_file(source: str, output_dir: str, settings: Settings) -> FileResult:
    """One file advised in this worker (its Advisor built once per process), streamed in pieces."""
    import fsspec
    from advisor.interfaces import batch
    if batch._SETTINGS != settings:
        batch._init(settings)
    from advisor.base.errors import FactsError, OutputError
    target = output_name(source, output_dir)
    lines = failed = 0
    try:
        inp = fsspec.open(source, "rb").open()
    except OSError as e:
        raise FactsError(f"cannot read `{source}`: {e.strerror or e}", where=source) from None
    try:
        with inp, fsspec.open(target, "wb") as out:
            for n, data, error in batch.read_chunks(inp):
                text, count, bad = batch.advise_chunk(n, data, error)
                out.write(text)
                lines += count
                failed += bad
    except OSError as e:
        raise OutputError(f"cannot write `{target}`: {e.strerror or e}", where=target) from None
    return FileResult(source, target, lines, failed)


def advise_files(sources: list[str], output_dir: str, settings: Settings | None = None,
                 client: Client | None = None) -> list[FileResult]:
    """Every file advised on the cluster `client` is connected to (or Dask's default scheduler
    when there is none); the results in the order of `sources`."""
    try:
        import dask.bag as db
        import fsspec
    except ImportError:  # pragma: no cover - depends on the installed extras
        from advisor.base.errors import AdvisorError
        raise AdvisorError("advising on Dask needs the `dask` extra", help="pip install 'parcel-advisor[dask]'") from None
    settings = settings or Settings()
    _one_output_each(sources, output_dir)
    fs, _, (folder,) = fsspec.get_fs_token_paths(output_dir)
    fs.makedirs(folder, exist_ok=True)
    bag = db.from_sequence(sources,  # type: ignore[no-untyped-call]  # dask.bag is not annotated
                           npartitions=max(1, len(sources)))
    work = bag.map(advise_file, output_dir, settings)
    if client is not None:
        return list(client.compute(work).result())  # type: ignore[no-untyped-call]  # distributed's compute is not annotated
    return list(work.compute())


def _one_output_each(sources: list[str], output_dir: str) -> None:
    """Every input its own output, checked before anything runs: two inputs of one file name in
    different folders wrote one output, one file's advice lost and both reported done."""
    from advisor.base.errors import FactsError
    seen: dict[str, str] = {}
    for source in sources:
        target = output_name(source, output_dir)
        if target in seen:
            same = seen[target] == source
            raise FactsError(f"`{source}` is given twice" if same else
                             f"`{seen[target]}` and `{source}` would both be advised into `{target}`",
                             where="sources", help="give each input once" if same else
                             "give the inputs distinct file names, or advise each folder into its own output folder")
        seen[target] = source
