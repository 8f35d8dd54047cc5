"""Decoding a page's bytes to text: BOM, HTTP header, in-document declaration, detection.

The order follows what browsers do, with one check on top: a declaration is
trusted only if the bytes decode under it, and bytes that are valid UTF-8 with
non-ASCII sequences are UTF-8 whatever a header or meta tag claims (a text in
a legacy encoding is almost never valid UTF-8 by accident, while a wrong
``iso-8859-1`` default on a UTF-8 site is common). Labels are mapped to their
web supersets (``iso-8859-1`` → ``cp1252``, ``gb2312`` → ``gb18030``, …) as
browsers do. Only when nothing is declared, or the declaration does not fit
the bytes, is the encoding guessed (charset-normalizer).
"""

from __future__ import annotations

import codecs
import re

#: How far into the document a ``<meta charset>`` or XML declaration is looked for.
SNIFF_BYTES = 4096
#: A declared encoding with more undecodable bytes than this share is not believed.
MAX_BAD_SHARE = 0.001

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"),
         (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_META = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:\-]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]+encoding\s*=\s*["']([A-Za-z0-9_.:\-]+)["']""", re.I)
#: Labels replaced by the encoding browsers actually use for them (WHATWG Encoding).
_WEB_SUPERSETS = {
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin-1": "cp1252", "latin1": "cp1252",
    "l1": "cp1252", "us-ascii": "cp1252", "ascii": "cp1252", "iso-8859-9": "cp1254",
    "iso-8859-11": "cp874", "tis-620": "cp874", "gb2312": "gb18030", "gbk": "gb18030",
    "x-gbk": "gb18030", "gb_2312-80": "gb18030", "shift_jis": "cp932", "shift-jis": "cp932",
    "sjis": "cp932", "x-sjis": "cp932", "ms_kanji": "cp932", "windows-31j": "cp932",
    "euc-kr": "cp949", "ks_c_5601-1987": "cp949", "big5": "big5hkscs", "x-mac-roman": "mac-roman",
    "utf8": "utf-8", "unicode-1-1-utf-8": "utf-8",
}


def codec_for(label: str | None) -> str | None:
    """The Python codec of a charset label, or None for an unknown or unusable one."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    name = _WEB_SUPERSETS.get(name, name)
    try:
        info = codecs.lookup(name)
    except LookupError:
        return None
    if info.name in ("utf-16", "utf-32", "utf-7") or info.name.startswith(("utf-16", "utf-32")):
        return None  # without a BOM these declarations are wrong in practice (the bytes are ASCII)
    return info.name


def declared_in_document(body: bytes) -> str | None:
    """The label of a ``<?xml encoding?>`` or ``<meta charset>`` near the start."""
    head = body[:SNIFF_BYTES]
    match = _XML_DECL.match(head) or _META.search(head)
    return match.group(1).decode("ascii") if match else None


def _is_utf8_with_multibyte(body: bytes) -> bool:
    if body.isascii():
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _decodes(body: bytes, codec: str) -> str | None:
    """The text if ``body`` decodes under ``codec`` with at most a few bad bytes."""
    try:
        return body.decode(codec)
    except UnicodeDecodeError:
        pass
    text = body.decode(codec, errors="replace")
    if text.count("\ufffd") <= max(1, len(body) * MAX_BAD_SHARE):
        return text
    return None


def _c1_to_cp1252() -> dict[int, str]:
    table = {}
    for code in range(0x80, 0xA0):
        try:
            table[code] = bytes([code]).decode("cp1252")
        except UnicodeDecodeError:
            continue
    return table


#: C1 control characters never belong in web text: where they appear, a windows-1252 text
#: was converted as if it were latin-1, and each stands for the windows-1252 character.
_C1 = re.compile("[\x80-\x9f]")
_C1_TABLE = _c1_to_cp1252()


def decode_html(body: bytes, header_charset: str | None = None) -> tuple[str, str]:
    """(text, codec used) of a page's bytes; never raises."""
    text, codec = _decode(body, header_charset)
    return fix_c1(text), codec


def fix_c1(text: str) -> str:
    """``text`` with C1 controls read as the windows-1252 characters they stand for."""
    return text.translate(_C1_TABLE) if _C1.search(text) else text


def _decode(body: bytes, header_charset: str | None) -> tuple[str, str]:
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(codec, errors="replace"), codec
    if _is_utf8_with_multibyte(body):
        return body.decode("utf-8"), "utf-8"
    for label in (header_charset, declared_in_document(body)):
        declared = codec_for(label)
        if declared is not None:
            text = _decodes(body, declared)
            if text is not None:
                return text, declared
    if body.isascii():
        return body.decode("ascii"), "ascii"
    from charset_normalizer import from_bytes

    best = from_bytes(body[:200_000]).best()
    guessed = codec_for(best.encoding) if best is not None else None
    if guessed is not None:
        return body.decode(guessed, errors="replace"), guessed
    return body.decode("cp1252", errors="replace"), "cp1252"
