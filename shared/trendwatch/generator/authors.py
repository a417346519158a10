"""Who posts: ordinary users with heavy-tailed activity, planted influencers, and spam bots."""

from __future__ import annotations

import random
import unicodedata
from itertools import accumulate
from typing import Any, Literal

import msgspec

from trendwatch.generator.timeline import x_time
from trendwatch.generator.vocabulary import FIRST_NAMES, HANDLE_WORDS, LAST_NAMES, Lang

Role = Literal["regular", "influencer", "bot"]

#: Zipf exponent of author activity: the k-th most active user posts about k**-s as much as the first.
ZIPF_EXPONENT = 1.05
BOT_COUNT = 12
BOT_RING_SIZE = 6
FRENCH_SHARE = 0.4


class Account(msgspec.Struct, frozen=True):
    user_id: str
    username: str
    name: str
    lang: Lang
    role: Role
    followers: int
    following: int
    tweet_count: int
    created_ms: int

    def x_user(self) -> dict[str, Any]:
        """The user object as X sends it in ``includes.users``."""
        return {
            "id": self.user_id,
            "username": self.username,
            "name": self.name,
            "created_at": x_time(self.created_ms),
            "public_metrics": {
                "followers_count": self.followers,
                "following_count": self.following,
                "tweet_count": self.tweet_count,
                "listed_count": self.followers // 200,
            },
        }


class Population(msgspec.Struct, frozen=True):
    regulars: list[Account]
    #: Cumulative Zipf weights of ``regulars``, for sampling by activity.
    regular_cum_weights: list[float]
    #: Influencer accounts by the topic they push (``""``: general lifestyle influencer).
    influencers: dict[str, Account]
    bots: list[Account]
    #: Bots that retweet each other.
    bot_ring: list[Account]

    def pick_regular(self, rng: random.Random) -> Account:
        return rng.choices(self.regulars, cum_weights=self.regular_cum_weights)[0]


class _Namer:
    """Unique ids and handles, drawn from the seeded generator."""

    def __init__(self, rng: random.Random) -> None:
        self._rng = rng
        self._ids: set[str] = set()
        self._handles: set[str] = set()

    def user_id(self, created_ms: int) -> str:
        # Older accounts have smaller ids, as on X.
        while True:
            candidate = str(created_ms * 1000 + self._rng.randrange(1000))
            if candidate not in self._ids:
                self._ids.add(candidate)
                return candidate

    def reserve(self, account: Account) -> None:
        """Never hand out ``account``'s id or handle."""
        self._ids.add(account.user_id)
        self._handles.add(account.username)

    def handle(self, stem: str) -> str:
        candidate = stem[:15]
        while candidate in self._handles:
            candidate = f"{stem[:11]}{self._rng.randrange(10_000)}"
        self._handles.add(candidate)
        return candidate


def _ascii(name: str) -> str:
    """``Chloé`` -> ``Chloe``: X handles are ASCII letters, digits and underscores."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()


def _created_ms(rng: random.Random, now_ms: int, min_days: int, max_days: int) -> int:
    return now_ms - rng.randrange(min_days * 86_400_000, max_days * 86_400_000)


def _regular(rng: random.Random, namer: _Namer, now_ms: int) -> Account:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    created = _created_ms(rng, now_ms, 30, 5000)
    return Account(
        user_id=namer.user_id(created),
        username=namer.handle(f"{_ascii(first).lower()}_{rng.choice(HANDLE_WORDS)}{rng.randrange(100)}"),
        name=f"{first} {last}",
        lang="fr" if rng.random() < FRENCH_SHARE else "en",
        role="regular",
        followers=int(rng.lognormvariate(5.0, 1.4)),
        following=int(rng.lognormvariate(5.5, 0.8)),
        tweet_count=int(rng.lognormvariate(7.0, 1.2)),
        created_ms=created,
    )


def _influencer(rng: random.Random, namer: _Namer, now_ms: int, lang: Lang) -> Account:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    created = _created_ms(rng, now_ms, 1500, 5000)
    return Account(
        user_id=namer.user_id(created),
        username=namer.handle(f"{_ascii(first)}{rng.choice(HANDLE_WORDS).title()}"),
        name=f"{first} {last}",
        lang=lang,
        role="influencer",
        followers=rng.randrange(80_000, 900_000),
        following=rng.randrange(200, 1500),
        tweet_count=rng.randrange(5_000, 40_000),
        created_ms=created,
    )


def _bot(rng: random.Random, namer: _Namer, now_ms: int) -> Account:
    created = _created_ms(rng, now_ms, 3, 60)
    return Account(
        user_id=namer.user_id(created),
        username=namer.handle(f"deals4u_{rng.randrange(100_000)}"),
        name="Best Deals 24/7",
        lang="fr" if rng.random() < FRENCH_SHARE else "en",
        role="bot",
        followers=rng.randrange(0, 60),
        following=rng.randrange(2_000, 5_000),
        tweet_count=rng.randrange(20_000, 90_000),
        created_ms=created,
    )


def build_population(rng: random.Random, tweets: int, topic_ids: list[str], now_ms: int) -> Population:
    """About one regular user per five tweets (200 to 50,000), one influencer per topic plus one, 12 bots."""
    namer = _Namer(rng)
    regulars = [_regular(rng, namer, now_ms) for _ in range(max(200, min(50_000, tweets // 5)))]
    weights = accumulate((rank + 1) ** -ZIPF_EXPONENT for rank in range(len(regulars)))
    influencers = {
        topic_id: _influencer(rng, namer, now_ms, "fr" if n % 2 else "en")
        for n, topic_id in enumerate(["", *topic_ids])
    }
    bots = [_bot(rng, namer, now_ms) for _ in range(BOT_COUNT)]
    return Population(
        regulars=regulars,
        regular_cum_weights=list(weights),
        influencers=influencers,
        bots=bots,
        bot_ring=bots[:BOT_RING_SIZE],
    )


#: Followers of the history's authors are capped: they talk, they do not lead.
QUIET_MAX_FOLLOWERS = 2_000


def build_quiet_regulars(rng: random.Random, count: int, now_ms: int, besides: Population) -> list[Account]:
    """``count`` ordinary users with modest followings, none sharing an id or handle with ``besides``."""
    namer = _Namer(rng)
    for account in (*besides.regulars, *besides.influencers.values(), *besides.bots):
        namer.reserve(account)
    return [
        msgspec.structs.replace(a, followers=min(a.followers, QUIET_MAX_FOLLOWERS))
        for a in (_regular(rng, namer, now_ms) for _ in range(count))
    ]
