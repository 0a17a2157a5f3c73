"""Snippets and highlighted titles made in Python from a bounded excerpt (used with SQLite).

FTS5's own snippet() walks every occurrence of every matched word in the whole document: one post of
16,000 times "a" made a search for "a" take seconds. Here the work is bounded by construction: only the
first EXCERPT_CHARS of a body are read, words are matched the way the FTS5 tokenizer
(`porter unicode61 remove_diacritics 2`) matches them, and marks are the engine's MARK_START/MARK_END,
escaped afterwards by `highlight()` like everything else.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from django.utils.html import escape

MARK_START = "\x02"
MARK_END = "\x03"
EXCERPT_CHARS = 8000  # the part of a body that snippets are made from
SNIPPET_WORDS = 24  # as FTS5's snippet(..., 24)
MAX_WINDOWS = 400  # matches tried as the start of a snippet
ELLIPSIS = "…"

_WORD = re.compile(r"[^\W_]+")  # unicode61: letters and digits; everything else separates words
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def clean_text(text: str) -> str:
    """Text as the index keeps it: no control characters (which also keeps our marks out of it)."""
    return _CONTROL.sub(" ", text)


def highlight(fragment: str) -> str:
    """Escape everything, then turn the marks into <mark>."""
    return escape(fragment).replace(MARK_START, "<mark>").replace(MARK_END, "</mark>")


# --- words as the FTS5 tokenizer sees them ---------------------------------------------------------------
def fold(word: str) -> str:
    """Lower case without diacritics (unicode61 remove_diacritics 2)."""
    word = word.lower()
    if word.isascii():
        return word
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@lru_cache(maxsize=50_000)
def term(word: str) -> str:
    """The indexed form of one word: folded, then Porter-stemmed when it is ASCII of 3 to 64 letters."""
    folded = fold(word)
    if 3 <= len(folded) <= 64 and folded.isascii():
        return porter(folded)
    return folded


def query_terms(text: str) -> frozenset[str]:
    """The indexed forms of the words of a query."""
    return frozenset(term(w) for w in _WORD.findall(text))


# --- snippets ------------------------------------------------------------------------------------------
# A word of the text: (start, end, the query term it matches or None).
_Word = tuple[int, int, str | None]


def _words(text: str, terms: frozenset[str]) -> list[_Word]:
    # A Porter stem keeps the word's first two letters (or is one letter long), so most words are ruled
    # out without stemming them; each distinct word is looked at once.
    heads = {t[:2] for t in terms}
    seen: dict[str, str | None] = {}
    words: list[_Word] = []
    for match in _WORD.finditer(text):
        raw = match.group()
        if raw in seen:
            hit = seen[raw]
        else:
            folded = raw.lower() if raw.isascii() else fold(raw)
            hit = None
            if folded[:2] in heads or folded[:1] in heads:
                found = term(raw)
                hit = found if found in terms else None
            seen[raw] = hit
        words.append((match.start(), match.end(), hit))
    return words


def _marked(text: str, words: list[_Word], start: int, end: int) -> str:
    """text[start:end] with every matched word between marks."""
    parts = []
    at = start
    for word_start, word_end, hit in words:
        if hit is None or word_start < start or word_end > end:
            continue
        parts += [text[at:word_start], MARK_START, text[word_start:word_end], MARK_END]
        at = word_end
    parts.append(text[at:end])
    return "".join(parts)


def mark_all(text: str, terms: frozenset[str]) -> str:
    """The whole (short) text with every matched word marked, as FTS5's highlight() (titles)."""
    return _marked(text, _words(text, terms), 0, len(text))


def snippet(body: str, terms: frozenset[str], *, size: int = SNIPPET_WORDS) -> str:
    """About `size` words around the best group of matches in the first EXCERPT_CHARS of `body`, the
    matches marked, with an ellipsis where text was left out (the start of the body when none match)."""
    excerpt = body[:EXCERPT_CHARS]
    words = _words(excerpt, terms)
    if not words:
        return ""
    first = 0
    hits = [i for i, w in enumerate(words) if w[2] is not None]
    if hits:
        best = (-1, -1)
        perfect = (len(terms), size)
        lead = size // 4  # some words before the first match, as FTS5 does
        for i in hits[:MAX_WINDOWS]:
            window_start = max(0, min(i - lead, len(words) - size))
            found = [w[2] for w in words[window_start : window_start + size] if w[2] is not None]
            score = (len(set(found)), len(found))
            if score > best:
                best, first = score, window_start
                if score >= perfect:
                    break
    last = min(first + size, len(words)) - 1
    start = words[first][0] if first > 0 else 0
    end = words[last][1] if last < len(words) - 1 or len(body) > len(excerpt) else len(excerpt)
    text = _marked(excerpt, words, start, end).strip()
    if first > 0:
        text = ELLIPSIS + text
    if end < len(body):
        text += ELLIPSIS
    return text


# --- the Porter stemmer (the original algorithm, as SQLite's porter tokenizer implements it) ----------
def _consonant(word: str, i: int) -> bool:
    ch = word[i]
    if ch in "aeiou":
        return False
    if ch == "y":
        return i == 0 or not _consonant(word, i - 1)
    return True


def _measure(stem: str) -> int:
    """m in [C](VC){m}[V]: how many vowel-consonant sequences the stem has."""
    m = 0
    previous_vowel = False
    for i in range(len(stem)):
        vowel = not _consonant(stem, i)
        if previous_vowel and not vowel:
            m += 1
        previous_vowel = vowel
    return m


def _has_vowel(stem: str) -> bool:
    return any(not _consonant(stem, i) for i in range(len(stem)))


def _double_consonant(word: str) -> bool:
    return len(word) >= 2 and word[-1] == word[-2] and _consonant(word, len(word) - 1)


def _cvc(word: str) -> bool:
    """Ends consonant-vowel-consonant, the last not w, x or y (hop, not hoop or snow)."""
    return (
        len(word) >= 3
        and _consonant(word, len(word) - 3)
        and not _consonant(word, len(word) - 2)
        and _consonant(word, len(word) - 1)
        and word[-1] not in "wxy"
    )


def _replace(word: str, rules: tuple[tuple[str, str], ...], minimum: int) -> str:
    """The first rule whose suffix ends the word applies when the stem's measure exceeds `minimum`."""
    for suffix, replacement in rules:
        if word.endswith(suffix):
            stem = word[: -len(suffix)]
            return stem + replacement if _measure(stem) > minimum else word
    return word


_STEP2_RULES: tuple[tuple[str, str], ...] = (
    ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
    ("bli", "ble"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"),
    ("ization", "ize"), ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("iveness", "ive"),
    ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble"),
    ("logi", "log"),
)  # fmt: skip
_STEP3_RULES: tuple[tuple[str, str], ...] = (
    ("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"), ("ful", ""),
    ("ness", ""),
)  # fmt: skip
_STEP4 = (
    "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ion", "ou", "ism",
    "ate", "iti", "ous", "ive", "ize",
)  # fmt: skip


def _longest_first(rules: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    # Of the suffixes that end a word, the longest is the one the algorithm means ("ational" before
    # "tional", "ement" before "ment" before "ent").
    return tuple(sorted(rules, key=lambda rule: -len(rule[0])))


_STEP2 = _longest_first(_STEP2_RULES)
_STEP3 = _longest_first(_STEP3_RULES)
_STEP4_RULES = _longest_first(tuple((suffix, "") for suffix in _STEP4))


def porter(word: str) -> str:
    """The Porter stem of a lower-case ASCII word (stacked, stacking -> stack)."""
    if len(word) <= 2:
        return word
    # Step 1a: plurals.
    if word.endswith(("sses", "ies")):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    # Step 1b: -eed, -ed, -ing.
    if word.endswith("eed"):
        if _measure(word[:-3]) > 0:
            word = word[:-1]
    else:
        for suffix in ("ed", "ing"):
            if word.endswith(suffix) and _has_vowel(word[: -len(suffix)]):
                word = word[: -len(suffix)]
                if word.endswith(("at", "bl", "iz")):
                    word += "e"
                elif _double_consonant(word) and word[-1] not in "lsz":
                    word = word[:-1]
                elif _measure(word) == 1 and _cvc(word):
                    word += "e"
                break
    # Step 1c: a final y after a vowel becomes i.
    if word.endswith("y") and _has_vowel(word[:-1]):
        word = word[:-1] + "i"
    word = _replace(word, _STEP2, 0)
    word = _replace(word, _STEP3, 0)
    # Step 4: -ion goes only after s or t.
    for suffix, _ in _STEP4_RULES:
        if word.endswith(suffix):
            stem = word[: -len(suffix)]
            if _measure(stem) > 1 and (suffix != "ion" or stem.endswith(("s", "t"))):
                word = stem
            break
    # Step 5: a final e, a final double l.
    if word.endswith("e"):
        stem = word[:-1]
        m = _measure(stem)
        if m > 1 or (m == 1 and not _cvc(stem)):
            word = stem
    if word.endswith("ll") and _measure(word) > 1:
        word = word[:-1]
    return word
