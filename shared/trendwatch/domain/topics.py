"""Topics, not terms: group the variants of one subject online, with stable ids and lineage.

A tweet about a summer dress may say ``#SummerDress``, "summer dress", "floral summer dress" or
"robe d'été"; counted apart, each variant has a handful of voices and crosses a threshold late.
:class:`TopicGrouper` reads the terms of each tweet in event order and gives every term, once it
has been seen in ``min_support`` tweets, one topic, by the first rule that holds:

1. **Same glued form** as a member (``#cargoskirt`` and "cargo skirt"): one spelling, no doubt.
2. **Same catalogue entry**: the retailer's catalogue lists each product under keywords in each
   language it sells in ("mushroom lamp", "lampe champignon", ``#MushroomLamp``); keywords of
   one product (its brand left out, see below) are one subject, whatever the language, and so
   is a longer phrase naming exactly one of them ("good mushroom lamp"). The
   catalogue is the retailer's own bilingual dictionary of what it sells, which no packaged
   embedding model here knows; and it knows brands, so a listed product never disappears into
   its brand's topic or another product's (see :class:`Catalogue`).
3. **Co-occurrence**: at least ``cooccurrence`` of the term's tweets also carry the topic's terms,
   with a lift of at least ``min_lift`` over chance (so a word said everywhere, such as
   "honestly", joins nothing), and the pull goes both ways: at least ``mutual`` of the topic's
   tweets carry the term. The term must be a near-synonym of the topic, not one of its parts: a
   new product named next to its brand in most tweets does not vanish into the brand's topic,
   whose older, steady volume would bury its rise (this cut the median detection delay on the
   training streams). This is what joins languages: the static embeddings barely relate
   "robe" and "dress" (cosine about 0.01), but French tweets carry ``#RobeDEte`` next to
   "robe d'été" and often the English hashtag too.
4. **Embedding**: cosine to the topic's centroid of at least ``similarity`` ("floral summer
   dress" to "summer dress" 0.79, while "oat latte" to "matcha latte" is 0.66 and stays apart).

Otherwise the term founds a topic whose id is derived from it (:func:`topic_id_for`): the same
facts in the same order found the same topics, so a replay gives the same ids, and a restart
that restores the stored membership (:meth:`TopicGrouper.restore`) keeps them. A term keeps its
topic; when a topic's founding term later turns out to co-occur with an older topic, the younger
topic *merges* into the older one (the older id survives) and the merge is recorded as lineage.
A term that joined by co-occurrence and whose tweets later mostly stop carrying the topic's
other terms (below ``split_below``, well under the ``cooccurrence`` that joined it, so that a
term does not flap) *splits* off into a topic of its own, with the lineage recorded too.
Every membership change carries its minute, so a detector can score each topic with the members
it had at that time (no look-ahead in event time).

Batch clustering per window with matching across windows (DESIGN §8) was the alternative; it
renumbers nothing either, but it decides late (at the end of a window) and re-clusters the whole
vocabulary each time, while a term here is placed once, in microseconds, when it has support.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from itertools import combinations

import msgspec
import numpy as np
import numpy.typing as npt

from trendwatch.domain.coordination import amplifier_groups
from trendwatch.domain.emergence import Alert, EmergenceParams, Mention, detect_segments, voices
from trendwatch.domain.generic_words import is_generic
from trendwatch.domain.text import STOPWORDS, fold, normalize_word, strip_elision

Embed = Callable[[Sequence[str]], npt.NDArray[np.float32]]

TOPIC_PREFIX = "term:"


class TopicParams(msgspec.Struct, frozen=True):
    #: Tweets with a term before it is placed: fewer say nothing about its company.
    min_support: int = 4
    cooccurrence: float = 0.6
    #: Tweets a term must share with a topic before co-occurrence can join them (small counts lie).
    min_together: int = 10
    #: Share of the topic's own tweets that must carry the term: the pull must go both ways.
    mutual: float = 0.5
    min_lift: float = 20.0
    similarity: float = 0.78
    #: A term that joined by co-occurrence leaves when fewer of its tweets carry the topic's other terms.
    split_below: float = 0.25


class Merge(msgspec.Struct, frozen=True):
    """Lineage: ``merged`` was folded into ``into`` at ``minute``."""

    into: str
    merged: str
    minute: int


class Split(msgspec.Struct, frozen=True):
    """Lineage: ``term`` (with its spelling variants) left ``parent`` at ``minute`` to lead ``into``."""

    parent: str
    into: str
    term: str
    minute: int


class Membership(msgspec.Struct, frozen=True):
    term: str
    topic_id: str
    #: Minute of the stream from which the term counts for the topic.
    since: int
    #: How it joined: ``founder``, ``spelling``, ``catalogue``, ``cooccurrence``, ``embedding``,
    #: ``merge``, ``split``.
    reason: str


class Catalogue(msgspec.Struct, frozen=True):
    """What the retailer's catalogue says about terms (spelling keys, see :func:`glued`)."""

    #: Keyword -> anchor: keywords of one product share an anchor, and so do those of products
    #: sharing a keyword (the same vase sold by several brands).
    anchors: dict[str, str] = {}
    brands: frozenset[str] = frozenset()
    #: Short names -> anchor: two or more content words of one keyword, in its order, glued and
    #: singular ("sac à dos en bambou" -> "sacbambou", "dosbambou"...), or the keyword cut short;
    #: names two products share are left out.
    short_names: dict[str, str] = {}
    #: Single content words that name one product only ("sardine"); they join a product's topic
    #: once it exists but never found it, since the word may be common talk ("peau", "sérum").
    short_words: dict[str, str] = {}

    @classmethod
    def of(cls, products: Iterable[tuple[str, Sequence[str]]]) -> Catalogue:
        """From ``(brand, keywords)`` per product. The brand is no keyword: a new product named
        with its brand must not pull in all the brand's other products."""
        parent: dict[str, str] = {}
        brands: set[str] = set()

        def root(key: str) -> str:
            while parent[key] != key:
                parent[key] = parent[parent[key]]
                key = parent[key]
            return key

        listed: list[tuple[str, str]] = []
        for brand, keywords in products:
            brands.add(glued(brand))
            keys = sorted({k for k in (glued(w) for w in keywords) if k and k != glued(brand)})
            listed += [(w, glued(w)) for w in keywords if glued(w) in keys]
            for key in keys:
                parent.setdefault(key, key)
            for key in keys[1:]:
                a, b = root(keys[0]), root(key)
                if a != b:
                    parent[max(a, b)] = min(a, b)
        anchors = {key: root(key) for key in parent}
        names, words = _short_names(listed, anchors)
        return cls(anchors, frozenset(brands - {""}), names, words)

    def anchor_of(self, term: str, *, words: bool = True) -> str | None:
        """The anchor of a listed keyword or of a short name of one (see :attr:`short_names`),
        of the one listed name that a longer phrase contains ("good mushroom lamp", "lampe
        champignon casa", "testé pierre gua"), or, with ``words``, of a term whose one
        non-generic word names one product (:attr:`short_words`); none when the phrase names
        several products."""
        exact = self._named(glued(term), _singular_glued(term))
        if exact is not None:
            return exact
        parts = [w for w in _GLUE.split(fold(term)) if w]
        found = {
            anchor
            for start in range(len(parts))
            for end in range(start + 2, len(parts) + 1)
            if (anchor := self._named("".join(parts[start:end]), _singular_glued(" ".join(parts[start:end]))))
            is not None
        }
        if found:
            return found.pop() if len(found) == 1 else None
        subject = [w for w in parts if not is_generic(w)]
        return self.short_words.get(normalize_word(subject[0])) if words and len(subject) == 1 else None

    def _named(self, key: str, singular: str) -> str | None:
        return self.anchors.get(key) or self.short_names.get(singular)

    def apart(self, term: str, other: str) -> bool:
        """Whether the catalogue says two terms name different things: a listed product is
        neither a brand nor another listed product."""
        a, b = glued(term), glued(other)
        first, second = self.anchors.get(a), self.anchors.get(b)
        if first is None and second is None:
            return False
        if first is not None and second is not None:
            return first != second
        return (a if first is None else b) in self.brands


def _content_words(name: str) -> list[str]:
    """A name's words that say what it is: folded, singular, stopwords and elisions left out."""
    stop = {fold(w) for words in STOPWORDS.values() for w in words}
    return [normalize_word(w) for w in _GLUE.split(fold(name)) if w and fold(strip_elision(w)) not in stop]


def _singular_glued(term: str) -> str:
    """A term's spelling key with each of its words singular (a hashtag is one word)."""
    return "".join(normalize_word(w) for w in _GLUE.split(fold(term)) if w)


def _short_names(
    listed: Iterable[tuple[str, str]], anchors: Mapping[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """What people write for a listed name of several words: some of its content words in order
    ("#SacBambou", "plateau sardines" for "sac à dos en bambou", "plateau de sardines"), or its
    first two thirds or more (at least :data:`MIN_PREFIX` letters); and, apart, its single
    content words ("sardines"). A name that two products share is left out, and so is a single
    word that is generic or shorter than :data:`MIN_SHORT_NAME` letters: "bambou" names a
    backpack and a toothbrush, "sardines" only the board."""
    found: dict[str, set[str]] = defaultdict(set)
    for keyword, key in listed:
        # a name cut short, as hashtags often are: #PleatedLamp for "pleated lampshade"
        whole = _singular_glued(keyword)
        for end in range(max(MIN_PREFIX, (2 * len(whole) + 2) // 3), len(whole)):
            found[whole[:end]].add(anchors[key])
        words = _content_words(keyword)[:6]
        for size in range(1, len(words) + 1):
            for chosen in combinations(words, size):
                if size == 1 and (len(chosen[0]) < MIN_SHORT_NAME or is_generic(chosen[0])):
                    continue
                found["".join(chosen)].add(anchors[key])
    single = {w for keyword, _ in listed for w in _content_words(keyword)}
    unique = {name: next(iter(a)) for name, a in found.items() if len(a) == 1 and name not in anchors}
    return (
        {name: anchor for name, anchor in unique.items() if name not in single},
        {name: anchor for name, anchor in unique.items() if name in single},
    )


#: Letters a single word needs to name a product on its own.
MIN_SHORT_NAME = 3
#: Letters a name cut short keeps.
MIN_PREFIX = 8


def topic_id_for(term: str) -> str:
    """A topic's id, derived from its founding term (compatible with the term ids of influencers)."""
    return TOPIC_PREFIX + term


#: How a term must have joined for it to split off again: by keeping company, not by its name.
_SPLITTABLE = frozenset({"cooccurrence", "merge"})

_GLUE = re.compile(r"[\s#'’_-]+")


def glued(term: str) -> str:
    """The spelling key of a term: folded, without ``#``, spaces, hyphens or apostrophes."""
    return _GLUE.sub("", fold(term))


class TopicGrouper:
    """Online grouping of terms into topics; feed tweets in event order with :meth:`observe`."""

    def __init__(
        self,
        params: TopicParams | None = None,
        embed: Embed | None = None,
        catalogue: Catalogue | None = None,
    ) -> None:
        self.params = params or TopicParams()
        self._embed = embed
        self._catalogue = catalogue or Catalogue()
        self._by_anchor: dict[str, str] = {}
        self._tweets = 0
        self._count: dict[str, int] = defaultdict(int)
        self._pairs: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self._topic_tweets: dict[str, int] = defaultdict(int)
        self._topic_of: dict[str, str] = {}
        self._reason: dict[str, str] = {}
        self._members: dict[str, list[str]] = {}
        self._by_spelling: dict[str, str] = {}
        self._rows: dict[str, int] = {}
        self._row_topic: list[str] = []
        self._matrix: npt.NDArray[np.float32] = np.zeros((0, 0), dtype=np.float32)
        self.history: list[Membership] = []
        self._horizon = -1
        self.merges: list[Merge] = []
        self.splits: list[Split] = []

    # -- state -------------------------------------------------------------------------------

    def topic_of(self, term: str) -> str | None:
        return self._topic_of.get(term)

    def members(self) -> Mapping[str, Sequence[str]]:
        """Live topics and their terms, founding term first."""
        return self._members

    def restore(self, memberships: Iterable[Membership], *, decided_until: int = -1) -> None:
        """Start from stored membership history (a restart): each term keeps its topic and id.

        The facts up to the last stored change, or up to ``decided_until`` (the last minute a
        previous run read), are then read again to rebuild the counts; the merges they would
        suggest were decided already, so merges resume after that minute. Counts rebuilt with
        the restored membership differ from the ones the first run had when it decided, so
        deciding again would not be a replay of the same decisions.
        """
        self._horizon = max(self._horizon, decided_until)
        # Stable: within a minute, the decisions keep the order they were stored in (their seq).
        stored = sorted(memberships, key=lambda m: m.since)
        vectors = self._embed([m.term for m in stored]) if self._embed and stored else None
        for i, m in enumerate(stored):
            old = self._topic_of.get(m.term)
            if old is not None and old != m.topic_id:  # a move by a merge: leave the old topic
                self._members[old].remove(m.term)
                if not self._members[old]:
                    del self._members[old]
            self._join(m.term, m.topic_id, m.since, m.reason, None if vectors is None else vectors[i])
            self._horizon = max(self._horizon, m.since)

    # -- input -------------------------------------------------------------------------------

    def observe(self, minute: int, terms: Iterable[str]) -> None:
        """One tweet's distinct terms; generic ones (:func:`is_generic`) are no subject and are ignored."""
        present = sorted({t for t in terms if not is_generic(t)})
        self._tweets += 1
        for topic in {self._topic_of[t] for t in present if t in self._topic_of}:
            self._topic_tweets[topic] += 1
        for i, term in enumerate(present):
            self._count[term] += 1
            pairs = self._pairs[term]
            for other in present[:i] + present[i + 1 :]:
                pairs[other] += 1
        support = self.params.min_support
        for term in present:
            count = self._count[term]
            if term not in self._topic_of and count >= support:
                self._place(term, minute)
            elif minute > self._horizon and count >= support and count & (count - 1) == 0:
                # at powers of two: log-many checks per term
                self._consider_merge(term, minute)
                self._consider_split(term, minute)

    # -- placing -----------------------------------------------------------------------------

    def _cooccurring_topic(self, term: str) -> str | None:
        """The topic whose terms share most of ``term``'s tweets, when enough and well above chance."""
        together: dict[str, int] = defaultdict(int)
        for other, n in self._pairs[term].items():
            topic = self._topic_of.get(other)
            if topic is not None and topic != self._topic_of.get(term):
                together[topic] += n
        for topic in [t for t in together if self._catalogue.apart(term, self._members[t][0])]:
            del together[topic]
        if not together:
            return None
        topic, n = max(together.items(), key=lambda kv: (kv[1], kv[0]))
        count = self._count[term]
        share = min(1.0, n / count)
        lift = share * self._tweets / max(1, self._topic_tweets[topic])
        mutual = n / max(1, self._topic_tweets[topic])
        if (
            n >= self.params.min_together
            and share >= self.params.cooccurrence
            and mutual >= self.params.mutual
            and lift >= self.params.min_lift
        ):
            return topic
        return None

    def _share_with_topic(self, term: str, topic: str) -> float:
        """Share of ``term``'s tweets that also carry another term of ``topic`` (not a spelling of it)."""
        key = glued(term)
        pairs = self._pairs[term]
        together = sum(pairs.get(m, 0) for m in self._members[topic] if glued(m) != key)
        return min(1.0, together / max(1, self._count[term]))

    def _similar_topic(self, vector: npt.NDArray[np.float32]) -> str | None:
        if not self._rows:
            return None
        matrix = self._matrix[: len(self._rows)]
        norms = np.linalg.norm(matrix, axis=1)
        cosines = (matrix @ vector) / np.where(norms > 0, norms, 1.0)
        best = int(np.argmax(cosines))
        return self._row_topic[best] if cosines[best] >= self.params.similarity else None

    def _add_vector(self, topic: str, vector: npt.NDArray[np.float32]) -> None:
        """Centroids are kept as sums in one matrix, one row per topic, for one product per search."""
        row = self._rows.get(topic)
        if row is None:
            row = self._rows[topic] = len(self._rows)
            self._row_topic.append(topic)
            if row >= len(self._matrix):
                grown = np.zeros((max(64, 2 * len(self._matrix)), vector.shape[0]), dtype=np.float32)
                if len(self._matrix):
                    grown[: len(self._matrix)] = self._matrix
                self._matrix = grown
        self._matrix[row] += vector

    def _place(self, term: str, minute: int) -> None:
        vector = self._embed([term])[0] if self._embed else None
        spelled = self._by_spelling.get(glued(term))
        if spelled is not None:
            self._join(term, spelled, minute, "spelling", vector)
            return
        listed = self._by_anchor.get(self._catalogue.anchor_of(term) or "")
        if listed is not None:
            self._join(term, listed, minute, "catalogue", vector)
            return
        together = self._cooccurring_topic(term)
        if together is not None:
            self._join(term, together, minute, "cooccurrence", vector)
            return
        similar = self._similar_topic(vector) if vector is not None else None
        if similar is not None:
            self._join(term, similar, minute, "embedding", vector)
        else:
            self._join(term, topic_id_for(term), minute, "founder", vector)

    def _join(
        self,
        term: str,
        topic: str,
        minute: int,
        reason: str,
        vector: npt.NDArray[np.float32] | None = None,
    ) -> None:
        self._topic_of[term] = topic
        self._reason[term] = reason
        self._members.setdefault(topic, []).append(term)
        self._by_spelling.setdefault(glued(term), topic)
        self._point_anchor(term, topic, replace=False)
        if vector is not None:
            self._add_vector(topic, vector)
        self.history.append(Membership(term, topic, minute, reason))

    def _point_anchor(self, term: str, topic: str, *, replace: bool) -> None:
        """Terms listed for the same catalogue entry as ``term`` will join ``topic``."""
        anchor = self._catalogue.anchor_of(term, words=False)
        if anchor is not None and (replace or anchor not in self._by_anchor):
            self._by_anchor[anchor] = topic

    def _consider_merge(self, term: str, minute: int) -> None:
        """Fold a younger topic into an older one when its founding term co-occurs with it."""
        own = self._topic_of[term]
        if self._members[own][0] != term:
            return
        other = self._cooccurring_topic(term)
        if other is None:
            return
        younger, older = sorted((own, other), key=self._founded_at, reverse=True)
        for member in self._members.pop(younger):
            self._topic_of[member] = older
            self._reason[member] = "merge"
            self._members[older].append(member)
            self._by_spelling[glued(member)] = older
            self._point_anchor(member, older, replace=True)
            self.history.append(Membership(member, older, minute, "merge"))
        row = self._rows.get(younger)
        if row is not None:
            self._add_vector(older, self._matrix[row].copy())
            self._matrix[row] = 0.0  # the merged topic no longer attracts terms
        self._topic_tweets[older] += self._topic_tweets.pop(younger, 0)
        self.merges.append(Merge(older, younger, minute))

    def _consider_split(self, term: str, minute: int) -> None:
        """Let a term that joined by co-occurrence (itself or through a merge) lead its own topic
        once its tweets mostly go without the topic's other terms. Its spelling variants go with
        it; the variant seen first names the new topic, whichever of them noticed the split."""
        if self._reason.get(term) not in _SPLITTABLE or self._count[term] < 2 * self.params.min_together:
            return
        parent = self._topic_of[term]
        share = self._share_with_topic(term, parent)
        if share >= self.params.split_below:
            return
        key = glued(term)
        first_seen = {m.term: i for i, m in reversed(list(enumerate(self.history)))}
        moving = sorted((m for m in self._members[parent] if glued(m) == key), key=first_seen.__getitem__)
        if moving[0] == self._members[parent][0]:
            return  # the founder's spelling is the topic itself
        into = topic_id_for(moving[0])
        vectors = self._embed(moving) if self._embed else None
        for i, member in enumerate(moving):
            self._members[parent].remove(member)
            self._topic_of[member] = into
            self._reason[member] = "split"
            self._members.setdefault(into, []).append(member)
            self.history.append(Membership(member, into, minute, "split"))
            self._point_anchor(member, into, replace=True)
            if vectors is not None:
                self._matrix[self._rows[parent]] -= vectors[i]
                self._add_vector(into, vectors[i])
        self._by_spelling[key] = into
        # the parent keeps the tweets its other terms carry; the term takes its own along
        self._topic_tweets[parent] -= round(self._count[term] * (1 - share))
        self._topic_tweets[into] += self._count[term]
        self.splits.append(Split(parent, into, moving[0], minute))

    def _founded_at(self, topic: str) -> int:
        """Position of the topic's founding in the history: the earlier founded is the older."""
        founder = self._members[topic][0]
        return next(i for i, m in enumerate(self.history) if m.term == founder)


def epochs(history: Sequence[Membership]) -> dict[str, list[tuple[int, tuple[str, ...]]]]:
    """Each topic's member sets over time: ``(from minute, members)``, in order.

    A term moved away by a merge stops counting for its old topic from that minute.
    """
    members: dict[str, list[str]] = defaultdict(list)
    out: dict[str, list[tuple[int, tuple[str, ...]]]] = defaultdict(list)
    where: dict[str, str] = {}
    for m in sorted(history, key=lambda m: m.since):
        old = where.get(m.term)
        if old is not None and old != m.topic_id:
            members[old].remove(m.term)
            _push(out[old], m.since, members[old])
        where[m.term] = m.topic_id
        members[m.topic_id].append(m.term)
        _push(out[m.topic_id], m.since, members[m.topic_id])
    return dict(out)


def _push(segments: list[tuple[int, tuple[str, ...]]], minute: int, members: Sequence[str]) -> None:
    if segments and segments[-1][0] == minute:
        segments[-1] = (minute, tuple(members))
    else:
        segments.append((minute, tuple(members)))


def members_at(segments: Sequence[tuple[int, tuple[str, ...]]], minute: int) -> tuple[str, ...]:
    """The members a topic had at ``minute`` (its segments from :func:`epochs`)."""
    current: tuple[str, ...] = ()
    for first, members in segments:
        if first > minute:
            break
        current = members
    return current


def detect_topics(
    history: Sequence[Membership],
    mentions: Mapping[str, Sequence[Mention]],
    exposure: Sequence[int],
    start: datetime,
    bots: Mapping[str, int],
    params: EmergenceParams | None = None,
    amplified: Mapping[str, str] | None = None,
) -> list[Alert]:
    """Emergence alerts of every topic (``Alert.term`` is the topic id), ordered by time then id.

    Each minute is scored with the members the topic had then (:func:`epochs`); the voices of
    a topic are the unique authors of all its terms, suspected bots left out, accounts that
    amplified one another within the topic counted as one (``amplified``: tweet id -> the
    account it retweets or quotes; see :func:`~trendwatch.domain.coordination.amplifier_groups`),
    and each voice counted at most once per ``params.window`` minutes.
    """
    chosen = params or EmergenceParams()
    minutes = len(exposure)
    alerts: list[Alert] = []
    for topic, segments in epochs(history).items():
        groups: dict[str, str] = {}
        if amplified:  # without amplification facts there is no group to look for
            every = {t for _, members in segments for t in members}
            said = [m for t in every for m in mentions.get(t, ())]
            groups = _amplifier_groups(said, amplified)
            if _coordinated(said, groups):
                continue
        series = [
            (
                first,
                voices(
                    [m for t in members for m in mentions.get(t, ())],
                    minutes,
                    bots,
                    groups=groups,
                    recount_after=chosen.window,
                ),
            )
            for first, members in segments
        ]
        alerts += detect_segments(topic, series, exposure, start, chosen)
    return fold_fragments(sorted(alerts, key=lambda a: (a.minute, a.term)), history, mentions, chosen)


#: Share of a topic's authors in one group of amplifiers from which the topic is that group's
#: campaign, not people's talk (see :func:`_coordinated`).
COORDINATED_SHARE = 0.5


def _coordinated(said: Sequence[Mention], groups: Mapping[str, str]) -> bool:
    """Whether one group of accounts amplifying one another is most of the people saying a topic.

    A ring ramping its own hashtag is nearly all of that hashtag's authors (50 of 59 on an
    independent stream), the groups in a real trend a handful of its hundreds (at most 16 of 391
    on the demo's planted topics): a topic carried by a ring is not emerging, whatever its few
    loose members add. A ring joining a real trend's hashtag is a small share of it and only
    counts as one voice there.
    """
    if not groups:
        return False
    authors = {m.author for m in said}
    sizes = Counter(groups[a] for a in authors if a in groups)
    return max(sizes.values(), default=0) >= COORDINATED_SHARE * len(authors)


def _part_of(term: str, terms: Sequence[str]) -> bool:
    """Whether one of ``terms`` contains ``term`` in its spelling ("latte" in "#matchalatte")."""
    key = glued(term)
    return len(key) >= 4 and any(key in glued(t) for t in terms)


def _amplifier_groups(mentions: Sequence[Mention], amplified: Mapping[str, str]) -> dict[str, str]:
    """Groups of accounts that amplified one another in these mentions (one topic's)."""
    return amplifier_groups((m.author, amplified[m.tweet]) for m in mentions if m.tweet in amplified)


#: Share of a topic's tweets during its emergence that carry a bigger emerging topic's terms,
#: from which its rise is that topic's, not its own.
FRAGMENT_SHARE = 0.5


def fold_fragments(
    alerts: Sequence[Alert],
    history: Sequence[Membership],
    mentions: Mapping[str, Sequence[Mention]],
    params: EmergenceParams,
) -> list[Alert]:
    """The alerts that are not fragments of a bigger emergence, in their order.

    A word said around a trending product ("latte" beside "matcha latte", a brand beside its
    product, "lin préférée" beside "chemise en lin") rises with it, and may not join its topic
    because it is said elsewhere too. An alerted topic whose tweets, from the start of its window
    to its peak, mostly (:data:`FRAGMENT_SHARE`) carry a term that a bigger topic alerted within
    a cool-down had at that time, is that topic's fragment, and is not reported on its own; so
    is an alert of a topic later merged into the bigger one. The bigger topic's terms that a
    term of the smaller one contains do not count: "matcha latte" always carries "latte", and
    is no fragment of a rising "latte" for that.
    """
    segments = epochs(history)

    timed: dict[str, tuple[list[int], list[Mention]]] = {}

    def said(term: str, first: int, last: int) -> list[Mention]:
        """The term's mentions from minute ``first`` to ``last`` (sorted once, then bisected)."""
        if term not in timed:
            ordered = sorted(mentions.get(term, ()), key=lambda m: m.minute)
            timed[term] = ([m.minute for m in ordered], ordered)
        minutes, ordered = timed[term]
        return ordered[bisect_left(minutes, first) : bisect_right(minutes, last)]

    def tweets(topic: str, at: int, first: int, last: int, within: Sequence[str] = ()) -> set[str]:
        members = [t for t in members_at(segments.get(topic, ()), at) if not _part_of(t, within)]
        return {m.tweet for t in members for m in said(t, first, last)}

    # where each topic's founding term ended up: a topic merged into another is that one
    final = {topic: m.topic_id for m in history for topic in (topic_id_for(m.term),)}
    kept: list[Alert] = []
    # the bigger first; of two as big, the longer name first: "matcha latte" before "latte"
    for alert in sorted(alerts, key=lambda a: (-a.peak, -len(a.term), a.minute, a.term)):
        first = max(0, alert.minute - params.window + 1)
        last = max(alert.minute, alert.peak_minute)
        own_terms = members_at(segments.get(alert.term, ()), alert.minute)
        own = tweets(alert.term, alert.minute, first, last)
        near = [k for k in kept if k.term != alert.term and abs(k.minute - alert.minute) <= params.cooldown]
        if any(final.get(k.term) == final.get(alert.term) for k in near):
            continue  # one subject: the two topics were merged later
        if own and any(
            len(own & tweets(k.term, alert.minute, first, last, own_terms)) >= FRAGMENT_SHARE * len(own)
            for k in near
        ):
            continue
        kept.append(alert)
    order = {id(a): i for i, a in enumerate(alerts)}
    return sorted(kept, key=lambda a: order[id(a)])
