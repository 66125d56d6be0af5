"""A disk cache for what every start would rebuild from unchanged files: parsed rule files,
compiled JSON Schema validators and compiled templates, most of the start-up time of `advise CODE`.

An entry's name is a hash of everything it was built from, so an edited file is a miss, never a
stale hit. The cache only speeds things up: an entry that cannot be read is rebuilt, one that
cannot be written is skipped, and no user facts are ever stored (only files under a rules
directory and the shipped schemas). Where: `$PARCEL_ADVISOR_CACHE`, else
`$XDG_CACHE_HOME/parcel-advisor`, else `~/.cache/parcel-advisor`, in a subfolder per package
version and build of its code; `PARCEL_ADVISOR_CACHE=off` turns it off. Entries are loaded with
pickle and marshal, like Python's own `__pycache__`, so a folder someone else could write to is
never read: one not owned by the user, writable by group or others, or a symbolic link is
skipped (the cache is then off; `PARCEL_ADVISOR_DEBUG` says why), and entries are written through
a new private file that is never a link, then renamed into place. Every entry, compiled templates
included, starts with the SHA-256 of the rest, checked before it is loaded: a flipped bit is a
rebuilt entry, never code run (a damaged compiled template used to crash some starts and change a
message in others). The folders are made private whatever the umask (under 002 they were made
group-writable, then never trusted).
"""
from __future__ import annotations

import hashlib
import os
import pickle
import secrets
import stat
import sys
from functools import lru_cache
from pathlib import Path
from typing import Callable, TYPE_CHECKING, TypeVar

from advisor.version import __version__

if TYPE_CHECKING:
    from jinja2 import FileSystemBytecodeCache
    from jinja2.bccache import Bucket

T = TypeVar("T")

ENV = "PARCEL_ADVISOR_CACHE"
OFF = ("off", "0", "no", "false", "")
DIGEST = 32              # bytes of SHA-256 in front of each entry
MAX_ENTRIES = 500        # per version folder; the shipped files need ~100, each edit of a file adds one


def directory() -> Path | None:
    """The cache folder of this package version and code build, or None when the cache is off."""
    env = os.environ.get(ENV)
    if env is not None and env.strip().lower() in OFF:
        return None
    if env:
        base = Path(env).expanduser()
    else:
        xdg = os.environ.get("XDG_CACHE_HOME")
        base = (Path(xdg) if xdg else Path.home() / ".cache") / "parcel-advisor"
    return base / f"{__version__}-{sys.implementation.cache_tag}-{_code_stamp()}"


@lru_cache(maxsize=1)
def _code_stamp() -> str:
    """The package's own modules (names, sizes, times): entries are made by this code, so a
    changed module (a developer's edit, a reinstall) starts a new folder rather than reading
    entries an older loader wrote."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).parent.parent.rglob("*.py")):
        st = path.stat()
        digest.update(f"{path.name}:{st.st_size}:{st.st_mtime_ns};".encode())
    return digest.hexdigest()[:12]


def trusted(folder: Path) -> bool:
    """The folder and the one above it are the user's own and nobody else can write to them (or
    they do not exist yet: they are made private). Otherwise an entry in it could be anyone's."""
    for p in (folder.parent, folder):
        try:
            st = os.lstat(p)
        except FileNotFoundError:
            continue
        except OSError:
            return _distrust(p, "cannot be examined")
        if stat.S_ISLNK(st.st_mode):
            return _distrust(p, "is a symbolic link")
        if not stat.S_ISDIR(st.st_mode):
            return _distrust(p, "is not a directory")
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            return _distrust(p, "belongs to another user")
        if st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            return _distrust(p, "can be written by other users")
    return True


def _distrust(path: Path, why: str) -> bool:
    if os.environ.get("PARCEL_ADVISOR_DEBUG"):
        print(f"note: the start-up cache `{path}` {why}: not used", file=sys.stderr)
    return False


def cached(kind: str, key: bytes, build: Callable[[], T], dumps: Callable[[T], bytes] = pickle.dumps,
           loads: Callable[[bytes], T] = pickle.loads) -> T:
    """`build()`'s value, from the entry for (`kind`, `key`) when there is a good one."""
    folder = directory()
    if folder is None or not trusted(folder):
        return build()
    path = folder / f"{kind}-{hashlib.sha256(key).hexdigest()[:40]}"
    try:
        # the entry's own digest first: a damaged entry is a miss, never a different value
        payload = _verified(path.read_bytes())
        if payload is not None:
            return loads(payload)
    except Exception:  # noqa: BLE001 - missing, unreadable or not loadable: rebuild it
        pass
    value = build()
    payload = dumps(value)
    _write(folder, path, hashlib.sha256(payload).digest() + payload)
    return value


def _write(folder: Path, path: Path, data: bytes) -> None:
    """Write atomically (a reader sees the old entry or the whole new one); on any error, skip."""
    tmp = path.with_name(f"{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        _make(folder)
        if not trusted(folder):
            return
        # a new file of our own: never an existing one, never through a link someone planted
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)      # replaces a link at `path` itself, never what it points to
        _prune(folder)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass


def _make(folder: Path) -> None:
    """The folder and the one above it, private whatever the umask (002 would let the group write)."""
    folder.parent.parent.mkdir(parents=True, exist_ok=True)
    for p in (folder.parent, folder):
        try:
            p.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(p, 0o700)


def _verified(data: bytes) -> bytes | None:
    """An entry's payload when its digest matches, else None."""
    if len(data) >= DIGEST and hashlib.sha256(data[DIGEST:]).digest() == data[:DIGEST]:
        return data[DIGEST:]
    return None


def _prune(folder: Path) -> None:
    """Past MAX_ENTRIES, drop the least recently written half (old versions of edited files)."""
    entries = [p for p in folder.iterdir() if not p.name.endswith(".tmp")]
    if len(entries) <= MAX_ENTRIES:
        return
    entries.sort(key=lambda p: p.stat().st_mtime)
    for p in entries[:len(entries) // 2]:
        try:
            p.unlink()
        except OSError:
            pass


def template_cache() -> FileSystemBytecodeCache | None:
    """Jinja's own bytecode cache, kept in our folder and pruned with it; None when off."""
    folder = directory()
    if folder is None or not trusted(folder):
        return None
    from jinja2 import FileSystemBytecodeCache
    root: Path = folder

    class Verified(FileSystemBytecodeCache):
        """Jinja's entries with our digest in front, checked before `marshal` loads the code; a
        cache error only means a miss (Jinja's own raises when it cannot write)."""

        def load_bytecode(self, bucket: Bucket) -> None:
            try:
                payload = _verified(Path(self._get_cache_filename(bucket)).read_bytes())
                if payload is not None:
                    bucket.bytecode_from_string(payload)
            except Exception:  # noqa: BLE001 - unreadable or not Jinja's: compile the template again
                bucket.reset()

        def dump_bytecode(self, bucket: Bucket) -> None:
            if bucket.code is not None:
                payload = bucket.bytecode_to_string()
                _write(root, Path(self._get_cache_filename(bucket)), hashlib.sha256(payload).digest() + payload)

    return Verified(str(folder), pattern="jinja-%s")
