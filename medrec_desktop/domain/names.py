"""When two spellings of a name are "alike": the one notion the duplicate check and the
forgiving patient search share.

Two words are alike when they sound the same (:func:`sound_key`, a Metaphone-style key kept
small on purpose) or when one typo turns one into the other (a letter missing, added,
changed, or two neighbours swapped). Words are compared folded (lower case, no accents); the
callers fold them.

Each rule has a length floor, so that fragments still being typed ("sm", "jo") are not read
as misspellings of half the clinic.
"""

from __future__ import annotations

import difflib
import string
from collections.abc import Sequence

# Below these lengths a word is a fragment, not a name: only its prefix counts.
SOUNDS_FROM = 3
TYPO_FROM = 4
# The duplicate check's original rule (whole name, any word order), kept: it also catches
# names written together or apart ("Mary Ann" / "Maryann").
WHOLE_NAME_RATIO = 0.82

_VOWELS = frozenset("aeiou")
_LETTERS = string.ascii_lowercase
_SILENT_STARTS = ("kn", "gn", "pn", "wr", "ps")


def sound_key(word: str) -> str:
    """A Metaphone-style key: Anderson and Andersen, Smith and Smyth, Catherine and Kathryn,
    Philip and Filip, Steven and Stephen, McDonald and MacDonald share one."""
    w = "".join(ch for ch in word.lower() if ch in _LETTERS)
    if not w:
        return ""
    if w.startswith(_SILENT_STARTS):
        w = w[1:]
    elif w.startswith("x"):
        w = "s" + w[1:]
    elif w.startswith("wh"):
        w = "w" + w[2:]
    out: list[str] = []
    last = ""
    i = 0
    while i < len(w):
        ch = w[i]
        nxt = w[i + 1] if i + 1 < len(w) else ""
        after = w[i + 2] if i + 2 < len(w) else ""
        prev = w[i - 1] if i > 0 else ""
        code = ""
        step = 1
        if ch == prev and ch != "c":  # a doubled letter is one sound ("Phillip")
            i += 1
            continue
        if ch in _VOWELS or ch == "y" and i == 0 and nxt not in _VOWELS:
            code = "A" if i == 0 else ""  # only a leading vowel is heard reliably
            last = ""  # a vowel between two like sounds keeps both ("Nunez")
        elif ch == "b":
            code = "" if prev == "m" and not nxt else "B"
        elif ch == "c":
            if nxt == "h":
                code, step = ("K", 2) if prev == "s" else ("X", 2)
            elif nxt in ("i", "e", "y"):
                code = "S"
            else:
                code = "K"
        elif ch == "d":
            code, step = ("J", 2) if nxt == "g" and after in ("e", "i", "y") else ("T", 1)
        elif ch == "g":
            if nxt == "h" and (not after or after not in _VOWELS):
                code, step = "", 2  # "Leigh", "Wright": silent
            elif nxt == "n" and (not after or w[i + 2 :] == "ed"):
                code = ""
            elif nxt in ("e", "i", "y"):
                code = "J"
            else:
                code = "K"
        elif ch == "h":
            code = "H" if nxt in _VOWELS and prev not in ("c", "g", "p", "s", "t") else ""
        elif ch == "k":
            code = "" if prev == "c" else "K"
        elif ch == "p":
            if nxt == "h":
                code, step = "F", 2
            elif prev == "m" and nxt in ("s", "t"):
                code = ""  # "Thompson" sounds as "Thomson"
            else:
                code = "P"
        elif ch == "q":
            code = "K"
        elif ch == "s":
            if nxt == "h" or (nxt == "i" and after in ("o", "a")):
                code, step = "X", (2 if nxt == "h" else 1)
            else:
                code = "S"
        elif ch == "t":
            if nxt == "i" and after in ("o", "a"):
                code = "X"
            elif nxt == "h":
                code, step = "T", 2  # "Thomas", "Smith": one sound in names
            elif nxt == "c" and after == "h":
                code = ""
            else:
                code = "T"
        elif ch == "v":
            code = "F"
        elif ch in ("w", "y"):
            code = ch.upper() if nxt in _VOWELS else ""
        elif ch == "x":
            code = "KS"
        elif ch == "z":
            code = "S"
        else:  # f j l m n r
            code = ch.upper()
        if code and code != last:
            out.append(code)
            last = code
        i += step
    return "".join(out)


def within_one_typo(a: str, b: str) -> bool:
    """One letter missing, added or changed, or two neighbouring letters swapped."""
    if a == b:
        return True
    la, lb = len(a), len(b)
    if abs(la - lb) > 1:
        return False
    if la == lb:
        diff = [i for i in range(la) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long_ = (a, b) if la < lb else (b, a)
    i = 0
    while i < len(short) and short[i] == long_[i]:
        i += 1
    return short[i:] == long_[i + 1 :]


def one_typo_variants(word: str) -> set[str]:
    """Every word :func:`within_one_typo` of ``word`` (lower-case letters only), for an
    index look-up by equality: about 54 strings per letter of the word."""
    found: set[str] = set()
    for i in range(len(word) + 1):
        head, tail = word[:i], word[i:]
        if tail:
            found.add(head + tail[1:])
            if len(tail) > 1:
                found.add(head + tail[1] + tail[0] + tail[2:])
            found.update(head + c + tail[1:] for c in _LETTERS)
        found.update(head + c + tail for c in _LETTERS)
    found.discard(word)
    return found


def words_alike(typed: str, word: str) -> bool:
    """``typed`` sounds like ``word``, or is one typo away from it (long enough words only)."""
    if typed == word:
        return True
    if len(typed) >= SOUNDS_FROM and sound_key(typed) == sound_key(word):
        return True
    return len(typed) >= TYPO_FROM and within_one_typo(typed, word)


def names_alike(wanted: Sequence[str], other: Sequence[str]) -> bool:
    """Whole names (folded words, any order) of possibly the same person: every word of the
    shorter name is alike to a word of the other, or the names are close letter for letter."""
    short, long_ = (wanted, other) if len(wanted) <= len(other) else (other, wanted)
    if short and all(any(words_alike(s, w) for w in long_) for s in short):
        return True
    return whole_name_ratio(wanted, other) >= WHOLE_NAME_RATIO


def whole_name_ratio(wanted: Sequence[str], other: Sequence[str]) -> float:
    """How close two names are letter for letter (0 to 1), ignoring word order."""
    a, b = " ".join(sorted(wanted)), " ".join(sorted(other))
    return difflib.SequenceMatcher(None, a, b).ratio()
