"""Regular expressions (RE2, as BigQuery's ``REGEXP_CONTAINS`` and DuckDB's ``regexp_matches``
run them) for words, phrases and proximity.

RE2's ``\b`` knows only ASCII letters (``café`` would never end on a boundary) and RE2 has no
look-around, so a word's edges are matched as "start of text or a non-word character" and
"a non-word character or end of text", with Unicode letter and digit classes. Every
character of the user's text is escaped; the pattern travels as a query parameter.
"""

from __future__ import annotations

_WORD_CHAR = r"[\p{L}\p{N}_]"
_NON_WORD = r"[^\p{L}\p{N}_]"
#: What may precede a mention: neither a word character nor ``@`` (``me@zara`` is no mention).
_NON_HANDLE = r"[^\p{L}\p{N}_@]"
_SPACE = r"(?:\s|\p{Z})+"
_START = f"(?:^|{_NON_WORD})"
_END = f"(?:{_NON_WORD}|$)"


def _escape(text: str) -> str:
    """``text`` as a literal: ASCII punctuation backslashed (RE2 accepts ``\\`` before any of it),
    runs of white space matching any run of white space."""
    escaped = "".join(f"\\{c}" if c.isascii() and not c.isalnum() and not c.isspace() else c for c in text)
    return _SPACE.join(escaped.split())


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char == "_"


def _literal(text: str) -> tuple[str, str, str]:
    """``text`` escaped, and the word edges it needs where it starts or ends with a word
    character (so ``"; DROP"`` may follow anything but ``robe`` must not be inside ``garderobe``)."""
    start = _START if _is_word_char(text[0]) else ""
    end = _END if _is_word_char(text[-1]) else ""
    return start, _escape(text), end


def contains(text: str) -> str:
    """Case-insensitive: the text holds ``text`` as whole words."""
    return "(?i)" + "".join(_literal(text.strip()))


def mentions(username: str) -> str:
    """Case-insensitive: the text holds ``@username`` not followed by more of a username."""
    return f"(?i)(?:^|{_NON_HANDLE})@{_escape(username)}{_END}"


def near(left: str, right: str, distance: int) -> tuple[str, str]:
    """Case-insensitive: ``left`` then ``right``, and ``right`` then ``left``, with at most
    ``distance`` words between. Two patterns, not one alternation: RE2's DFA for the
    alternation of both orders grows so large that matching is ten times slower."""
    gap = f"(?:{_NON_WORD}+{_WORD_CHAR}+){{0,{distance}}}{_NON_WORD}+"
    a_start, a, a_end = _literal(left.strip())
    b_start, b, b_end = _literal(right.strip())
    return f"(?i){a_start}{a}{gap}{b}{b_end}", f"(?i){b_start}{b}{gap}{a}{a_end}"
