"""When two tweets say the same thing: retweets and exact duplicates share one text key.

Enrich-text analyses and embeds each distinct key once (a retweet storm costs one
analysis), and search shows a repeated text once.
"""

from __future__ import annotations

import hashlib
from typing import NamedTuple

from trendwatch.domain.text import strip_retweet_prefix


class TextKey(NamedTuple):
    #: The text without its ``RT @user:`` prefix, whitespace runs collapsed to one space.
    text: str
    #: Hex BLAKE2b-128 of the normalised text: short, and collision-free in practice.
    hash: str


def text_key(text: str) -> TextKey:
    normalized = " ".join(strip_retweet_prefix(text).split())
    return TextKey(normalized, hashlib.blake2b(normalized.encode(), digest_size=16).hexdigest())
