"""Catalog icons: SVG documents the project draws itself (catalog/icons/<entry id>.svg).

An icon is served to browsers as `image/svg+xml`, so it is checked like code before it
is kept: a well-formed SVG document of at most MAX_BYTES, no DOCTYPE or entity (no
billion laughs, no external entity), no script, no event handler attribute, no
foreignObject, no reference outside the document (every href is a `#fragment`), no
`url()` other than `url(#...)`. A file that breaks a rule is a deployment error at
start-up, like a broken template.
"""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from pathlib import Path

from app.catalog.model import Icon

SVG_NS = "http://www.w3.org/2000/svg"
MAX_BYTES = 16 * 1024
_FORBIDDEN_TAGS = {"script", "foreignObject", "iframe", "embed", "object", "image", "use", "animate", "set"}
_URL = re.compile(r"url\(\s*['\"]?([^)'\"]*)", re.IGNORECASE)

# the icon of an entry that ships none: a rounded square with three stacked bars
GENERIC_SVG = (
    b'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="64" height="64">'
    b'<rect x="4" y="4" width="56" height="56" rx="12" fill="#64748b"/>'
    b'<rect x="16" y="18" width="32" height="6" rx="3" fill="#f8fafc"/>'
    b'<rect x="16" y="29" width="32" height="6" rx="3" fill="#f8fafc"/>'
    b'<rect x="16" y="40" width="20" height="6" rx="3" fill="#f8fafc"/>'
    b"</svg>\n"
)


def icon(svg: bytes) -> Icon:
    return Icon(svg=svg, version=hashlib.sha256(svg).hexdigest()[:12])


GENERIC = icon(GENERIC_SVG)


def check_svg(data: bytes, where: str) -> Icon:
    """`data` as an Icon when it follows the rules above, else ValueError naming `where`."""
    if len(data) > MAX_BYTES:
        raise ValueError(f"{where}: an icon is at most {MAX_BYTES} bytes (this one {len(data)})")
    if b"<!DOCTYPE" in data.upper() or b"<!ENTITY" in data.upper():
        raise ValueError(f"{where}: no DOCTYPE or entity in an icon")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as e:
        raise ValueError(f"{where}: not well-formed XML: {e}") from None
    if root.tag != f"{{{SVG_NS}}}svg":
        raise ValueError(f'{where}: the root element must be <svg xmlns="{SVG_NS}">')
    for element in root.iter():
        _check_element(element, where)
    return icon(data)


def _check_element(element: ET.Element, where: str) -> None:
    local = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
    if not element.tag.startswith(f"{{{SVG_NS}}}"):
        raise ValueError(f"{where}: <{local}> is outside the SVG namespace")
    if local in _FORBIDDEN_TAGS:
        raise ValueError(f"{where}: <{local}> is not allowed in an icon")
    for name, value in element.attrib.items():
        attr = name.rsplit("}", 1)[-1]
        if attr.lower().startswith("on"):
            raise ValueError(f"{where}: event handler attribute {attr} is not allowed in an icon")
        if attr == "href" and not value.startswith("#"):
            raise ValueError(f"{where}: href {value[:40]!r} points outside the icon")
        _check_urls(value, where)
    if local == "style":
        _check_urls(element.text or "", where)


def _check_urls(text: str, where: str) -> None:
    for target in _URL.findall(text):
        if not target.strip().startswith("#"):
            raise ValueError(f"{where}: url({target[:40]}) points outside the icon")
    if "@import" in text:
        raise ValueError(f"{where}: @import is not allowed in an icon")


def read_icon(folder: Path, entry_id: str) -> Icon | None:
    """The icon `folder/<entry_id>.svg` if the project ships one (entry_id is a checked
    slug from the catalog, never a request's string), checked; None when there is none."""
    path = folder / f"{entry_id}.svg"
    if not path.is_file():
        return None
    return check_svg(path.read_bytes(), str(path))
