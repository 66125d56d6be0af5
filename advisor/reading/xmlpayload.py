"""An XML payload (Russian Post's SOAP answer) read into the nested mappings its JSON form has, so
one adapter's expressions read both: namespaces dropped, an element that repeats a list, an element
with text only its text. A document type (and so any entity) is refused: a payload never needs one."""
from __future__ import annotations

import re
from xml.etree import ElementTree
from typing import Any

from advisor.base.errors import FactsError

_DOCTYPE = re.compile(r"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)


def xml_to_data(text: str) -> dict[str, Any]:
    if _DOCTYPE.search(text):
        raise FactsError("the XML payload declares a document type or entities", where="payload",
                         help="give the body as the provider sends it, without a DOCTYPE")
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as e:
        line, col = e.position
        raise FactsError(f"the payload is not well-formed XML: {str(e).split(':')[0]}", where=f"payload:{line}:{col}") from None
    return {_local(root.tag): _value(root)}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _value(element: ElementTree.Element) -> Any:
    children = list(element)
    if not children:
        return (element.text or "").strip() or None
    out: dict[str, Any] = {}
    repeated: set[str] = set()
    for child in children:
        key, value = _local(child.tag), _value(child)
        if key not in out:
            out[key] = value
            continue
        if key not in repeated:
            out[key], repeated = [out[key]], repeated | {key}
        out[key].append(value)
    return out
