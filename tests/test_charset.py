"""Decoding pages: HTTP header, BOM, in-document declaration, detection; never mojibake."""

from __future__ import annotations

import ast
import html
import re
from pathlib import Path

import pytest

from newsflow.ingest.charset import codec_for, decode_html
from newsflow.ingest.cleaner import clean_page

RUSSIAN = ("Совет депутатов одобрил продление линии лёгкого метро в северные районы города. "
           "Строительство начнётся весной, первые трамваи пойдут через четыре года. ")
JAPANESE = ("市議会は火曜日の夜、ライトレールを北部郊外まで延伸することを可決した。"
            "工事は来春に始まり、最初の路面電車は四年以内に走る見通しだ。")
CHINESE = "市议会周二晚间投票决定将轻轨延伸至北部郊区，结束了持续三年多的争论。工程预计明年春天开工。"
FRENCH = "Le conseil municipal a voté mardi soir l'extension du tramway vers les quartiers nord. "


def page(text: str, meta: str = "") -> str:
    return (f"<html><head>{meta}<title>t</title></head><body><article>"
            + "".join(f"<p>{text}</p>" for _ in range(4)) + "</article></body></html>")


def test_the_http_header_names_the_encoding() -> None:
    body = page(RUSSIAN).encode("windows-1251")
    text, codec = decode_html(body, "windows-1251")
    assert RUSSIAN in text and codec == "cp1251"


def test_a_meta_tag_names_the_encoding() -> None:
    body = page(JAPANESE, '<meta http-equiv="Content-Type" content="text/html; charset=Shift_JIS">')
    text, codec = decode_html(body.encode("shift_jis"))
    assert JAPANESE in text and codec == "cp932"


def test_an_undeclared_encoding_is_detected() -> None:
    body = page(CHINESE * 3).encode("gb18030")
    text, _ = decode_html(body)
    assert CHINESE in text


def test_utf8_sent_as_iso_8859_1_is_read_as_utf8() -> None:
    body = page(FRENCH, '<meta charset="iso-8859-1">').encode("utf-8")
    text, codec = decode_html(body, "iso-8859-1")
    assert FRENCH in text and "Ã" not in text and codec == "utf-8"


def test_a_bom_beats_every_declaration() -> None:
    body = "\ufeff".encode("utf-16-le") + page(RUSSIAN, '<meta charset="windows-1251">').encode(
        "utf-16-le")
    text, codec = decode_html(body, "iso-8859-1")
    assert RUSSIAN in text and codec == "utf-16-le"


def test_latin1_labels_mean_windows_1252_as_browsers_read_them() -> None:
    body = page("Don\u2019t \u201cquote\u201d me", '<meta charset="iso-8859-1">').encode("cp1252")
    text, _ = decode_html(body)
    assert "Don\u2019t \u201cquote\u201d me" in text
    assert codec_for("ISO-8859-1") == "cp1252" and codec_for("no-such-charset") is None


def test_a_wrong_declaration_does_not_garble_the_page() -> None:
    body = page(RUSSIAN * 2, '<meta charset="shift_jis">').encode("windows-1251")
    text, _ = decode_html(body)
    assert RUSSIAN in text


def test_the_cleaner_uses_the_header_charset() -> None:
    body = page(RUSSIAN * 2).encode("windows-1251")
    cleaned = clean_page(body, "https://example.ru/news/1", "windows-1251")
    assert RUSSIAN.split(".")[0] in cleaned.text and cleaned.language == "ru"


_EXPECT = re.compile(r"Expect:\s+not bozo and (?:entries\[0\]\['description'\]|feed\['title'\])"
                     r" == ('.*')\s*$", re.M)
_HEADER = re.compile(r"Header:\s+Content-type:.*charset=['\"]?([\w-]+)", re.I)


def test_the_oddly_encoded_feeds_decode_to_their_expected_text(shared_dir: Path) -> None:
    folder = shared_dir / "corpus" / "feeds" / "encoding"
    checked = 0
    for path in sorted(folder.glob("*.xml")):
        raw = path.read_bytes()
        head = raw[:2000].decode("latin-1")
        expect = _EXPECT.search(head)
        if expect is None:
            continue
        wanted = ast.literal_eval(expect.group(1))
        if wanted.isascii() or "<" in wanted:
            continue
        header = _HEADER.search(head)
        text, _ = decode_html(raw, header.group(1) if header else None)
        assert wanted in html.unescape(text), path.name
        checked += 1
    if not checked:
        pytest.skip("no feed with an expected non-ASCII text")
