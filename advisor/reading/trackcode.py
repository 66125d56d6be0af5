"""Track-code analysis: normalise what a buyer pasted, recognise it against the formats in
`rules/track_formats.yaml` (read by trackformats.py), check its digit (checksums.py), and rank every
reading that fits. All knowledge (patterns, services, look-alikes, posts) is data; this module applies it."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from operator import itemgetter
from typing import Any

from advisor.text.details import change
from advisor.base.errors import TrackCodeError
from advisor.reading.methods import against_history, named_by, named_first, named_posts, prefer_carrier
from advisor.knowledge.trackformats import Format, FormatBook

MAX_CODE_CHARS = 64
MAX_TEXT_CHARS = 10_000    # a pasted message or link may hold the code; a page may not
_QUOTES = "\"'«»“”„‘’‚`"
_CLEAN = re.compile(r"[A-Z0-9]+")
_score_key = itemgetter("score")
_WORD_SPLIT = re.compile(r"[^\w]+|_")
_BIDI_OVERRIDES = {"\u202e", "\u202b", "\u2067"}
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−.·]+")
# the ASCII characters the invisible-character step removes (control, not white space)
_ASCII_CONTROLS = frozenset(chr(c) for c in range(128) if unicodedata.category(chr(c)) in ("Cf", "Cc")
                            and not chr(c).isspace())
_ASCII_CONTROL = re.compile("[" + "".join(re.escape(c) for c in sorted(_ASCII_CONTROLS)) + "]")
_DIGIT_GROUPS = re.compile(r"\s*[0-9]+(?:[\s\-‐‑‒–—―−.·]+[0-9]+)*\s*")


# ---- normalisation ---------------------------------------------------------------------------

def normalise(text: str, book: FormatBook) -> tuple[str, list[dict[str, Any]]]:
    """Clean a pasted code and say every change made (T12). Repeats until nothing changes, so
    normalising twice gives the same code (removing a space can join a letter and an accent)."""
    if not isinstance(text, str):
        raise TrackCodeError.of("code_not_text", where="track", type=type(text).__name__)
    if _CLEAN.fullmatch(text):
        return text, []   # the usual case: nothing any step below would change
    code, changes = _normalise_once(text, book)
    for _ in range(3):
        if _CLEAN.fullmatch(code):
            break      # capitals and digits only: another pass cannot change it
        again, more = _normalise_once(code, book)
        if again == code:
            break
        code, changes = again, changes + more
    return code, changes


def _normalise_once(text: str, book: FormatBook) -> tuple[str, list[dict[str, Any]]]:
    changes: list[dict[str, Any]] = []
    ascii_only = text.isascii()       # the usual paste: no compatibility forms, no other scripts
    s = text if ascii_only else unicodedata.normalize("NFKC", text)
    if s != text:
        changes.append(change("unicode"))
    invisible = ([c for c in s if c in _ASCII_CONTROLS] if ascii_only and _ASCII_CONTROL.search(s) else [] if ascii_only
                 else [c for c in s if unicodedata.category(c) in ("Cf", "Cc") and not c.isspace()])
    if invisible:
        s = "".join(c for c in s if c not in invisible)
        changes.append(change("invisible", {"count": len(invisible)}))
    stripped = s.strip().strip(_QUOTES).strip()
    if stripped != s.strip():
        changes.append(change("quotes"))
    s = stripped
    joined = _SEPARATORS.sub("", s)
    if joined != s:
        changes.append(change("separators"))
    s = joined
    if s.isascii():
        upper = s.upper()
        if upper != s:
            changes.append(change("case"))
        return upper, changes
    out = []
    for i, c in enumerate(s, 1):
        if c.isascii():
            out.append(c)
            continue
        latin, kind = book.cyrillic.get(c), "cyrillic"
        if latin is None:
            latin, kind = book.other_scripts.get(c), "script"
        if latin is None and unicodedata.category(c) == "Nd":
            latin, kind = str(unicodedata.digit(c)), "digit"
        if latin:
            changes.append(change(kind, {"position": i, "from": c, "to": latin},
                                  script=unicodedata.name(c, "character").title()))
            out.append(latin)
        else:
            out.append(c)
    s = "".join(out)
    upper = s.upper()
    if upper != s:
        changes.append(change("case"))
    return upper, changes


def _repair(code: str, layout: str, book: FormatBook) -> tuple[str, list[dict[str, Any]]]:
    """Swap look-alikes into the kind of character each position wants (O->0, 1->I, ...)."""
    if len(code) != len(layout) or _layout_pattern(layout).fullmatch(code):
        return code, []
    chars, fixes = list(code), []
    for i, (c, want) in enumerate(zip(code, layout)):
        new = None
        if want == "D" and not c.isdigit():
            new = book.digit_for_letter.get(c)
        elif want == "L" and c.isdigit():
            new = book.letter_for_digit.get(c)
        if new:
            chars[i] = new
            fixes.append(change("lookalike", {"position": i + 1, "from": c, "to": new}))
    return "".join(chars), fixes


@lru_cache(maxsize=64)
def _layout_pattern(layout: str) -> re.Pattern[str]:
    """A layout as a pattern: a code it matches needs no repair."""
    return re.compile("".join({"L": "[A-Z]", "D": "[0-9]"}.get(c, ".") for c in layout))


# ---- recognition -----------------------------------------------------------------------------

def _reading(fmt: Format, code: str, book: FormatBook, platform: str | None, repairs: list[dict[str, Any]],
             m: re.Match[str] | None = None) -> dict[str, Any] | None:
    m = m or fmt.pattern.fullmatch(code)
    if not m:
        return None
    ok = fmt.check(code, m) if fmt.check else None
    if fmt.checksum_rule == "must_fail" and ok is not False:
        return None
    if repairs and ok is not True:
        return None  # a repair is only believed when the check digit then passes (T12)
    origin = fmt.origin
    if origin == "code_letters":
        origin = code[-2:]
        if not book.country_ok(origin):
            return None  # letters that are no ISO country: not this format (e.g. YP, LF)
    r = dict(fmt.base)                    # what every reading of the format shares
    r["code"], r["origin_country"], r["check_digit_ok"], r["repairs"] = code, origin, ok, repairs
    valid = True
    if fmt.kind == "s10" and fmt.service is None:
        info = _s10_service(code, book)
        if info.get("valid") is False:
            valid = False
            r["reason"] = f"service letter `{code[0]}` is {info.get('reason', 'not assigned')} in the S10 table"
        r["service"] = info.get("service")
        r["tracked"] = info.get("tracked", fmt.tracked)
        extra = [f for f in info.get("flags", []) if f not in fmt.flags]
        if extra:
            r["flags"] = fmt.flags + extra
        r["service_name"] = info.get("name")
    if fmt.checksum_rule == "required" and ok is False:
        valid, r["reason"] = False, "the check digit does not match"
        if "invalid_check_digit" not in r["flags"]:
            r["flags"] = r["flags"] + ["invalid_check_digit"]
    r["valid"] = valid
    scores = book.scores
    score = fmt.rank + (scores["check_digit_ok"] if ok else 0)
    if fmt.platforms:
        score += scores["platform_match"] if platform in fmt.platforms else scores["other_platform"]
    if not valid:
        score += scores["invalid"]
    r["score"] = score
    if fmt.kind in ("s10", "domestic"):
        post = book.post_of(origin)
        if post:
            if post not in fmt.trackers:
                r["trackers"] = fmt.trackers + [post]
            r["carrier"] = fmt.carrier or post.get("name")
    return r


def _s10_service(code: str, book: FormatBook) -> dict[str, Any]:
    two = book.services.get(code[:2])
    if two and (not two.get("countries") or code[-2:] in two["countries"]):
        return dict(two)
    return dict(book.services.get(code[0]) or {"valid": False, "reason": "not assigned"})


def _readings(code: str, book: FormatBook, platform: str | None) -> list[dict[str, Any]]:
    """Every format reading of a normalised code, best first (file order breaks ties); a
    `fallback` format (digits only) reads a code only when no other format does."""
    readings, fallbacks = [], []
    repaired: dict[str, tuple[str, list[dict[str, Any]]]] = {}   # formats share layouts: repair once per layout
    for fmt in book.formats_for(len(code), code[:1], code[-1:]):
        if fmt.fallback:
            fallbacks.append(fmt)
            continue
        m = fmt.pattern.fullmatch(code)
        r = _reading(fmt, code, book, platform, [], m) if m else None
        if r is None and fmt.layout:
            if fmt.layout not in repaired:
                repaired[fmt.layout] = _repair(code, fmt.layout, book)
            fixed, repairs = repaired[fmt.layout]
            if repairs:
                r = _reading(fmt, fixed, book, platform, repairs)
        if r:
            readings.append(r)
    if not readings:
        readings = [r for r in (_reading(f, code, book, platform, []) for f in fallbacks) if r]
    elif len(readings) > 1 and any(r["repairs"] for r in readings) and any(r["valid"] and not r["repairs"] for r in readings):
        readings = [r for r in readings if not r["repairs"]]   # a code valid as given is not "repaired" into another
    if len(readings) > 1:
        readings.sort(key=_score_key, reverse=True)     # stable: file order breaks ties
    return readings


def _not_a_courier_of_a_post(readings: list[dict[str, Any]], method: str, book: FormatBook, platform: str | None) -> list[dict[str, Any]]:
    """A method naming a national post ("China Post ...") for a code only couriers read: the post's
    own digits-only number comes first (T9, the fallback) and the couriers lose the method's weight."""
    posts = book.posts_named.get(method, lambda: frozenset(named_posts(method, list(book.posts.values()), book.carrier_names)))
    code = readings[0]["code"]
    if not posts or any(r["carrier"] in posts or r["kind"] not in ("carrier", "express") for r in readings):
        return readings
    fallback = [r for f in book.formats_for(len(code), code[:1], code[-1:]) if f.fallback
                for r in [_reading(f, code, book, platform, [])] if r]
    return fallback + [dict(r, score=r["score"] - book.scores["shipping_carrier"]) for r in readings] if fallback else readings


def _reversed(text: str, code: str, book: FormatBook, platform: str | None) -> Found | None:
    """A right-to-left override shows the characters after it backwards: what the buyer saw
    (and copied by eye) is the reverse of what the text holds."""
    if not _BIDI_OVERRIDES.intersection(text):
        return None
    readings = _readings(code[::-1], book, platform) if len(code) <= MAX_CODE_CHARS else []
    if not any(r["valid"] for r in readings):
        return None
    _, changes = normalise(text, book)
    return code[::-1], changes + [change("reversed")], readings


# a code read from a text: the code, the changes made to read it, its readings (best first)
Found = tuple[str, list[dict[str, Any]], list[dict[str, Any]]]
_GROUPS = re.compile(r"[A-Za-z0-9]+(?:[ \-‐‑‒–—−.·]+[A-Za-z0-9]+)*")


def _one_code(text: str) -> bool:
    """Whether a text looks like one code written in groups: Latin letters and digits on one line,
    split only by spaces, dashes or dots, whose only groups of letters alone are short (a prefix
    or a country, at most four letters) and stand at its start or end."""
    t = (text if text.isascii() else unicodedata.normalize("NFKC", text)).strip().strip(_QUOTES).strip()
    if not _GROUPS.fullmatch(t):
        return False
    words = [w for w in _WORD_SPLIT.split(t) if w]
    return all(len(w) <= 4 and i in (0, len(words) - 1) for i, w in enumerate(words) if w.isalpha())


def _find_in_text(text: str, book: FormatBook, platform: str | None) -> Found | None:
    """A code inside a sentence or a link ("my track is RK…CN, thanks"): try every run of up to
    five words (a code may be written in groups), keep the runs that read as a valid code, and
    take the code when the text holds exactly one. Several different codes are an error."""
    words = [w for w in _WORD_SPLIT.split(text) if w]
    if len(words) < 2 and text.strip() == (words[0] if words else ""):
        return None
    found: dict[str, Found] = {}
    for i in range(len(words)):
        for n in range(1, 6):
            if i + n > len(words):
                break
            piece = "".join(words[i:i + n])
            if len(piece) > MAX_CODE_CHARS:
                break
            if not any(c.isdigit() for c in piece):
                continue
            code, changes = normalise(piece, book)
            if len(code) < 8 or not any(c.isdigit() for c in code):
                continue
            readings = [r for r in _readings(code, book, platform) if r["valid"]]
            if readings and code not in found:
                found[code] = (piece, changes, readings)
    strong = {c: v for c, v in found.items() if v[2][0]["check_digit_ok"]}
    found = strong or found
    # a shorter run inside a longer one that is also a code ("RK 190321410 CN" and "190321410") is the same code
    codes = [c for c in found if not any(c != o and c in o for o in found)]
    if len(codes) > 1:
        listed = ", ".join(f"`{c}`" for c in codes[:5])
        raise TrackCodeError.of("many_codes", where="track", n=len(codes), listed=listed)
    if not codes:
        return None
    code = codes[0]
    piece, changes, readings = found[code]
    return code, [change("extracted", {"text": piece})] \
        + changes, readings


def _in_text(text: str, code: str, changes: list[dict[str, Any]], readings: list[dict[str, Any]], book: FormatBook,
             platform: str | None) -> tuple[str, list[dict[str, Any]], list[dict[str, Any]]]:
    """The code a pasted text holds. Digits written in groups are one number, and a code that
    reads as one code with its spaces taken out is not searched for codes inside it ("TBC 0000
    0000 0000" stays Amazon's), unless the text reads as a sentence around a code whose check
    digit passes ("my track is RK190321410CN, thanks")."""
    grouped = _DIGIT_GROUPS.fullmatch(text if text.isascii() else unicodedata.normalize("NFKC", text)) is not None
    whole_valid = any(r["valid"] for r in readings)
    one_code = grouped or _one_code(text)
    if one_code and not readings and not grouped:
        _find_in_text(text, book, platform)      # groups that are two real codes are still an error
    if not one_code and not (whole_valid and readings[0]["check_digit_ok"]):
        try:
            found = _reversed(text, code, book, platform) or _find_in_text(text, book, platform)
        except TrackCodeError:
            if not whole_valid:
                raise
            found = None
        if found and (not whole_valid or found[2][0]["check_digit_ok"]):
            return found
    return code, changes, readings


@dataclass
class CodeAnalysis:
    """What the analysis hands on: `result`, the public analysis (the advice's `track`, before its
    names and trackers are added); `top`, the best reading with the format's names, notes and
    trackers; `alternatives`, if a close reading makes the code uncertain, all the code line lists."""

    result: dict[str, Any]
    top: dict[str, Any] | None
    alternatives: list[dict[str, Any]]


def analyse(text: str, book: FormatBook, platform: str | None = None, method: str | None = None,
            destination: str | None = None) -> dict[str, Any]:
    """The `track` part of the advice: what the code is, ranked readings, and the flags it raises.
    `method` is the order's shipping method: a reading whose carrier it names is preferred;
    `destination`, the order's country, counts for or against domestic carriers' readings."""
    return read_code(text, book, platform, method, destination).result


def read_code(text: str, book: FormatBook, platform: str | None = None, method: str | None = None,
              destination: str | None = None, carrier: str | None = None, history: Any = ()) -> CodeAnalysis:
    """The analysis with what the advice needs beyond its public part (see CodeAnalysis).
    `carrier`: the carrier a tracker names for the code (`order.carrier`), which outranks the
    code's shape and the order's destination; `history`: the events (methods.against_history)."""
    if isinstance(text, str) and len(text) > MAX_TEXT_CHARS:
        raise TrackCodeError.of("code_too_long_text", where="track", n=len(text), max_code=MAX_CODE_CHARS,
                                max_text=MAX_TEXT_CHARS)
    code, changes = normalise(text, book)
    if not code:
        raise TrackCodeError.of("code_empty", where="track")
    readings = _readings(code, book, platform) if len(code) <= MAX_CODE_CHARS else []
    if changes or not _CLEAN.fullmatch(code):     # only a text with more than the code can hold another one
        code, changes, readings = _in_text(text, code, changes, readings, book, platform)
    if not readings and len(code) > MAX_CODE_CHARS:
        raise TrackCodeError.of("code_too_long", where="track", n=len(code), max=MAX_CODE_CHARS)
    if (method or destination) and len(readings) > 1:
        readings = prefer_carrier(readings, method, destination, book)
    if method and readings:
        readings = _not_a_courier_of_a_post(readings, method, book, platform)
    readings = against_history(readings, history, book, platform)
    if carrier:
        readings = named_first(readings, carrier, book.carrier_names)
    top = readings[0] if readings else None
    named = ({"name": carrier[:100], "matches": None if top and not top["carrier"] else      # a post we cannot name
              top is not None and bool(top) and named_by(top, carrier, book.carrier_names)} if carrier else None)
    if top and top["repairs"]:
        changes = changes + top["repairs"]
    alternatives = also_readings(readings, lambda r: str(r["name"]), lambda r: not r.get("platforms") or platform in r["platforms"]) \
        if _uncertain(top, readings, book.scores.get("uncertain_within", 0), platform) else []
    if top:
        result = {"code": top["code"], "format": top["format"], "kind": top["kind"], "valid": bool(top["valid"]),
                  "check_digit_ok": top["check_digit_ok"], "service": top["service"], "tracked": top["tracked"],
                  "origin_country": top["origin_country"], "carrier": top["carrier"], "flags": list(top["flags"]),
                  "trackers": list(top["trackers"])}
    else:
        result = dict(_NO_READING, code=code, flags=[], trackers=[])
    result["input"] = text if len(text) <= 200 else text[:200] + "…"
    result["changes"] = [dict(c) for c in changes] if changes else []
    result["uncertain"] = bool(alternatives)
    if named:       # the carrier a tracker named, and whether any reading of the code is its
        result["named_carrier"] = named
    result["candidates"] = [{k: r[k] for k in _CANDIDATE} for r in readings]
    return CodeAnalysis(result, top, alternatives)


# what the result says when no format reads the code
_NO_READING = {"format": "unknown", "kind": "unknown", "valid": False, "check_digit_ok": None, "service": None,
               "tracked": "unknown", "origin_country": None, "carrier": None}
_CANDIDATE = ("format", "code", "kind", "valid", "check_digit_ok", "service", "tracked", "origin_country", "carrier", "score")


def also_readings(readings: list[dict[str, Any]], name: Any, possible: Any) -> list[dict[str, Any]]:
    """The other readings a buyer is told of (code line, uncertainty note): valid (a failing check digit rules
    a format out), `possible` on the platform, each `name` once, no plain S10 reading of a post's S10 item."""
    seen, out = {name(readings[0])} if readings else set(), []
    for r in readings[1:]:
        if r["valid"] and possible(r) and name(r) not in seen and not (r["kind"] == readings[0]["kind"] == "s10"):
            seen.add(name(r))
            out.append(r)
    return out


def _uncertain(top: dict[str, Any] | None, readings: list[dict[str, Any]], within: int, platform: str | None = None) -> bool:
    """Whether another real reading is nearly as likely as the first (`scores: uncertain_within`): not a fake
    service, nor a format of other platforms (`platforms:`: a Joom buyer has no AliExpress order number)."""
    if not top or not within:
        return False
    return any(r["valid"] and r["kind"] != "fake_service" and top["score"] - r["score"] <= within
               and (r["carrier"] or r["format"]) != (top["carrier"] or top["format"])
               and (not r.get("platforms") or platform in r["platforms"]) for r in readings[1:])
