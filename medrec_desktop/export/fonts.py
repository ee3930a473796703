"""The fonts a printed record is set in, and text turned into reportlab paragraph markup that
draws every character in a font that has it (issue 14: names in any script print).

DejaVu Sans (shipped in ``resources/fonts/`` with its licence, embedded as a subset) covers
Latin, Greek, Cyrillic, Armenian, Georgian, Hebrew and Arabic. Arabic and Hebrew are shaped
(joined letters, right to left) by HarfBuzz through reportlab's own shaping support, only in
the paragraphs that hold them. DejaVu has no Chinese, Japanese or Korean: runs of those
characters are set in reportlab's built-in CID fonts (Adobe's STSong-Light, HeiseiMin-W3,
HYSMyeongJo-Medium). Those are *not embedded*: the characters are in the text layer (search,
copy, screen readers) and print wherever the reader has the Adobe Asian font packs (Acrobat
offers them; macOS and most Linux viewers substitute a system font), but a viewer without
any CJK font shows blanks. Scripts neither covers (Devanagari, Thai...) print as empty boxes.
"""

from __future__ import annotations

import functools
import os
import re
import unicodedata
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont

import medrec_desktop

SANS = "MedrecSans"
SANS_BOLD = "MedrecSans-Bold"
_FILES = {SANS: "DejaVuSans.ttf", SANS_BOLD: "DejaVuSans-Bold.ttf"}

CJK_CHINESE = "STSong-Light"  # Adobe-GB1: simplified and traditional Han, and kana
CJK_JAPANESE = "HeiseiMin-W3"  # Adobe-Japan1: Japanese forms of Han, kana
CJK_KOREAN = "HYSMyeongJo-Medium"  # Adobe-Korea1: Hangul
_CID_FONTS = (CJK_CHINESE, CJK_JAPANESE, CJK_KOREAN)

_HANGUL = "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7ff"
_KANA = "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f"
_HAN_AND_MORE = (
    "\u2e80-\u2fdf"  # radicals
    "\u3000-\u303f"  # CJK punctuation
    "\u3100-\u312f"  # bopomofo
    "\u3200-\u33ff"  # enclosed letters, compatibility
    "\u3400-\u4dbf"  # extension A
    "\u4e00-\u9fff"  # unified ideographs
    "\uf900-\ufaff"  # compatibility ideographs
    "\ufe30-\ufe4f"  # compatibility forms
    "\uff00-\uffef"  # full- and half-width forms
    "\U00020000-\U0002fa1f"  # supplementary ideographs
)
_HANGUL_RE = re.compile(f"[{_HANGUL}]")
_KANA_RE = re.compile(f"[{_KANA}]")
_HAN_RE = re.compile(f"[{_HAN_AND_MORE}]")
_CJK_RE = re.compile(f"[{_HANGUL}{_KANA}{_HAN_AND_MORE}]")
# Scripts written right to left or joined: drawn through HarfBuzz.
_SHAPED_RE = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")
_TOKENS = re.compile(r"\s+|\S+")


def resources_dir() -> Path:
    """MEDREC_RESOURCES, else ``resources/`` beside the package (the frozen build keeps that
    layout). The same rule as ``coding.schema.resources_dir``, which this layer may not
    import."""
    env = os.environ.get("MEDREC_RESOURCES")
    if env:
        return Path(env)
    return Path(medrec_desktop.__file__).resolve().parent.parent / "resources"


def fonts_dir() -> Path:
    return resources_dir() / "fonts"


@functools.cache
def register() -> None:
    """Registers the fonts with reportlab once per process (its registry is global)."""
    folder = fonts_dir()
    for name, file in _FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    # <b> inside a paragraph finds the bold face through the family.
    for bold in (False, True):
        for italic in (False, True):
            addMapping(SANS, bold, italic, SANS_BOLD if bold else SANS)
    for cid in _CID_FONTS:
        pdfmetrics.registerFont(UnicodeCIDFont(cid))
        for bold in (False, True):  # no bold CID face: bold CJK prints regular
            for italic in (False, True):
                addMapping(cid, bold, italic, cid)


@functools.cache
def _sans_chars() -> frozenset[int]:
    register()
    font = pdfmetrics.getFont(SANS)
    assert isinstance(font, TTFont)
    return frozenset(font.face.charToGlyph)


def needs_shaping(text: str) -> bool:
    """Whether ``text`` holds Arabic or Hebrew (drawn shaped, right to left)."""
    return not text.isascii() and _SHAPED_RE.search(text) is not None


def plain(text: str) -> bool:
    """Whether DejaVu draws all of ``text`` as it comes (no other font, no shaping): such
    text may be drawn as a plain string, without a paragraph's parsing."""
    return text.isascii() or (
        _sans_chars().issuperset(map(ord, text)) and _SHAPED_RE.search(text) is None
    )


def _right_to_left(token: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in token)


def _left_to_right(token: str) -> bool:
    return any(unicodedata.bidirectional(c) == "L" for c in token)


def visual_words(text: str) -> str:
    """``text`` with each run of right-to-left words in the order they are drawn from the
    left. HarfBuzz (through reportlab) shapes and orders the letters inside a word, but
    reportlab lays words out left to right, and its own reordering needs a package that is
    not on PyPI (rlbidi); without this, "محمد عبد الله" would read backwards word by word.
    Spaces, digits and punctuation between two right-to-left words belong to the run.
    A right-to-left passage long enough to wrap reads its lines in the wrong order (names
    and short phrases, what a record holds in those scripts, never wrap)."""
    tokens = _TOKENS.findall(text)
    out: list[str] = []
    run: list[str] = []  # from the first right-to-left word to the last one seen
    tail: list[str] = []  # neutral tokens after the run's last right-to-left word

    def close() -> None:
        out.extend(reversed(run))
        out.extend(tail)
        run.clear()
        tail.clear()

    for token in tokens:
        if _right_to_left(token):
            run.extend(tail)
            tail.clear()
            run.append(token)
        elif _left_to_right(token):
            close()
            out.append(token)
        elif run:
            tail.append(token)
        else:
            out.append(token)
    close()
    return "".join(out)


def has_cjk(text: str) -> bool:
    """Whether ``text`` holds Chinese, Japanese or Korean (wrapped between characters)."""
    return not text.isascii() and _CJK_RE.search(text) is not None


def _font_for(char: str, japanese: bool) -> str | None:
    """The CID font for a character DejaVu lacks, or None (DejaVu draws its empty box)."""
    if _HANGUL_RE.match(char):
        return CJK_KOREAN
    if _KANA_RE.match(char):
        return CJK_JAPANESE
    if _HAN_RE.match(char):
        return CJK_JAPANESE if japanese else CJK_CHINESE
    return None


def markup(text: str) -> str:
    """``text`` as paragraph markup: escaped, newlines kept, and each run of characters DejaVu
    lacks set in the CID font that has them. Han characters take the Japanese font when the
    text also holds kana (a Japanese name), the Chinese one otherwise."""
    if text.isascii():
        return escape(text).replace("\n", "<br/>")
    if needs_shaping(text):
        text = visual_words(text)
    sans = _sans_chars()
    japanese = _KANA_RE.search(text) is not None
    out: list[str] = []
    run: list[str] = []
    run_font: str | None = None

    def close() -> None:
        if not run:
            return
        chunk = escape("".join(run)).replace("\n", "<br/>")
        out.append(f'<font name="{run_font}">{chunk}</font>' if run_font else chunk)
        run.clear()

    for char in text:
        code = ord(char)
        font = None if code in sans or char.isspace() else _font_for(char, japanese)
        if font != run_font:
            close()
            run_font = font
        run.append(char)
    close()
    return "".join(out)
