"""The few iCalendar (RFC 5545) components the calendar file is made of, written out: a calendar,
its all-day events and their alarms, with text, date, UTC time, integer and duration values.

The `icalendar` library wrote them before, and with it 6 MB of install (its tests and time-zone
code) for these lines; this writes what its release 7.3 wrote, byte for byte (its property
order, escaping and folding: checked on every case's calendar), so calendars imported from
earlier files update the same events; only an X- property's commas are now escaped as RFC 5545
says (icalendar wrote them bare; no calendar name has one). Reading a calendar back is the
tests' job (icalendar and vobject, two independent readers).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

_ORDER = {
    "VCALENDAR": ("VERSION", "PRODID", "CALSCALE", "METHOD", "DESCRIPTION", "X-WR-CALDESC", "NAME", "X-WR-CALNAME"),
    "VEVENT": ("SUMMARY", "DTSTART", "DTEND", "DURATION", "DTSTAMP", "UID", "RECURRENCE-ID", "SEQUENCE",
               "RRULE", "RDATE", "EXDATE"),
}
LIMIT = 75          # octets a line may have with its line break's first character (RFC 5545 3.1)


class Component:
    """One BEGIN:NAME ... END:NAME block: properties (in the canonical order, the rest by name),
    then the components inside it in the order they were added."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.properties: dict[str, list[Any]] = {}
        self.subcomponents: list[Component] = []

    def add(self, name: str, value: Any) -> None:
        self.properties.setdefault(name.upper(), []).append(value)

    def add_component(self, component: Component) -> None:
        self.subcomponents.append(component)

    def lines(self) -> list[str]:
        order = _ORDER.get(self.name, ())
        names = [n for n in order if n in self.properties] + sorted(n for n in self.properties if n not in order)
        out = [f"BEGIN:{self.name}"]
        for name in names:
            out += [_line(name, value) for value in self.properties[name]]
        for sub in self.subcomponents:
            out += sub.lines()
        return out + [f"END:{self.name}"]

    def to_ical(self) -> bytes:
        return "".join(_fold(line) + "\r\n" for line in self.lines()).encode("utf-8")


class Calendar(Component):
    def __init__(self) -> None:
        super().__init__("VCALENDAR")


class Event(Component):
    def __init__(self) -> None:
        super().__init__("VEVENT")


class Alarm(Component):
    def __init__(self) -> None:
        super().__init__("VALARM")


def _line(name: str, value: Any) -> str:
    """One content line, unfolded: NAME[;VALUE=DATE]:value."""
    if isinstance(value, dt.datetime):
        if value.utcoffset() != dt.timedelta(0):
            raise ValueError(f"only UTC times are written, got `{value.isoformat()}`")
        return f"{name}:{value.strftime('%Y%m%dT%H%M%S')}Z"
    if isinstance(value, dt.date):
        return f"{name};VALUE=DATE:{value.strftime('%Y%m%d')}"
    if isinstance(value, dt.timedelta):
        return f"{name}:{_duration(value)}"
    if isinstance(value, int):
        return f"{name}:{value}"
    return f"{name}:{_escape(str(value))}"


def _escape(text: str) -> str:
    """TEXT escaping (RFC 5545 3.3.11): backslash, semicolon, comma and line breaks."""
    return (text.replace("\\N", "\n").replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n"))


def _duration(td: dt.timedelta) -> str:
    """A DURATION value (RFC 5545 3.3.6): `PT9H`, `-PT15H`, `P1DT2H`."""
    sign = ""
    if td.days < 0:
        sign, td = "-", -td
    time = ""
    if td.seconds:
        hours, minutes, seconds = td.seconds // 3600, td.seconds % 3600 // 60, td.seconds % 60
        time = "T" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes or (hours and seconds) else "") \
            + (f"{seconds}S" if seconds else "")
    return f"{sign}P{time}" if td.days == 0 and time else f"{sign}P{td.days}D{time}"


def _fold(line: str) -> str:
    """A line folded before it reaches LIMIT octets, never inside a character nor after the
    backslash of an escape."""
    parts: list[str] = []
    chars: list[str] = []
    size = 0
    for char in line:
        n = len(char.encode("utf-8"))
        if chars and size + n >= LIMIT:
            kept = [chars.pop()] if len(chars) > 1 and chars[-1] in "\\^" else []
            parts.append("".join(chars))
            chars, size = kept, sum(len(c.encode("utf-8")) for c in kept)
        chars.append(char)
        size += n
    if chars:
        parts.append("".join(chars))
    return "\r\n ".join(parts)
