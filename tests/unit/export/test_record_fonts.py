"""How text is handed to reportlab (issue 14): escaped, each run of characters in a font that
has them, right-to-left words in drawing order."""

from __future__ import annotations

import pytest

from medrec_desktop.export import fonts


@pytest.mark.parametrize(
    ("text", "drawn"),
    [
        ("Smith, John", "Smith, John"),
        ("محمد عبد الله", "الله عبد محمد"),  # words drawn from the left: the last one first
        ("Patient: محمد عبد الله (Arabic)", "Patient: الله عبد محمد (Arabic)"),
        ("שרה כהן, 1961", "כהן, שרה 1961"),  # punctuation stays with its word
        ("2 محمد 3", "2 محمد 3"),  # digits around a single word stay where they are
        ("محمد 12 عبد", "عبد 12 محمد"),  # inside a run they move with it
        ("Ελένη Παπαδοπούλου", "Ελένη Παπαδοπούλου"),
    ],
)
def test_right_to_left_words_are_put_in_drawing_order(text: str, drawn: str) -> None:
    assert fonts.visual_words(text) == drawn


def test_markup_escapes_and_sets_cjk_runs_in_cid_fonts() -> None:
    assert fonts.markup("O'Brien <Jr> & Sons") == "O'Brien &lt;Jr&gt; &amp; Sons"
    assert fonts.markup("line one\nline two") == "line one<br/>line two"
    chinese = fonts.markup("Wang 王小明")
    assert chinese == f'Wang <font name="{fonts.CJK_CHINESE}">王小明</font>'
    # a Japanese name (it has kana) takes the Japanese forms of its Han characters
    japanese = fonts.markup("山田 はなこ")
    assert japanese.count(f'<font name="{fonts.CJK_JAPANESE}">') == 2
    assert fonts.markup("김민준") == f'<font name="{fonts.CJK_KOREAN}">김민준</font>'
    # DejaVu draws Greek, Cyrillic and Vietnamese itself
    assert fonts.markup("Ковалёва Nguyễn Ελένη") == "Ковалёва Nguyễn Ελένη"


def test_which_text_may_be_drawn_as_a_plain_string() -> None:
    assert fonts.plain("11/20/2026") and fonts.plain("H ↑ High") and fonts.plain("98.4 °F")
    assert not fonts.plain("王小明") and not fonts.plain("محمد")
    assert fonts.needs_shaping("x محمد") and not fonts.needs_shaping("Ελένη")
    assert fonts.has_cjk("김민준") and not fonts.has_cjk("Ковалёва")
