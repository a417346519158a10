"""Tweet text, taken apart: tokens, hashtags, mentions, keyphrases, retail categories, brands.

Pure and fast (it runs on thousands of tweets a second): one regular-expression scan per
text (cached, so the extractors below share it); on the enrichment's hot path (key phrases,
the readable text, and the language vote, slang and sentiment tokens built on the scan) what is
made of a token is cached per token (:class:`TokenCache`), so that a text costs a few
operations in C rather than a Python loop over its tokens. The
retail taxonomy (categories with English and French keywords, and known brands) ships as
``trendwatch/data/taxonomy.json`` and is read once.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Hashable, Iterable, Iterator
from functools import cache, lru_cache
from importlib import resources
from typing import Literal, NamedTuple, TypeVar

TokenKind = Literal["url", "mention", "hashtag", "word", "sep"]

#: What each kind of token looks like. The order is the order of the alternatives, which only
#: matters for URLs (before words: ``https``); words, mentions and hashtags start differently.
_TOKEN_PATTERNS: tuple[tuple[TokenKind, str], ...] = (
    ("url", r"https?://\S+|www\.\S+"),
    ("word", r"\w+(?:['’-]\w+)*"),
    ("mention", r"(?<![\w@])@\w+"),
    ("hashtag", r"(?<![\w#&])[#＃]\w*[^\W\d]\w*"),
    ("sep", r"[^\w\s]+"),
)
#: The tokens of a text, without their kinds (``findall`` then returns strings, all in C).
_TOKENS = re.compile("|".join(f"(?:{pattern})" for _, pattern in _TOKEN_PATTERNS), re.IGNORECASE)
#: The kind of one token. A token's kind follows from its text alone: a mention or a hashtag
#: that a look-behind rejects in its text is not one token (``a@b`` is ``a``, ``@``, ``b``), and
#: separators hold no word characters.
_KIND = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in _TOKEN_PATTERNS), re.IGNORECASE)
#: How many distinct tokens the caches keyed by token keep; beyond that they start over.
MAX_CACHED_TOKENS = 200_000
#: ``RT @user:`` at the start of a retweet's text.
RETWEET_PREFIX = re.compile(r"^\s*RT\s+@\w+\s*:\s*", re.IGNORECASE)


def _wordset(text: str) -> frozenset[str]:
    return frozenset(text.split())


_ELISIONS = _wordset("l d j m n s t c qu jusqu lorsqu puisqu quoiqu")
_MAX_PHRASE_WORDS = 3

_EN_STOPWORDS = _wordset(
    """a about above after again against all almost also am an and any are aren't as at be because been
    before being below between both but by can can't cannot could couldn't did didn't do does doesn't doing
    don't down during each either else even ever every few for from further get gets got had hadn't has hasn't
    have haven't having he he'd he'll he's her here here's hers herself him himself his how how's however i
    i'd i'll i'm i've if in into is isn't it it's its itself just let's like me more most much must mustn't my
    myself neither no nor not now of off on once only or other ought our ours ourselves out over own rather
    really same shan't she she'd she'll she's should shouldn't so some still such than that that's the their
    theirs them themselves then there there's these they they'd they'll they're they've this those though
    through to too under until up upon us very via was wasn't we we'd we'll we're we've were weren't what
    what's when when's where where's whether which while who who's whom why why's will with within without
    won't would wouldn't yet you you'd you'll you're you've your yours yourself yourselves im ive dont cant
    lol omg amp rt http https gonna wanna yeah yes ok okay today tomorrow yesterday one two new"""
)
_FR_STOPWORDS = _wordset(
    """a à afin ai aie aient ainsi alors as au aucun aucune auquel aura aurai auraient aurais aurait auras
    aurez auront autre autres aux avaient avais avait avant avec avez aviez avions avoir avons ayant bah
    beaucoup bien c ça car ce ceci cela celle celles celui cet cette ceux chaque chez ci comme comment d dans
    de des depuis donc dont du elle elles en encore es est et étaient étais était étant été êtes étions être
    eu eue eux faire fait fais faut il ils j je jusqu l la là le les leur leurs lors lui m ma mais me même
    mes moi moins mon n ne ni non nos notre nous on ont ou où par parce pas peu peut plus pour pourquoi qu
    quand que quel quelle quelles quels qui quoi s sa sans se sera ses si sien son sont sous soyez suis sur
    t ta te tes toi ton tous tout toute toutes très trop tu un une unes uns vers voici voilà vos votre vous
    vu y aujourd'hui hui demain hier jour oui ok mdr lol ptdr rt via http https va vais vont fois deux
    nouveau nouvelle"""
)
STOPWORDS: dict[str, frozenset[str]] = {"en": _EN_STOPWORDS, "fr": _FR_STOPWORDS}
_ALL_STOPWORDS = _EN_STOPWORDS | _FR_STOPWORDS


class Token(NamedTuple):
    kind: TokenKind
    text: str


class EntityMention(NamedTuple):
    """An entity found in a text; ``salience`` is its share of all entity mentions in that text."""

    name: str
    type: str
    salience: float


def strip_retweet_prefix(text: str) -> str:
    """``RT @user: what was said`` -> ``what was said``; any other text unchanged."""
    if text[:2].lower() != "rt" and not text[:1].isspace():  # what the prefix starts with
        return text
    return RETWEET_PREFIX.sub("", text)


K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class TokenCache(dict[K, V]):
    """What ``compute`` makes of each token (or other small key), computed once (tokens recur a
    lot) and read in C: ``map(cache.__getitem__, tokens)`` calls no Python function for a token
    seen before. Holds at most :data:`MAX_CACHED_TOKENS` entries, then starts over."""

    def __init__(self, compute: Callable[[K], V]) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, key: K) -> V:
        if len(self) >= MAX_CACHED_TOKENS:
            self.clear()
        value = self[key] = self.compute(key)
        return value


def _token(text: str) -> Token:
    match = _KIND.match(text)
    assert match is not None and match.lastgroup is not None  # every token is one of the kinds
    # tuple.__new__ rather than Token(): a named tuple's own __new__ is a Python function.
    return tuple.__new__(Token, (match.lastgroup, text))


#: Each token text's :class:`Token`: a scan finds the texts and looks their tokens up here.
_TOKEN_OF: TokenCache[str, Token] = TokenCache(_token)


@lru_cache(maxsize=4096)
def scan(text: str) -> tuple[Token, ...]:
    """Split a tweet into URLs, mentions, hashtags, words and separators (punctuation, emojis).

    A leading ``RT @user:`` is dropped: it restates the retweet, not what the tweet says.
    Cached per text, so that the extractors share it; tokens are shared between texts too, so
    that what others derive from a token can be cached by token (:class:`TokenCache`).
    """
    return tuple(map(_TOKEN_OF.__getitem__, _TOKENS.findall(strip_retweet_prefix(text))))


def stopwords(lang: str | None) -> frozenset[str]:
    """The stopwords of ``lang``; English and French together when the language has no list."""
    return STOPWORDS.get(lang or "", _ALL_STOPWORDS)


@cache
def fold(word: str) -> str:
    """Lower-case and strip accents: ``Été`` -> ``ete``."""
    if word.isascii():  # nothing to decompose
        return word.lower()
    decomposed = unicodedata.normalize("NFKD", word.lower().replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def strip_elision(word: str) -> str:
    """Drop a French elided article or pronoun: ``l'été`` -> ``été``, ``qu'il`` -> ``il``."""
    head, apostrophe, tail = word.replace("’", "'").partition("'")
    if apostrophe and tail and head.lower() in _ELISIONS:
        return tail
    return word


@lru_cache(maxsize=16_384)
def split_hashtag(tag: str) -> tuple[str, ...]:
    """Words of a hashtag body, split at case and letter/digit changes, lower-cased (cached:
    hashtags recur, and several extractors split the same ones).

    ``SummerDress`` -> ``("summer", "dress")``, ``BlackFriday2024`` -> ``("black", "friday", "2024")``,
    ``NYFWLooks`` -> ``("nyfw", "looks")``; ``summerdress`` stays one word.
    """
    words: list[str] = []
    start = 0
    for i in range(1, len(tag)):
        prev, cur = tag[i - 1], tag[i]
        nxt = tag[i + 1] if i + 1 < len(tag) else ""
        boundary = (
            cur == "_"
            or prev == "_"
            or (prev.islower() and cur.isupper())
            or (prev.isupper() and cur.isupper() and nxt.islower())
            or (prev.isdigit() != cur.isdigit())
        )
        if boundary:
            words.append(tag[start:i])
            start = i
    words.append(tag[start:])
    return tuple(w.lower() for w in words if w and w != "_")


def extract_hashtags(text: str) -> tuple[str, ...]:
    """Hashtags without ``#``, lower-cased, first occurrence first, no duplicates."""
    return tuple(dict.fromkeys(t.text[1:].lower() for t in scan(text) if t.kind == "hashtag"))


def extract_mentions(text: str) -> tuple[str, ...]:
    """Mentioned usernames without ``@``, lower-cased (usernames are case-insensitive), no duplicates."""
    return tuple(dict.fromkeys(t.text[1:].lower() for t in scan(text) if t.kind == "mention"))


def words(text: str) -> list[str]:
    """The plain words of a tweet (no URLs, mentions, hashtags, emojis), case kept, elisions dropped."""
    return [strip_elision(t.text) for t in scan(text) if t.kind == "word"]


def has_plain_words(text: str) -> bool:
    """Whether the tweet has words of its own: letters outside its hashtags, mentions and URLs."""
    return any(c.isalpha() for t in scan(text) if t.kind == "word" for c in t.text)


def detection_text(text: str) -> str:
    """What a language detector should read: the plain words, or the hashtags' words if that is all."""
    if has_plain_words(text):
        return " ".join(t.text for t in scan(text) if t.kind == "word")
    return " ".join(w for t in scan(text) if t.kind == "hashtag" for w in split_hashtag(t.text[1:]))


def without_hashtags(text: str) -> str:
    """The tweet's tokens but its hashtags, space-separated (``#SummerDress 🔥`` -> ``🔥``)."""
    return " ".join(t.text for t in scan(text) if t.kind != "hashtag")


def readable_part(token: Token) -> str:
    """What :func:`readable_text` keeps of a token (nothing: an empty string)."""
    if token.kind == "hashtag":
        return " ".join(split_hashtag(token.text[1:]))
    return token.text if token.kind in ("word", "sep") else ""


_READABLE: TokenCache[Token, str] = TokenCache(readable_part)


def readable_text(text: str) -> str:
    """The tweet without its URLs, mentions and retweet prefix, hashtags turned into words:
    what a lexicon-based sentiment scorer should read (punctuation and emojis kept)."""
    return " ".join(filter(None, map(_READABLE.__getitem__, scan(text))))


@cache
def _phrase_words(stop: frozenset[str]) -> Callable[[str], str | None]:
    """What key phrases make of each word given these stopwords (cached: words recur a lot)."""

    @lru_cache(maxsize=65_536)
    def phrase_word(word: str) -> str | None:
        """The word elision dropped and lower-cased, or ``None`` when it ends a run: a stopword,
        a single letter, a number."""
        word = strip_elision(word).lower()
        if len(word) < 2 or word in stop or not any(c.isalpha() for c in word):
            return None
        return word

    return phrase_word


#: Where a run of key-phrase words ends, in the text :func:`extract_keyphrases` joins (no word
#: holds a line break).
_BREAK = "\n"


@cache
def _phrase_fragments(stop: frozenset[str]) -> TokenCache[Token, str]:
    """What each token adds to :func:`extract_keyphrases`'s text given these stopwords: its
    phrase word, or a break; a hashtag's words between breaks."""
    phrase_word = _phrase_words(stop)

    def fragment(token: Token) -> str:
        if token.kind == "word":
            return phrase_word(token.text) or _BREAK
        if token.kind == "hashtag":
            parts = [phrase_word(part) or _BREAK for part in split_hashtag(token.text[1:])]
            return " ".join([_BREAK, *parts, _BREAK])
        return _BREAK

    return TokenCache(fragment)


def extract_keyphrases(text: str, lang: str | None) -> tuple[str, ...]:
    """Candidate key phrases: runs of up to three lower-cased content words.

    Stopwords, numbers, single letters, punctuation, emojis, URLs and mentions end a run; a
    hashtag is a run of its own, split into words (``#SummerDress`` -> ``summer dress``).
    """
    # The tokens' fragments joined: a run's words are one space apart (no word holds a space),
    # a break between runs is a line break; a regular expression cuts the runs into phrases.
    fragments = _phrase_fragments(stopwords(lang))
    return tuple(dict.fromkeys(_PHRASES.findall(" ".join(map(fragments.__getitem__, scan(text))))))


#: Up to :data:`_MAX_PHRASE_WORDS` words of one run, one space apart, the first ones first.
_PHRASES = re.compile(rf"\S+(?: \S+){{0,{_MAX_PHRASE_WORDS - 1}}}")


def _french_singular(word: str) -> str:
    """The singular of a regular French plural, accents kept: ``robes`` -> ``robe``,
    ``chapeaux`` -> ``chapeau``; words whose ``s``/``x`` is not a plural mark in the common
    cases (``paris``, ``gros``, ``prix``, ``jus``, ``travaux``) stay as they are."""
    if len(word) <= 3:
        return word
    if word.endswith(("eaux", "eux", "oux")):
        return word[:-1]
    if word.endswith("s") and not word.endswith(("ss", "is", "os", "us", "as")):
        return word[:-1]
    return word


def lemmatize_keyphrase(phrase: str, lang: str | None) -> str:
    """A key phrase with its French plurals made singular (``robes longues`` -> ``robe longue``),
    so that singular and plural mentions count as one term; other languages unchanged."""
    if lang != "fr":
        return phrase
    return " ".join(_french_singular(word) for word in phrase.split())


def _singular(word: str) -> str:
    """A crude English/French singular, applied alike to keywords and text so that they meet."""
    if len(word) <= 3:
        return word
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes")):
        return word[:-2]
    if word.endswith(("eaux", "oux")):
        return word[:-1]
    if word.endswith("s") and not word.endswith("ss"):
        return word[:-1]
    return word


@cache
def normalize_word(word: str) -> str:
    """The form under which words are matched to the taxonomy: folded, elision dropped, singular."""
    return _singular(fold(strip_elision(word)))


def _normalize_phrase(phrase: str) -> str:
    return " ".join(normalize_word(w) for w in re.split(r"[\s_-]+", phrase) if w)


class Brand(NamedTuple):
    name: str
    categories: frozenset[str]


class Taxonomy(NamedTuple):
    """Keyword and brand lookups keyed by normalised phrase."""

    version: int
    categories: tuple[str, ...]
    #: ``lang`` -> normalised keyword -> categories. English retail words are common in every
    #: language's tweets, so each language's table includes the English one; ``"*"`` holds all.
    keywords: dict[str, dict[str, frozenset[str]]]
    brands: dict[str, Brand]
    max_words: int


def _keyword_forms(keyword: str) -> Iterator[str]:
    """A keyword's normalised form and, for several words, the glued one (``skin care`` -> ``skincare``)."""
    normalized = _normalize_phrase(keyword)
    yield normalized
    if " " in normalized:
        yield normalize_word(re.sub(r"[\s_-]+", "", keyword))


@cache
def taxonomy() -> Taxonomy:
    """The packaged retail taxonomy, parsed once."""
    raw = json.loads(resources.files("trendwatch.data").joinpath("taxonomy.json").read_text("utf-8"))
    by_lang: dict[str, dict[str, set[str]]] = {"*": {}}
    for category, entries_by_lang in raw["categories"].items():
        for lang, entries in entries_by_lang.items():
            for keyword in entries:
                for form in _keyword_forms(keyword):
                    for table in (by_lang.setdefault(lang, {}), by_lang["*"]):
                        table.setdefault(form, set()).add(category)
    keywords: dict[str, dict[str, frozenset[str]]] = {}
    for lang, table in by_lang.items():
        merged = {k: set(v) for k, v in by_lang["en"].items()} if lang not in ("en", "*") else {}
        for form, categories in table.items():
            merged.setdefault(form, set()).update(categories)
        keywords[lang] = {k: frozenset(v) for k, v in merged.items()}
    brands = {
        form: Brand(name, frozenset(spec["categories"]))
        for name, spec in raw["brands"].items()
        for alias in (name, *spec.get("aliases", ()))
        for form in _keyword_forms(alias)
    }
    return Taxonomy(
        version=raw["version"],
        categories=tuple(raw["categories"]),
        keywords=keywords,
        brands=brands,
        max_words=max(len(k.split()) for k in [*keywords["*"], *brands]),
    )


@lru_cache(maxsize=8192)
def _ngrams(term: str, max_words: int) -> tuple[str, ...]:
    """Normalised 1..max_words-grams of ``term`` (cached: categories and entities read the same text)."""
    normalized = _normalize_phrase(term).split()
    return tuple(
        " ".join(normalized[i : i + n])
        for n in range(1, min(max_words, len(normalized)) + 1)
        for i in range(len(normalized) - n + 1)
    )


def _brands_in(term: str, tax: Taxonomy) -> set[Brand]:
    return {tax.brands[gram] for gram in _ngrams(term, tax.max_words) if gram in tax.brands}


def categorize(text_terms: Iterable[str], lang: str | None) -> tuple[str, ...]:
    """Retail categories named by any of ``text_terms`` (words, phrases or hashtags), in taxonomy order.

    Keywords of ``lang`` (plus English ones) count; for a language without keywords, all do.
    Known brands count in every language.
    """
    tax = taxonomy()
    table = tax.keywords.get(lang or "", tax.keywords["*"])
    found: set[str] = set()
    for term in text_terms:
        for gram in _ngrams(term, tax.max_words):
            found.update(table.get(gram, ()))
        for brand in _brands_in(term, tax):
            found.update(brand.categories)
    return tuple(c for c in tax.categories if c in found)


def categorize_text(text: str, lang: str | None) -> tuple[str, ...]:
    """Retail categories of a whole tweet: its words and its hashtags, glued and split."""
    tags = [t.text[1:] for t in scan(text) if t.kind == "hashtag"]
    return categorize([" ".join(words(text)), *tags, *(" ".join(split_hashtag(tag)) for tag in tags)], lang)


def find_brand(name: str) -> Brand | None:
    """The known brand called ``name`` (any spelling the taxonomy lists), if any."""
    return taxonomy().brands.get(_normalize_phrase(name))


def _capitalised(word: str) -> bool:
    return word[:1].isupper() and not word.isupper()


def _capitalised_spans(text: str) -> Iterator[str]:
    """Runs of two or more capitalised words (``Paris Fashion Week``), trimmed of stopwords."""
    span: list[str] = []
    for token in (*scan(text), Token("sep", "")):
        if token.kind == "word" and _capitalised(token.text):
            span.append(strip_elision(token.text))
            continue
        while span and span[0].lower() in _ALL_STOPWORDS:
            span.pop(0)
        while span and span[-1].lower() in _ALL_STOPWORDS:
            span.pop()
        if len(span) >= 2:
            yield " ".join(span)
        span = []


def _name(brand: Brand) -> str:
    return brand.name


def extract_entities(text: str) -> tuple[EntityMention, ...]:
    """Known brands (in words, hashtags or mentions) and capitalised multi-word names."""
    tax = taxonomy()
    counts: Counter[tuple[str, str]] = Counter()
    # brands are found as sets: counted in name order, so that ties keep one order in every process
    counts.update(
        (brand.name, "BRAND") for brand in sorted(_brands_in(" ".join(words(text)), tax), key=_name)
    )
    for token in scan(text):
        if token.kind in ("hashtag", "mention"):
            body = token.text[1:]
            found = _brands_in(body, tax) | _brands_in(" ".join(split_hashtag(body)), tax)
            counts.update((brand.name, "BRAND") for brand in sorted(found, key=_name))
    brand_names = {fold(name) for name, _ in counts}
    for span in _capitalised_spans(text):
        if fold(span) not in brand_names:
            counts[(span, "OTHER")] += 1
    total = sum(counts.values())
    return tuple(EntityMention(name, kind, round(n / total, 3)) for (name, kind), n in counts.most_common())
