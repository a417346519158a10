"""Who posts: ordinary people, celebrities, and the accounts behind each bot strategy.

The bots are built to look like people on the signals a detector might use: half of the ring
are old accounts with ordinary follower counts that post slowly, and the copy-paste accounts
have the same spread of ages and followers as everyone else.
"""

from __future__ import annotations

import random
from itertools import accumulate
from typing import Any, Literal

import msgspec

from trendwatch.evaluation.adversarial.vocabulary import FIRST_NAMES, HANDLE_WORDS, Lang
from trendwatch.generator.timeline import x_time

Role = Literal["person", "celebrity", "ring", "copy_paste", "promo"]
DAY_MS = 86_400_000
ZIPF_EXPONENT = 0.9
FRENCH_SHARE = 0.45
CELEBRITIES = 4
RING_SIZE = 60
#: Share of the ring made of old, slow-looking accounts.
RING_OLD_SHARE = 0.5
COPY_PASTE_ACCOUNTS = 90
PROMO_ACCOUNTS = 6


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
            "verified": self.role == "celebrity",
            "public_metrics": {
                "followers_count": self.followers,
                "following_count": self.following,
                "tweet_count": self.tweet_count,
                "listed_count": self.followers // 150,
            },
        }


class Population(msgspec.Struct, frozen=True):
    people: list[Account]
    #: Cumulative Zipf weights of ``people``: a few post a lot, most post rarely.
    cum_weights: list[float]
    celebrities: list[Account]
    ring: list[Account]
    copy_paste: list[Account]
    promo: list[Account]

    def pick_person(self, rng: random.Random) -> Account:
        return rng.choices(self.people, cum_weights=self.cum_weights)[0]


class _Maker:
    """Accounts with unique ids (older accounts have smaller ids, as on X) and handles."""

    def __init__(self, rng: random.Random, now_ms: int) -> None:
        self._rng = rng
        self._now = now_ms
        self._ids: set[str] = set()
        self._handles: set[str] = set()

    def make(
        self, role: Role, age_days: tuple[int, int], followers: tuple[float, float], tweets: float
    ) -> Account:
        rng = self._rng
        created = self._now - rng.randrange(age_days[0] * DAY_MS, age_days[1] * DAY_MS)
        while (user_id := str(created * 1000 + rng.randrange(1000))) in self._ids:
            created -= 1
        self._ids.add(user_id)
        first = rng.choice(FIRST_NAMES)
        handle = f"{first.lower()}_{rng.choice(HANDLE_WORDS)}{rng.randrange(1000)}"
        while handle in self._handles:
            handle = f"{first.lower()}{rng.randrange(100_000)}"
        self._handles.add(handle)
        return Account(
            user_id=user_id,
            username=handle[:15],
            name=f"{first} {chr(65 + rng.randrange(26))}.",
            lang="fr" if rng.random() < FRENCH_SHARE else "en",
            role=role,
            followers=int(rng.lognormvariate(*followers)),
            following=int(rng.lognormvariate(5.3, 0.9)),
            tweet_count=int(rng.lognormvariate(tweets, 1.0)),
            created_ms=created,
        )


def _ring(maker: _Maker) -> list[Account]:
    old = round(RING_SIZE * RING_OLD_SHARE)
    return [
        maker.make("ring", (1500, 4000), (5.5, 1.0), 8.0)
        if i < old
        else maker.make("ring", (3, 60), (3.0, 1.2), 6.0)
        for i in range(RING_SIZE)
    ]


def build_population(rng: random.Random, now_ms: int, people: int) -> Population:
    """``people`` ordinary accounts plus celebrities and the bots of every strategy."""
    maker = _Maker(rng, now_ms)
    regular = [maker.make("person", (20, 5000), (5.0, 1.4), 7.0) for _ in range(people)]
    weights = list(accumulate((k + 1) ** -ZIPF_EXPONENT for k in range(people)))
    return Population(
        people=regular,
        cum_weights=weights,
        celebrities=[maker.make("celebrity", (2500, 5000), (14.0, 0.5), 9.0) for _ in range(CELEBRITIES)],
        ring=_ring(maker),
        copy_paste=[
            maker.make("copy_paste", (20, 5000), (5.0, 1.4), 7.0) for _ in range(COPY_PASTE_ACCOUNTS)
        ],
        promo=[maker.make("promo", (30, 400), (6.0, 0.8), 9.5) for _ in range(PROMO_ACCOUNTS)],
    )
