"""The buyer's list of parcels (`advise watch`, `advise due`): one SQLite file in the user's data
directory, readable by its owner only.

It holds each parcel's facts, every version of them with its date, and each advice with its
date, so the list can say what changed since the buyer last looked. The schema has a version
(`PRAGMA user_version`) and migrations; a file written by a newer version is refused, never
rewritten, and a file that is not ours is refused too. Every write is one `BEGIN IMMEDIATE`
transaction, so a second process waits for the first instead of tearing the file.
"""
from __future__ import annotations

import json
import os
import sqlite3
import stat
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from advisor.base.errors import AdvisorError

SCHEMA_VERSION = 1
APPLICATION_ID = 0x50415731      # "PAW1": marks the file as a parcel list
FILE_NAME = "parcels.sqlite3"
ENV_VAR = "PARCEL_ADVISOR_WATCHLIST"
WAIT_SECONDS = 30                # how long a second process waits for the first one's write
_HEADER = b"SQLite format 3\x00"

# MIGRATIONS[n] takes a file from version n to n + 1; a new version appends one and raises
# SCHEMA_VERSION. They run in the transaction that sets the new version.
MIGRATIONS: list[tuple[str, ...]] = [
    (
        """CREATE TABLE parcels (
             id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, added TEXT NOT NULL, done TEXT)""",
        """CREATE TABLE facts (
             id INTEGER PRIMARY KEY, parcel INTEGER NOT NULL REFERENCES parcels(id) ON DELETE CASCADE,
             day TEXT NOT NULL, doc TEXT NOT NULL)""",
        "CREATE INDEX facts_of_parcel ON facts(parcel, id)",
        """CREATE TABLE advices (
             id INTEGER PRIMARY KEY, parcel INTEGER NOT NULL REFERENCES parcels(id) ON DELETE CASCADE,
             facts INTEGER NOT NULL REFERENCES facts(id) ON DELETE CASCADE,
             day TEXT NOT NULL, digest TEXT NOT NULL, advice TEXT NOT NULL)""",
        "CREATE INDEX advices_of_parcel ON advices(parcel, id)",
        # calendar events of removed parcels, kept (without the code) so the next calendar file
        # cancels them
        "CREATE TABLE cancelled (uid TEXT PRIMARY KEY, day TEXT NOT NULL, removed TEXT NOT NULL)",
        "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    ),
]


class WatchListError(AdvisorError):
    """The list's file cannot be used (not ours, from a newer version, unreadable) or a parcel
    asked for is not on it."""

    kind = "watchlist"


@dataclass
class Parcel:
    id: int
    code: str
    added: str
    done: str | None
    facts: dict[str, Any]
    facts_id: int
    facts_day: str


@dataclass
class Stored:
    """One advice kept for a parcel, with the day it was made for."""

    day: str
    digest: str
    advice: dict[str, Any]


def default_path() -> Path:
    """`$PARCEL_ADVISOR_WATCHLIST`, else the user's data directory (platformdirs)."""
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    from platformdirs import user_data_dir
    return Path(user_data_dir("parcel-advisor", appauthor=False)) / FILE_NAME


class WatchList:
    """An open list file. Reads see a consistent file; each change is one transaction."""

    def __init__(self, path: Path, create: bool = True):
        self.path = path
        self._prepare_file(create)
        try:
            self.db = sqlite3.connect(str(path), timeout=WAIT_SECONDS, isolation_level=None)
            self.db.execute("PRAGMA foreign_keys = ON")
            self._check_and_migrate()
        except sqlite3.DatabaseError as e:
            raise WatchListError(f"`{path}` cannot be read as a parcel list ({e})", where="watch list",
                                 help="move the file away to start a new list") from None

    # -- the file
    def _prepare_file(self, create: bool) -> None:
        p = self.path
        if p.is_dir():
            raise WatchListError(f"`{p}` is a directory", where="watch list", help="give a file name")
        if not p.exists():
            if not create:
                raise WatchListError(f"no parcel list at `{p}`", where="watch list",
                                     help="add a parcel with `advise watch add CODE`")
            p.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            try:
                os.close(os.open(p, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            except FileExistsError:
                pass                    # another process made it first
        with p.open("rb") as f:
            head = f.read(len(_HEADER))
        if head and head != _HEADER:
            raise WatchListError(f"`{p}` is not a parcel list (not an SQLite file)", where="watch list",
                                 help=f"give another file, or set {ENV_VAR}")
        mode = stat.S_IMODE(p.stat().st_mode)
        if mode & 0o077:                # the buyer's orders are nobody else's business
            os.chmod(p, mode & 0o700)

    def _version(self) -> tuple[int, int]:
        return (self.db.execute("PRAGMA user_version").fetchone()[0],
                self.db.execute("PRAGMA application_id").fetchone()[0])

    def _check_and_migrate(self) -> None:
        """Refuse or migrate only under the write lock: read without it, the version, the program's
        id and the tables are three reads, and another process creating the list between them made
        a new list look like another program's file."""
        version, app = self._version()
        if version > SCHEMA_VERSION:
            self._refuse(version, app)
        if version == SCHEMA_VERSION and app == APPLICATION_ID:
            return
        with self._write():
            version, app = self._version()      # another process may have migrated meanwhile
            self._refuse(version, app)
            for n in range(version, SCHEMA_VERSION):
                for statement in MIGRATIONS[n]:
                    self.db.execute(statement)
            self.db.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            self.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    def _refuse(self, version: int, app: int) -> None:
        if version > SCHEMA_VERSION:
            raise WatchListError(
                f"`{self.path}` was written by a newer parcel-advisor (list version `{version}`; this one "
                f"reads up to {SCHEMA_VERSION}); it is left as it is", where="watch list",
                help="upgrade parcel-advisor: pip install -U parcel-advisor")
        others = self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
        if (app not in (0, APPLICATION_ID)) or (version == 0 and others):
            raise WatchListError(f"`{self.path}` is an SQLite file of another program", where="watch list",
                                 help=f"give another file, or set {ENV_VAR}")

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    def close(self) -> None:
        self.db.close()

    # -- parcels
    def parcels(self, with_done: bool = False) -> list[Parcel]:
        rows = self.db.execute(
            """SELECT p.id, p.code, p.added, p.done, f.doc, f.id, f.day FROM parcels p
               JOIN facts f ON f.id = (SELECT max(id) FROM facts WHERE parcel = p.id)
               ORDER BY p.id""").fetchall()
        return [Parcel(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6]) for r in rows
                if with_done or r[3] is None]

    def get(self, code: str) -> Parcel | None:
        return next((p for p in self.parcels(with_done=True) if p.code == code), None)

    def need(self, code: str) -> Parcel:
        parcel = self.get(code)
        if parcel is None:
            codes = ", ".join(f"`{p.code}`" for p in self.parcels(with_done=True)[:10]) or "none"
            raise WatchListError(f"`{code}` is not on your list", where="CODE", help=f"on the list: {codes}")
        return parcel

    def add(self, code: str, facts: dict[str, Any], day: str, added: str | None = None, done: str | None = None) -> Parcel:
        with self._write() as db:
            if db.execute("SELECT 1 FROM parcels WHERE code = ?", (code,)).fetchone():
                raise WatchListError(f"`{code}` is already on your list", where="CODE",
                                     help=f"give new facts with `advise watch update {code} ...`")
            pid = db.execute("INSERT INTO parcels (code, added, done) VALUES (?, ?, ?)",
                             (code, added or day, done)).lastrowid
            db.execute("INSERT INTO facts (parcel, day, doc) VALUES (?, ?, ?)", (pid, day, _dump(facts)))
        return self.need(code)

    def set_facts(self, parcel: Parcel, facts: dict[str, Any], day: str) -> Parcel:
        """A new version of the parcel's facts, kept beside the older ones."""
        if facts != parcel.facts:
            with self._write() as db:
                db.execute("INSERT INTO facts (parcel, day, doc) VALUES (?, ?, ?)", (parcel.id, day, _dump(facts)))
        return self.need(parcel.code)

    def set_done(self, parcel: Parcel, day: str | None) -> None:
        with self._write() as db:
            db.execute("UPDATE parcels SET done = ? WHERE id = ?", (day, parcel.id))

    def remove(self, parcel: Parcel, calendar_uids: list[tuple[str, str]], day: str) -> None:
        """The parcel, its facts and advices deleted; its calendar events' UIDs kept to cancel them."""
        with self._write() as db:
            db.executemany("INSERT OR REPLACE INTO cancelled (uid, day, removed) VALUES (?, ?, ?)",
                           [(uid, when, day) for uid, when in calendar_uids])
            db.execute("DELETE FROM parcels WHERE id = ?", (parcel.id,))

    def cancelled(self) -> list[tuple[str, str, str]]:
        return self.db.execute("SELECT uid, day, removed FROM cancelled ORDER BY uid").fetchall()

    # -- advices
    def advices(self, parcel: Parcel, last: int | None = None) -> list[Stored]:
        """The parcel's kept advices, oldest first (the `last` ones only, when given)."""
        rows = self.db.execute("SELECT day, digest, advice FROM advices WHERE parcel = ? ORDER BY id DESC"
                               + (" LIMIT ?" if last else ""), (parcel.id, last) if last else (parcel.id,)).fetchall()
        return [Stored(r[0], r[1], json.loads(r[2])) for r in reversed(rows)]

    def keep_advice(self, parcel: Parcel, day: str, digest: str, advice: dict[str, Any]) -> bool:
        """Keep this advice unless the latest kept one says the same; True when it was kept."""
        with self._write() as db:
            row = db.execute("SELECT digest FROM advices WHERE parcel = ? ORDER BY id DESC LIMIT 1",
                             (parcel.id,)).fetchone()
            if row and row[0] == digest:
                return False
            db.execute("INSERT INTO advices (parcel, facts, day, digest, advice) VALUES (?, ?, ?, ?, ?)",
                       (parcel.id, parcel.facts_id, day, digest, _dump(advice)))
        return True

    # -- the list's own notes (the day the list was last shown)
    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))


def _dump(doc: dict[str, Any]) -> str:
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
