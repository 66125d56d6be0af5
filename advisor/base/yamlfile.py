"""Safe YAML loading that remembers where every mapping and key was written.

Rule editors get `file:line:col` in every error, so the loader keeps the marks YAML gives us.
It also refuses alias-heavy ("billion laughs") and very deep documents up front. PyYAML is
imported on first parse: with the rule files in the disk cache, a start needs no parser.
"""
from __future__ import annotations

import re

import os
import pickle
import stat
from pathlib import Path
from typing import TYPE_CHECKING, Any

from advisor.base import cache
from advisor.base.errors import AdvisorError, RulesError
from advisor.base.location import Location

if TYPE_CHECKING:
    from yaml import SafeLoader
    from yaml.nodes import MappingNode, ScalarNode, SequenceNode

MAX_BYTES = 2 * 1024 * 1024
MAX_ALIASES = 100
MAX_DEPTH = 60
SAFE_DEPTH = 500          # nesting the C parser builds without trouble; deeper may crash it
MAX_NODES = 200_000       # values after expanding aliases; the shipped rules are about 15,000
EVENT_PASS_BYTES = 256 * 1024   # a file this large is checked from the event stream before it is built


class Located(dict[str, Any]):
    """A mapping that knows its own position and the position of each key."""

    file: str = "?"
    line: int = 0
    col: int = 0

    def __init__(self, *a: Any, **kw: Any):
        super().__init__(*a, **kw)
        self.key_marks: dict[str, tuple[int, int]] = {}

    def location(self, key: str | None = None) -> Location:
        """Where this mapping, or its key `key` (when it has it), was written."""
        line, col = self.key_marks.get(key, (self.line, self.col)) if key else (self.line, self.col)
        return Location(self.file, line, col)

    def where(self, key: str | None = None) -> str:
        return str(self.location(key))


class LocatedList(list[Any]):
    file: str = "?"
    line: int = 0
    col: int = 0
    item_marks: list[tuple[int, int]]

    def location(self, index: int | None = None) -> Location:
        if index is not None and index < len(self.item_marks):
            line, col = self.item_marks[index]
        else:
            line, col = self.line, self.col
        return Location(self.file, line, col)

    def where(self, index: int | None = None) -> str:
        return str(self.location(index))


def located(node: object, key: str | None = None, fallback: str = "?") -> str:
    """Where `node` (or its `key`) was written when it was read from a YAML file, else `fallback`
    (a value made in code, a file read without positions). A list has no keys: its own place."""
    if isinstance(node, Located):
        return node.where(key)
    if isinstance(node, LocatedList):
        return node.where()
    return fallback


def _base() -> type[SafeLoader]:
    """libyaml when present (about ten times faster; same marks and errors), else pure Python."""
    import yaml
    return getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _loader_for(file: str) -> type[SafeLoader]:
    import yaml

    class Loader(_base()):  # type: ignore[misc]  # libyaml's loader when present, chosen at run time
        pass

    def construct_mapping(loader: SafeLoader, node: MappingNode, deep: bool = False) -> Located:
        loader.flatten_mapping(node)
        out = Located()
        out.file, out.line, out.col = file, node.start_mark.line + 1, node.start_mark.column + 1
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                raise RulesError("a mapping key must be a plain value",
                                 where=f"{file}:{key_node.start_mark.line + 1}:{key_node.start_mark.column + 1}")
            key = str(key) if not isinstance(key, str) else key
            if key in out:
                raise RulesError(f"duplicate key `{key}`",
                                 where=f"{file}:{key_node.start_mark.line + 1}:{key_node.start_mark.column + 1}",
                                 help="a key may appear once in a mapping; remove or rename one of them")
            out[key] = loader.construct_object(value_node, deep=True)
            out.key_marks[key] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return out

    def construct_sequence(loader: SafeLoader, node: SequenceNode, deep: bool = False) -> LocatedList:
        out = LocatedList(loader.construct_object(child, deep=True) for child in node.value)
        out.file, out.line, out.col = file, node.start_mark.line + 1, node.start_mark.column + 1
        out.item_marks = [(c.start_mark.line + 1, c.start_mark.column + 1) for c in node.value]
        return out

    def construct_timestamp_as_text(loader: SafeLoader, node: ScalarNode) -> str:
        # Dates stay text: the facts layer parses them itself and reports bad ones by name.
        return loader.construct_scalar(node)

    def construct_bool_only_true_false(loader: SafeLoader, node: ScalarNode) -> bool | str:
        # YAML 1.1 reads yes/no/on/off as booleans: a term list's `no` or `on` became False and
        # True and silently matched nothing. Only true/false are booleans here (as in YAML 1.2).
        text = loader.construct_scalar(node)
        return {"true": True, "false": False}.get(str(text).lower(), text)

    Loader.add_constructor("tag:yaml.org,2002:bool", construct_bool_only_true_false)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_mapping)
    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, construct_sequence)
    Loader.add_constructor("tag:yaml.org,2002:timestamp", construct_timestamp_as_text)
    return Loader


def _check_depth(text: str, file: str) -> None:
    """Refuse deep nesting from the parser's event stream, before any node is built: building
    a document nested tens of thousands deep overflows the C stack (a crash, not an error).

    libyaml reads ahead and, from PyYAML 6.0.4 on, stops at its own depth limit with its own
    words; when the fast pass fails, the pure-Python parser (which reads events one by one,
    with no limit of its own) decides, so the answer does not depend on the PyYAML release."""
    import yaml
    try:
        _depth_pass(_base(), text, file)
    except yaml.YAMLError:
        if _base() is yaml.SafeLoader:
            raise
        _depth_pass(yaml.SafeLoader, text, file)


def _depth_pass(loader_cls: type[SafeLoader], text: str, file: str) -> None:
    """One pass over the parser's events, nothing built: nesting depth, aliases and values are
    counted as they stream by, so a document past a bound is refused while memory is still
    about the size of its text (composing first took 58 times a 2 MB file's size)."""
    import yaml
    depth, aliases, values = 0, 0, 0
    loader = loader_cls(text)
    try:
        while loader.check_event():
            event = loader.get_event()  # type: ignore[no-untyped-call]  # not annotated in types-PyYAML
            m = event.start_mark
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent, yaml.ScalarEvent)):
                values += 1
                if values > MAX_NODES:
                    raise RulesError(f"the document holds more than {MAX_NODES:,} values",
                                     where=f"{file}:{m.line + 1}:{m.column + 1}")
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                depth += 1
                if depth > MAX_DEPTH:
                    raise RulesError(f"the document nests deeper than {MAX_DEPTH} levels",
                                     where=f"{file}:{m.line + 1}:{m.column + 1}")
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                depth -= 1
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise RulesError(f"the document uses more than {MAX_ALIASES} aliases",
                                     where=f"{file}:{m.line + 1}:{m.column + 1}",
                                     help="write the values out instead of repeating anchors")
    finally:
        loader.dispose()


def _check_shape(node: Any, file: str, seen: dict[str, Any] | None = None, depth: int = 0) -> int:
    """Refuse documents whose aliases expand to too much ("billion laughs"), before building
    them. Returns the node's expanded size; each node is sized once, so this stays linear.
    (`node` is a yaml Node: its `id` is missing from the stubs.)"""
    if seen is None:
        seen = {"aliases": 0, "size": {}}
    sizes = seen["size"]
    if depth > MAX_DEPTH:
        raise RulesError(f"the document nests deeper than {MAX_DEPTH} levels",
                         where=f"{file}:{node.start_mark.line + 1}:{node.start_mark.column + 1}")
    if id(node) in sizes:
        seen["aliases"] += 1
        if seen["aliases"] > MAX_ALIASES:
            raise RulesError(f"the document uses more than {MAX_ALIASES} aliases",
                             where=f"{file}:{node.start_mark.line + 1}:{node.start_mark.column + 1}",
                             help="write the values out instead of repeating anchors")
        size: int = sizes[id(node)]
        return size
    sizes[id(node)] = 1
    size = 1
    if node.id == "mapping":
        for k, v in node.value:
            size += _check_shape(k, file, seen, depth + 1) + _check_shape(v, file, seen, depth + 1)
    elif node.id == "sequence":
        for v in node.value:
            size += _check_shape(v, file, seen, depth + 1)
    if size > MAX_NODES:
        raise RulesError(f"the document expands to more than {MAX_NODES:,} values",
                         where=f"{file}:{node.start_mark.line + 1}:{node.start_mark.column + 1}",
                         help="write the values out instead of repeating anchors")
    sizes[id(node)] = size
    return size


_LONG_NUMBER = re.compile(r"\d{1000,}")


def loads(text: str, file: str = "<string>", error: type[AdvisorError] = RulesError) -> Any:
    """Parse YAML text into Located/LocatedList values; every failure names `file:line:col`."""
    import yaml
    if len(text) > MAX_BYTES:
        raise error(f"the file is larger than {MAX_BYTES // 1024} KiB", where=file)
    loader_cls = _loader_for(file)
    try:
        if (text.count("[") + text.count("{") + max(map(len, text.splitlines()), default=0) // 2 > SAFE_DEPTH
                or text.count("*") > MAX_ALIASES or len(text) > EVENT_PASS_BYTES):
            _check_depth(text, file)     # could nest deeply or expand: check from events (a second parse)
        loader = loader_cls(text)
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_shape(node, file)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        where = f"{file}:{mark.line + 1}:{mark.column + 1}" if mark else file
        raise error(f"invalid YAML: {e.problem or e.context}", where=where) from None
    except yaml.YAMLError as e:
        raise error(f"invalid YAML: {str(e).splitlines()[0]}", where=file) from None
    except RecursionError:
        raise error("the document nests too deeply", where=file) from None
    except ValueError as e:           # a whole number past Python's 4,300 digits, and the like
        m = _LONG_NUMBER.search(text)
        where = f"{file}:{text.count(chr(10), 0, m.start()) + 1}:{m.start() - text.rfind(chr(10), 0, m.start())}" if m else file
        raise error("a number is far too long" if m else f"a value cannot be read: {e}", where=where,
                    help="numbers in these files have a few digits") from None
    except RulesError as e:
        if error is RulesError:
            raise
        raise error(e.message, where=e.where, help=e.help) from None


def load(path: Path, display: str | None = None, error: type[AdvisorError] = RulesError) -> Any:
    """A rules-directory file (facts go through `loads`, never cached): parsed once per content
    and name, then served from the disk cache; a file that fails to parse is never cached."""
    display = display or str(path)
    try:
        if not stat.S_ISREG(os.stat(path).st_mode):   # a FIFO or a device would block or never end
            raise error("not a regular file", where=display, help="a rules directory holds YAML files only")
        with path.open("rb") as f:
            data = f.read(MAX_BYTES + 1)    # never more: a huge file is refused without reading it all
    except OSError as e:
        raise error(f"cannot read the file: {e.strerror}", where=display) from None
    if len(data) > MAX_BYTES:
        raise error(f"the file is larger than {MAX_BYTES // 1024} KiB", where=display)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise error(f"the file is not UTF-8 (byte {e.start})", where=display) from None
    key = repr((display, MAX_BYTES, MAX_ALIASES, MAX_DEPTH, MAX_NODES)).encode() + b"\0" + data
    return cache.cached("yaml", key, lambda: loads(text, display, error),
                        dumps=lambda v: pickle.dumps(v, pickle.HIGHEST_PROTOCOL))


def plain(obj: Any) -> Any:
    """Located values back to plain dicts and lists with string keys (for JSON and comparisons)."""
    if isinstance(obj, dict):
        return {str(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [plain(v) for v in obj]
    return obj
