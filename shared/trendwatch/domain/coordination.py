"""Accounts that act together are one voice: promotion accounts, copy-paste posts, amplifier rings.

An emerging topic is many independent people starting to talk about one subject. Three kinds of
coordinated posting imitate that and must not count as a crowd:

* **Promotion accounts** (:func:`promotional_accounts`): accounts most of whose own posts push a
  sale ("flash sale", a discount code, "-30 %", "lien en bio"). Five or six of them pushing a
  product are a campaign, not a trend, however slowly each one posts; their voices count for
  nothing.
* **Copy-paste** (:func:`copy_sources`): the same text (links, mentions and the retweet prefix
  left out) posted by several accounts is one source, as a retweet of the first post would be;
  the detector counts a source once (see :func:`trendwatch.domain.emergence.minute_counts`).
* **Amplifier rings** (:func:`amplifier_groups`): accounts that retweet or quote *one another*
  about a topic. Fans amplify an influencer; the influencer does not amplify each fan back. A
  ring ramping its own hashtag does both ways, old and slow-looking accounts as much as young
  fast ones, so the circle (not age or rate) is what gives it away. The accounts it links are
  one voice for that topic. It is looked for only within one topic's posts: across a whole
  stream, friends who once retweeted each other chain most active accounts into one component
  (a 219-account component on the demo stream), while within a topic only a ring is dense.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping

from trendwatch.domain.text import fold, strip_retweet_prefix

#: Phrases of sales pushes in English and French (matched on folded text).
PROMOTION_CUES = re.compile(
    r"""
    \bflash\s*sales?\b | \bsale\s+ends\b | \bpromo(?:tion)?s?\b | \bcode\s+promo\b | \bpromo\s*code\b
    | \bdiscount(?:s|ed)?\b | \bcoupons?\b | \bvouchers?\b | \buse\s+code\b | \bcodes?\s*:?\s+[a-z]*\d+[a-z0-9]*\b
    | \b(?:buy|shop|order)\s+now\b | \blimited\s+(?:time|offer|stock)\b | \bfree\s+shipping\b
    | \blink\s+in\s+(?:bio|profile)\b | \bdm\s+(?:to|for)\s+order\b | \bgiveaway\b | \bconcours\b
    | \bsoldes?\b | \breduction\b | \bremise\b | \bbons?\s+plans?\b | \blivraison\s+(?:gratuite|offerte)\b
    | \blien\s+en\s+bio\b | \bventes?\s+flash\b | \bprix\s+casses?\b | \bdestockage\b
    | -\s?\d{1,2}\s?% | \b\d{1,2}\s?%\s+(?:off|de\s+reduction)\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
_URL = re.compile(r"https?://\S+")
_MENTION = re.compile(r"@\w+")


def is_promotion(text: str) -> bool:
    """Whether a post pushes a sale (see :data:`PROMOTION_CUES`)."""
    return PROMOTION_CUES.search(fold(text)) is not None


def promotional_accounts(
    posts: Iterable[tuple[str, str]], *, min_posts: int = 2, share: float = 0.5
) -> frozenset[str]:
    """Accounts with at least ``min_posts`` own posts (``(author, text)``, retweets left out by
    the caller), at least ``share`` of which push a sale."""
    total: dict[str, int] = defaultdict(int)
    promoting: dict[str, int] = defaultdict(int)
    for author, text in posts:
        total[author] += 1
        promoting[author] += is_promotion(text)
    return frozenset(a for a, n in total.items() if n >= min_posts and promoting[a] >= share * n)


def normalized_text(text: str) -> str:
    """What copy-paste keeps: the words, folded, without links, mentions or the retweet prefix."""
    plain = _MENTION.sub(" ", _URL.sub(" ", strip_retweet_prefix(text)))
    return " ".join(re.findall(r"\w+", fold(plain)))


def copy_sources(posts: Iterable[tuple[str, str, str]], *, min_words: int = 4) -> dict[str, str]:
    """``tweet id -> the first tweet id of the same text`` for posts (``(tweet id, author, text)``,
    in time order, retweets left out) that repeat a text another account posted first.

    Texts of fewer than ``min_words`` words ("so cute!") are said alike by people who never met,
    and are left alone.
    """
    first: dict[str, tuple[str, str]] = {}
    copies: dict[str, str] = {}
    for tweet, author, text in posts:
        key = normalized_text(text)
        if key.count(" ") + 1 < min_words:
            continue
        seen = first.setdefault(key, (tweet, author))
        if seen[1] != author:
            copies[tweet] = seen[0]
    return copies


def amplifier_groups(pairs: Iterable[tuple[str, str]], *, min_partners: int = 2) -> dict[str, str]:
    """``account -> its group`` for accounts that amplify one another (``(amplifier, amplified)``
    pairs of one topic's retweets and quotes); accounts in no group are left out.

    Two accounts are linked when each amplified the other, or when both are *hubs of a closed
    circle*: each amplified at least ``min_partners`` accounts and was amplified by as many, and
    one amplified the other. Fans amplify an influencer, who rarely amplifies them back; a ring
    ramping its own hashtag amplifies itself, each member both giving and receiving, even when
    each pair exchanged only once (on an independent stream, 50 of a 60-account ring's 59
    voices were such hubs; on the demo's planted topics, at most 16 of 391). Linked accounts
    form one group, named by its smallest id.
    """
    edges = {(a, b) for a, b in pairs if a != b}
    gives: dict[str, set[str]] = defaultdict(set)
    gets: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        gives[a].add(b)
        gets[b].add(a)
    hubs = {a for a in gives if len(gives[a]) >= min_partners and len(gets[a]) >= min_partners}
    parent: dict[str, str] = {}

    def root(key: str) -> str:
        parent.setdefault(key, key)
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    for a, b in edges:
        if (b, a) in edges or (a in hubs and b in hubs):
            ra, rb = root(a), root(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
    return {account: root(account) for account in parent}


def voice_of(author: str, groups: Mapping[str, str]) -> str:
    """The voice an author's posts count for: its group's, or its own."""
    return groups.get(author, author)
