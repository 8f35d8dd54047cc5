"""XML that cannot explode: documents declaring entities are refused before any parser runs.

Entity expansion needs entity declarations, and those can only be made in a DTD: the
internal subset (``<!DOCTYPE rss [ <!ENTITY ...> ]>``) or an external DTD. feedparser's
SAX parser (expat) loads no external DTD and no external entity, but it does expand the
entities of an internal subset, up to expat's amplification limit (tens of MB and seconds
of CPU per document), before feedparser's loose parser takes over. So a document whose
prologue holds an internal subset that declares an entity (billion laughs, quadratic
blowup, XXE, parameter entities) is refused outright.

The check reads the document as every parser after it might: in the encoding its bytes
show (UTF-16/32 by byte order mark or by the zero bytes around ``<``), as ASCII-compatible
bytes, and in the encodings the XML declaration and the HTTP header name (a UTF-7 document
would otherwise hide its markup from a byte scan).
"""

from __future__ import annotations

import codecs
import re

_MISC = re.compile(r"\s*(?:<\?.*?\?>|<!--.*?-->)", re.S)
_DOCTYPE = re.compile(r"""<!DOCTYPE(?:[^\[>"']|"[^"]*"|'[^']*')*([\[>])""")
_DECLARED = re.compile(r"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["']""")
_BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_ZEROS = ((b"<\0\0\0", "utf-32-le"), (b"\0\0\0<", "utf-32-be"), (b"<\0", "utf-16-le"),
          (b"\0<", "utf-16-be"))


class EntitiesRefused(ValueError):
    """The document declares entities: it is not parsed."""


def _readings(body: bytes, charset: str | None) -> list[str]:
    """The document's text in every encoding a parser might read it in."""
    names: list[str] = []
    for bom, name in _BOMS:
        if body.startswith(bom):
            names.append(name)
            body = body[len(bom):]
            break
    for zeros, name in _ZEROS:
        if body.startswith(zeros):
            names.append(name)
            break
    names.append("latin-1")
    declared = _DECLARED.search(body[:1024].decode("latin-1"))
    for extra in (declared.group(1) if declared else None, charset):
        if extra:
            names.append(extra)
    texts = []
    for name in dict.fromkeys(n.lower() for n in names):
        try:
            texts.append(body.decode(name, "replace"))
        except (LookupError, ValueError):  # no such codec, or a name no codec can have
            continue
    return texts


def _internal_subset(text: str) -> bool:
    """Whether the prologue holds a DOCTYPE with an internal subset."""
    text = text.lstrip("\ufeff")
    position = 0
    while match := _MISC.match(text, position):
        if match.end() == position:
            break
        position = match.end()
    while position < len(text) and text[position].isspace():
        position += 1
    if not text.startswith("<!DOCTYPE", position):
        return False
    doctype = _DOCTYPE.match(text, position)
    return doctype is None or doctype.group(1) == "["  # one that never ends is refused too


def check_no_entities(body: bytes, charset: str | None = None) -> None:
    """Raise :class:`EntitiesRefused` if ``body`` declares entities in its internal subset."""
    for text in _readings(body, charset):
        if _internal_subset(text) and "<!ENTITY" in text:
            raise EntitiesRefused("entity declarations are not accepted (DOCTYPE internal "
                                  "subset with <!ENTITY>): not parsed")
