"""Snippets from a bounded excerpt, words matched as the FTS5 tokenizer matches them, all escaped."""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path
from typing import Any

from townhall.search import snippets
from townhall.search.snippets import (
    ELLIPSIS,
    EXCERPT_CHARS,
    MARK_END,
    MARK_START,
    clean_text,
    highlight,
    mark_all,
    query_terms,
    snippet,
)


def marked(text: str) -> list[str]:
    return re.findall(f"{MARK_START}(.*?){MARK_END}", text)


def test_words_are_stemmed_as_sqlite_stems_them() -> None:
    # Every word of this repository's Python sources, stemmed by SQLite's porter tokenizer and by ours.
    source = Path(snippets.__file__).resolve().parents[1]
    words = sorted({w for f in source.rglob("*.py") for w in re.findall(r"[A-Za-z]+", f.read_text())})
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='porter unicode61 remove_diacritics 2')")
    db.execute("CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance')")
    db.executemany("INSERT INTO t(rowid, x) VALUES (?, ?)", list(enumerate(words, 1)))
    sqlite_terms = dict(db.execute("SELECT doc, term FROM v"))
    differ = [w for i, w in enumerate(words, 1) if sqlite_terms[i] != snippets.term(w)]
    assert len(words) > 2000
    assert len(differ) <= len(words) // 1000, differ[:20]


def test_stemmed_and_folded_matches_are_marked() -> None:
    terms = query_terms("stacking café")
    assert marked(snippet("I stacked forty exposures at the Cafe and the CAFÉ.", terms)) == [
        "stacked", "Cafe", "CAFÉ",
    ]  # fmt: skip


def test_the_snippet_is_a_window_around_the_matches() -> None:
    body = " ".join(f"word{i}" for i in range(200)) + " nebula found here " + " ".join(["tail"] * 100)
    text = snippet(body, query_terms("nebula"))
    assert text.startswith(ELLIPSIS) and text.endswith(ELLIPSIS)
    assert marked(text) == ["nebula"] and len(text.split()) <= snippets.SNIPPET_WORDS + 1


def test_a_body_without_matches_in_its_excerpt_shows_its_start() -> None:
    body = "An opening line. " + "filler " * (EXCERPT_CHARS // 7) + "nebula"
    text = snippet(body, query_terms("nebula"))
    assert text.startswith("An opening line.") and text.endswith(ELLIPSIS) and marked(text) == []


def _best_of(repeats: int, fn: Any) -> float:
    """The fastest of several runs: what the code costs, without what a busy machine adds."""
    times = []
    for _ in range(repeats):
        began = time.perf_counter()
        fn()
        times.append(time.perf_counter() - began)
    return min(times)


def test_huge_bodies_cost_no_more_than_their_excerpt() -> None:
    """A body of a million words costs what its bounded excerpt costs (measured against an excerpt-sized
    body in the same run, so a loaded machine slows both alike), and a page of them stays well under 1 s."""
    terms = query_terms("a")
    excerpt_sized = " ".join(["a"] * 4_000)
    huge = " ".join(["a"] * 1_000_000)
    small = _best_of(5, lambda: snippet(excerpt_sized, terms))
    large = _best_of(5, lambda: snippet(huge, terms))
    assert large < 5 * small + 0.005
    assert 20 * large < 1.0


def test_titles_are_highlighted_everywhere() -> None:
    assert marked(mark_all("Telescope or telescopes?", query_terms("telescope"))) == [
        "Telescope",
        "telescopes",
    ]


def test_everything_is_escaped_but_the_marks() -> None:
    title = clean_text(f"<b>Bold</b> telescope {MARK_START}<script>{MARK_END}")
    html = highlight(mark_all(title, query_terms("telescope")))
    assert html == "&lt;b&gt;Bold&lt;/b&gt; <mark>telescope</mark>  &lt;script&gt; "
