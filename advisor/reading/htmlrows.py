"""A pasted or saved HTML page as the rows a browser shows: one row per table row, list item,
paragraph, block or line break, its cells tab-separated as a browser copies them, each with the
line of the paste it starts on (history.py reads the rows as it reads pasted lines)."""
from __future__ import annotations

from html.parser import HTMLParser

_CELL = "\x1f"      # between a table's cells while its HTML is read


class _Rows(HTMLParser):
    """Text of HTML, one row per table row, list item, paragraph, block or line break, each with
    the line it starts on; scripts and styles dropped. Python's HTML parser, so a `>` inside an
    attribute, a comment or a script does not end a tag early."""

    BREAKS = {"tr", "li", "p", "div", "br", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "section", "article"}

    def __init__(self, numbers: list[int]):
        super().__init__(convert_charrefs=True)
        self.numbers = numbers          # line of the fed text -> line of the pasted file
        self.rows: list[tuple[int, str]] = []
        self.current: list[str] = []
        self.start: int | None = None
        self.skip = 0

    def parse_marked_section(self, i: int, report: bool = True) -> int:
        """`<![octed4/span>`, no CDATA nor conditional section: a bogus comment up to the next `>`,
        as a browser reads it (Python's parser raised AssertionError)."""
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            end = self.rawdata.find(">", i)
            return -1 if end < 0 else end + 1

    def _end_row(self) -> None:
        cells = (" ".join(c.split()) for c in "".join(self.current).split(_CELL))
        text = "\t".join(c for c in cells if c)          # a table's cells, as a browser copies them
        if text:
            self.rows.append((self.start or 1, text))
        self.current, self.start = [], None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self.skip += 1
        elif tag in self.BREAKS:
            self._end_row()
        elif tag in ("td", "th") and self.current:
            self.current.append(_CELL)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.BREAKS:
            self._end_row()

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self.skip = max(0, self.skip - 1)
        elif tag in self.BREAKS:
            self._end_row()

    def handle_data(self, data: str) -> None:
        if self.skip or not data.strip():
            return
        if self.start is None:
            self.start = self.numbers[min(self.getpos()[0], len(self.numbers)) - 1]
        self.current.append(" " + data + " ")


def html_rows(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """(line, text) of each row of a pasted or saved HTML page, its cells apart (tab-separated)."""
    parser = _Rows([n for n, _ in lines])
    parser.feed("\n".join(text for _, text in lines))
    parser.close()
    parser._end_row()
    return parser.rows
