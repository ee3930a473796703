"""Finding a condition's words in a note (issue 13's chronic-condition review): whole words,
any case, not negated ("denies diabetes", "not on dialysis"), not about someone else ("mother
has diabetes"), not hypothetical ("discussed dialysis options") and not a lookalike ("diabetes
insipidus", "pre-diabetes").

Deliberately simple, and leaning towards suggesting: a missed chronic condition costs more
than a suggestion the coder reads and dismisses. A cue reaches to the end of its clause (a
comma, a semicolon, the end of the sentence), so "no chest pain, diabetes stable" still
counts the diabetes.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

#: words that, earlier in the same clause, mean the condition is absent, someone else's or
#: not (yet) there
_CUES = (
    "no", "not", "denies", "denied", "deny", "without", "negative for", "ruled out",
    "rule out", "r/o", "free of", "never", "family history", "fh", "mother", "father",
    "sister", "brother", "grandmother", "grandfather", "aunt", "uncle", "screening",
    "screen for", "screened for", "risk of", "risk for", "at risk", "discussed", "discuss",
    "consider", "considering", "possible", "possibly", "if", "may need", "future",
    "planning for", "plan for", "prepare for", "education", "evaluation for", "prevent",
)  # fmt: skip
#: phrases containing a condition's word that name something else
_LOOKALIKES = (
    "diabetes insipidus", "pre-diabetes", "pre-diabetic", "pre diabetes", "prediabetes",
    "gestational diabetes", "diabetic diet", "diabetes education", "diabetes screening",
    "steroid-induced diabetes",
)  # fmt: skip
_CLAUSE_END = re.compile(r"[.;,:!?\n]|\bbut\b", re.IGNORECASE)
_CUE = re.compile(r"\b(?:" + "|".join(re.escape(c) for c in _CUES) + r")\b", re.IGNORECASE)


@lru_cache(maxsize=256)
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    longest_first = sorted(words, key=len, reverse=True)
    alternatives = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in longest_first)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


@dataclass(frozen=True)
class Mention:
    """Where a condition's words were found, with a short quotation around them."""

    phrase: str
    quote: str


def mentions(text: str, words: Iterable[str]) -> list[Mention]:
    """Affirmed mentions of any of ``words`` in ``text``, in order."""
    if not text:
        return []
    found = []
    for m in _pattern(tuple(words)).finditer(text):
        if _lookalike(text, m.start(), m.end()) or _negated(text, m.start()):
            continue
        found.append(Mention(m.group(0), quote(text, m.start(), m.end())))
    return found


def mentioned(text: str, words: Iterable[str]) -> bool:
    """Whether ``text`` names one of ``words`` (no negation test: for refinements, where
    the condition is already known to be there)."""
    return bool(text) and _pattern(tuple(words)).search(text) is not None


def _negated(text: str, start: int) -> bool:
    clause_start = 0
    for end in _CLAUSE_END.finditer(text, 0, start):
        clause_start = end.end()
    return _CUE.search(text, clause_start, start) is not None


def _lookalike(text: str, start: int, end: int) -> bool:
    around = text[max(0, start - 20) : end + 20].lower()
    word = text[start:end].lower()
    for phrase in _LOOKALIKES:
        at = around.find(phrase)
        while at != -1:
            # the lookalike must contain this very mention
            offset = start - max(0, start - 20)
            if at <= offset and offset + len(word) <= at + len(phrase):
                return True
            at = around.find(phrase, at + 1)
    return False


def quote(text: str, start: int, end: int, width: int = 40) -> str:
    """The words around ``text[start:end]`` on one line, cut at word boundaries."""
    left = max(0, start - width)
    right = min(len(text), end + width)
    if left > 0:
        space = text.find(" ", left, start)
        left = space + 1 if space != -1 else left
    if right < len(text):
        space = text.rfind(" ", end, right)
        right = space if space != -1 else right
    body = " ".join(text[left:right].split())
    return ("…" if left > 0 else "") + body + ("…" if right < len(text) else "")
