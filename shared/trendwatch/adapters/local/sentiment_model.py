"""A small tweet sentiment classifier that needs only numpy at run time.

Texts become sparse vectors of hashed features (word unigrams with negation
marking, word bigrams, character n-grams inside words, and polarity cues from the
packaged ``sentiment_lexicon.json``, which lets a model trained on a few thousand
tweets generalise to common words it never saw), optionally followed by dense blocks
(:data:`DENSE_BLOCKS`: VADER's four scores, alone or with the bin of its compound score,
and the tweet cues of
:mod:`~trendwatch.adapters.local.tweet_cues`: emoticons, elongated and shouted words, exclamation
and question marks); a linear model maps them to negative /
neutral / positive probabilities. ``scripts/train_sentiment.py``
fits the weights with scikit-learn on exactly these features (it imports
:func:`feature_matrix` from here) and exports them as ``<name>.npz`` + ``<name>.json``
under :mod:`trendwatch.models`, so training and inference can never drift apart.
"""

from __future__ import annotations

import itertools
import json
import operator
import re
import zlib
from array import array
from collections.abc import Callable, Sequence
from functools import cache
from importlib import resources
from importlib.metadata import version
from typing import Any, NamedTuple

import msgspec
import numpy as np
import numpy.typing as npt

from trendwatch.adapters.local.tweet_cues import CUES, tweet_cues
from trendwatch.domain.text import RETWEET_PREFIX, Token, TokenCache, fold, scan, strip_elision

#: Version of the featuriser below; a model trained with another one is refused.
#: 2: French negation also marks the verb (``n'aime pas``, ``aime pas``).
FEATURIZER_VERSION = 2
LABELS = ("negative", "neutral", "positive")

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w+")
_REPEATS = re.compile(r"(\w)\1{2,}")
_TOKEN = re.compile(r"@user|\w+(?:['’-]\w+)*|[^\w\s\ufe0f\u200d]")
_NEGATORS = frozenset(
    {"not", "no", "never", "nothing", "nobody", "cannot", "cant", "dont", "doesnt", "didnt", "isnt", "wasnt"}
    | {"arent", "wont", "without", "pas", "jamais", "rien", "personne", "aucun", "aucune", "ni", "sans", "ne"}
)
#: French negators that follow the verb they negate (``j'aime pas``, ``n'aime jamais``).
_POSTPOSED_NEGATORS = frozenset({"pas", "jamais", "rien"})
_NEGATION_SCOPE = 3
_CHAR_NGRAMS = (3, 4, 5)
#: A lexicon cue counts as this many occurrences, so that a word's ~40 character n-grams
#: do not drown it after L2 normalisation (chosen on the French validation split).
_CUE_WEIGHT = 4


class ModelInfo(msgspec.Struct, frozen=True, kw_only=True):
    """The ``.json`` beside the weights: what the model is and how it was made."""

    name: str
    version: int
    language: str
    n_features: int
    featurizer_version: int
    #: Key of the language section of the lexicon the features used, and that lexicon's version.
    lexicon: str
    lexicon_version: int
    labels: tuple[str, ...]
    training_files: dict[str, str]
    metrics: dict[str, float]
    params: dict[str, Any] = {}
    #: Names of the dense feature blocks (keys of :data:`DENSE_BLOCKS`) after the hashed ones.
    dense: tuple[str, ...] = ()
    #: Short hash of the weights file, so that a retrained model with the same version shows.
    weights_sha256: str = ""

    @property
    def tag(self) -> str:
        """How ``model_versions`` names the model, e.g. ``trendwatch-sentiment-fr-2+3f9a1c0d``."""
        suffix = f"+{self.weights_sha256[:8]}" if self.weights_sha256 else ""
        return f"{self.name}-{self.version}{suffix}"


#: Whether a token has a word character three times in a row (what :data:`_REPEATS` squeezes).
_HAS_REPEATS: TokenCache[str, bool] = TokenCache(lambda token: _REPEATS.search(token) is not None)
_WORD_CHAR = re.compile(r"\w")
#: A hashtag followed by what continues a word (``#tag's``, ``#tag-line``): here the scan ends
#: the hashtag where the tokens below go on.
_HASHTAG_GOES_ON = re.compile(r"[#＃]\w*['’-]\w")
#: What the tokens of a retweet's ``RT @user:`` are.
_RETWEET_TOKENS = ("rt", "@user", ":")


def _plain_tokens(text: str) -> list[str]:
    """The tokens of ``text`` before negation marking: URLs and mentions replaced, the text
    lower-cased, repeats squeezed, then split."""
    if "://" in text or "www." in text.lower():  # what any URL has (the substitution costs more)
        text = _URL.sub(" http ", text)
    if "@" in text:
        text = _MENTION.sub(" @user ", text)
    text = text.lower().replace("’", "'")
    found: list[str] = _TOKEN.findall(text)
    # Repeats are squeezed only where there are some (a few percent of tweets): the letters
    # of a repeat are in one token, unless ``@user`` ends in its first (``x@userrr``).
    if "@userr" in text or any(map(_HAS_REPEATS.__getitem__, found)):
        text = _REPEATS.sub(r"\1\1", text)
        found = _TOKEN.findall(text)
    return found


def _scanned(token: Token) -> tuple[str, ...] | None:
    """What :func:`_plain_tokens` makes of one token of :func:`~trendwatch.domain.text.scan`;
    ``None`` for a separator with ``@`` (``#@x``, ``a@b``: a mention there, or ``@user``, for
    :func:`_plain_tokens`) or one that lower-cases to a word character."""
    if token.kind == "url":
        return ("http",)
    if token.kind == "mention":
        return ("@user",)
    lowered = token.text.lower().replace("’", "'")
    if token.kind == "sep":
        if "@" in lowered or _WORD_CHAR.search(lowered):
            return None
        return tuple(_TOKEN.findall(lowered))
    if _REPEATS.search(lowered):  # (cheaper than a substitution that finds nothing)
        lowered = _REPEATS.sub(r"\1\1", lowered)
    return tuple(_TOKEN.findall(lowered))


_SCANNED: TokenCache[Token, tuple[str, ...] | None] = TokenCache(_scanned)


def _scanned_tokens(text: str) -> list[str] | None:
    """:func:`_plain_tokens` from the tokens of the text's scan (shared with the other
    extractors) and what each makes (cached per token), without running a regular expression
    over the text; ``None`` for the few texts where the two tokenisations part: a capital sigma
    (lower-cased by its context), a URL that does not start a token (``xhttp://``), a hashtag
    that goes on as a word, a separator that :func:`_scanned` turns down."""
    if "Σ" in text:
        return None
    if "://" in text or "www." in text.lower():
        for url in _URL.finditer(text):
            if url.start() and not text[url.start() - 1].isspace():
                return None
    if ("#" in text or "＃" in text) and _HASHTAG_GOES_ON.search(text):
        return None
    try:
        found = list(itertools.chain.from_iterable(map(_SCANNED.__getitem__, scan(text))))  # type: ignore[arg-type]
    except TypeError:  # a token _scanned turns down (None)
        return None
    return [*_RETWEET_TOKENS, *found] if RETWEET_PREFIX.match(text) else found


def tokens(text: str) -> list[str]:
    """Lower-cased tokens with URLs and mentions replaced by placeholders, repeats squeezed,
    and the few words after a negator marked with ``NOT_``; in French also the verb before
    ``pas``/``jamais``/``rien`` and the one after ``n'`` (``n'aime`` -> ``ne``, ``NOT_aime``)."""
    found = _scanned_tokens(text)
    if found is None:
        found = _plain_tokens(text)
    # What each token is to the negation marking, one letter each (see _negation_role): only
    # from the first negator on can a token differ from ``found`` (in most texts there is none).
    roles = "".join(map(_NEGATION_ROLES.__getitem__, found))
    first = _NEGATOR_ROLE.search(roles)
    if first is None:
        return found
    out = found[: first.start()]
    scope = 0
    for token, role in zip(found[first.start() :], roles[first.start() :], strict=True):
        if role == "w":
            if scope:
                scope -= 1
                out.append("NOT_" + token)
            else:
                out.append(token)
        elif role == "s":
            scope = 0
            out.append(token)
        elif role == "e":
            out.extend(["ne", "NOT_" + token[2:]])
            scope = _NEGATION_SCOPE
        else:
            previous = out[-1] if out else "-"
            if role == "p" and previous[0].isalnum() and previous not in _NEGATORS:
                out[-1] = "NOT_" + previous.removeprefix("NOT_")
            scope = _NEGATION_SCOPE
            out.append(token)
    return out


def _negation_role(token: str) -> str:
    """``e`` for an elided negator (``n'aime``), ``p`` for a negator that follows its verb,
    ``n`` for another negator, ``s`` for punctuation or an emoji (it ends a negation's scope),
    ``w`` for any other word."""
    if token.startswith("n'") and len(token) > 2:
        return "e"
    if token in _NEGATORS or token.endswith("n't"):
        return "p" if token in _POSTPOSED_NEGATORS else "n"
    if not token[0].isalnum() and token[0] != "_":
        return "s"
    return "w"


_NEGATION_ROLES: TokenCache[str, str] = TokenCache(_negation_role)
_NEGATOR_ROLE = re.compile("[enp]")


def emoji_sentiment(text: str) -> float | None:
    """For a text of emojis and punctuation only: (positive - negative) / all emoji cues of the
    lexicon, in [-1, 1]; ``None`` for a text with words, or without any cue."""
    toks = tokens(text)
    if any(token[0].isalnum() and token != "http" for token in toks):
        return None
    cues = load_lexicon("*")[1]
    found = [cues[t][0] for t in toks if t in cues]
    if not found:
        return None
    return round((found.count("lex|pos") - found.count("lex|neg")) / len(found), 4)


#: Feature names a lexicon entry emits: (plain, negated) for each lexicon group.
_LEXICON_GROUPS = {
    "positive": ("lex|pos", "lex|neg"),
    "negative": ("lex|neg", None),
    "negative_when_negated": (None, "lex|neg"),
    "negative_positive_when_negated": ("lex|neg", "lex|pos"),
}


@cache
def load_lexicon(lang: str) -> tuple[int, dict[str, tuple[str | None, str | None]]]:
    """The lexicon version and its cues for ``lang`` (plus language-neutral ones such as emojis)."""
    raw = json.loads(resources.files("trendwatch.data").joinpath("sentiment_lexicon.json").read_text("utf-8"))
    cues = {
        fold(word): _LEXICON_GROUPS[group]
        for section in ("*", lang)
        for group, entries in raw.get(section, {}).items()
        for word in entries
    }
    return raw["version"], cues


#: CRC-32 states after each feature kind's prefix: a feature's hash is the CRC-32 of its UTF-8
#: bytes, e.g. of ``w|great`` for a word, continued here from ``w|``.
_WORD_STATE, _BIGRAM_STATE, _CHARS_STATE = (zlib.crc32(prefix) for prefix in (b"w|", b"b|", b"c|"))


class _TokenFeatures(NamedTuple):
    """What one token adds to a text's features."""

    #: Hashes of its unigram, lexicon cue and character n-grams, as C ``int``s: a batch's are
    #: joined and read by numpy at once.
    indices: bytes
    #: The CRC-32 state after ``b|<token> ``: a bigram's hash continues it with the next token.
    bigram_state: int
    encoded: bytes
    #: ``(number of indices, bigram_state, CRC-32 of encoded, length of encoded)`` as four C
    #: ``unsigned int``s, for :func:`feature_matrix` to hash a batch's bigrams with numpy.
    record: bytes


_INDICES = operator.itemgetter(0)  # of a _TokenFeatures
_RECORD = operator.itemgetter(3)


class _CrcShift:
    """CRC-32 continued over many texts at once: ``zlib.crc32(data, state)`` is
    ``zlib.crc32(data) ^ shift(len(data), state)``, where ``shift(n, state)`` (the state run
    through ``n`` zero bytes, without the CRC's final inversions) is linear in ``state``: the
    XOR of one table entry per byte of ``state``, for each ``n``."""

    def __init__(self) -> None:
        # tables[n, j, b]: shift(n, b << 8j); shift(0, x) is x, shift(1, x) taken from zlib itself
        zero, one = (
            np.asarray(
                [
                    [zlib.crc32(b"\0" * n, b << 8 * j) ^ zlib.crc32(b"\0" * n) for b in range(256)]
                    for j in range(4)
                ],
                dtype=np.uint32,
            )
            for n in (0, 1)
        )
        self.tables = np.stack([zero, one])

    def __call__(
        self, lengths: npt.NDArray[np.uint32], states: npt.NDArray[np.uint32]
    ) -> npt.NDArray[np.uint32]:
        """``shift(lengths[i], states[i])`` for each ``i``."""
        longest = int(lengths.max(initial=0))
        if longest >= len(self.tables):
            grown = list(self.tables)
            while len(grown) <= longest:  # shift(n + 1, x) = shift(1, shift(n, x))
                grown.append(self._apply(1, grown[-1]))
            self.tables = np.stack(grown)
        return self._apply(lengths, states)

    def _apply(self, n: npt.NDArray[np.uint32] | int, x: npt.NDArray[np.uint32]) -> npt.NDArray[np.uint32]:
        t = self.tables
        return (  # type: ignore[no-any-return]
            t[n, 0, x & 0xFF] ^ t[n, 1, (x >> 8) & 0xFF] ^ t[n, 2, (x >> 16) & 0xFF] ^ t[n, 3, x >> 24]
        )


class _Featurizer:
    """:func:`featurize` in one hashing space and lexicon, each token's features computed once
    (words recur a lot)."""

    def __init__(self, n_features: int, lexicon: str) -> None:
        if n_features & (n_features - 1) or not 0 < n_features <= 2**31:
            raise ValueError("n_features must be a power of two, at most 2**31")
        self.mask = n_features - 1
        self._cues = {
            word: tuple(None if cue is None else zlib.crc32(cue.encode()) & self.mask for cue in cues)
            for word, cues in load_lexicon(lexicon)[1].items()
        }
        #: Each token's features.
        self.known: TokenCache[str, _TokenFeatures] = TokenCache(self._learn)
        self.shift = _CrcShift()

    def features(self, text: str) -> list[_TokenFeatures]:
        """The features of each of :func:`tokens`'s tokens of ``text``."""
        return list(map(self.known.__getitem__, tokens(text)))

    def bigrams(self, features: Sequence[_TokenFeatures]) -> list[int]:
        """The hashes of the bigrams of consecutive tokens."""
        return [zlib.crc32(b.encoded, a.bigram_state) & self.mask for a, b in itertools.pairwise(features)]

    def _learn(self, token: str) -> _TokenFeatures:
        """Compute a token's features (:attr:`known` keeps them)."""
        mask = self.mask
        encoded = token.encode()
        hashes = [zlib.crc32(encoded, _WORD_STATE) & mask]
        bare = token.removeprefix("NOT_")
        cue = self._cues.get(fold(strip_elision(bare)), (None, None))[bare != token]
        if cue is not None:
            hashes.extend([cue] * _CUE_WEIGHT)
        if token[0].isalnum():
            padded = f" {bare} "
            crc32 = zlib.crc32
            if padded.isascii():  # then bytes are characters: slice the encoded word
                data = padded.encode()
                hashes.extend(
                    [
                        crc32(data[i : i + n], _CHARS_STATE) & mask
                        for n in _CHAR_NGRAMS
                        for i in range(len(data) - n + 1)
                    ]
                )
            else:
                hashes.extend(
                    [
                        crc32(padded[i : i + n].encode(), _CHARS_STATE) & mask
                        for n in _CHAR_NGRAMS
                        for i in range(len(padded) - n + 1)
                    ]
                )
        bigram_state = zlib.crc32(b" ", zlib.crc32(encoded, _BIGRAM_STATE))
        record = array("I", [len(hashes), bigram_state, zlib.crc32(encoded), len(encoded)])
        # tuple.__new__ rather than _TokenFeatures(): a named tuple's own __new__ is a Python function
        return tuple.__new__(
            _TokenFeatures, (array("i", hashes).tobytes(), bigram_state, encoded, record.tobytes())
        )


@cache
def _featurizer(n_features: int, lexicon: str) -> _Featurizer:
    return _Featurizer(n_features, lexicon)


def featurize(text: str, n_features: int, lexicon: str) -> list[int]:
    """Hashed feature indices of ``text`` (with repetitions: a count vector in sparse form): each
    token's unigram (``w|``), lexicon cue (``lex|pos`` or ``lex|neg``, :data:`_CUE_WEIGHT` times)
    and character n-grams (``c|``, of the word without ``NOT_``), then each bigram of tokens
    (``b|<token> <token>``), hashed with CRC-32 modulo ``n_features``."""
    featurizer = _featurizer(n_features, lexicon)
    features = featurizer.features(text)
    indices = [index for feature in features for index in array("i", feature.indices)]
    return indices + featurizer.bigrams(features)


def feature_matrix(
    texts: Sequence[str], n_features: int, lexicon: str
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.float64]]:
    """The L2-normalised count matrix of :func:`featurize`'s indices of ``texts`` in COO form:
    ``(rows, cols, values)``, sorted by row then column.

    Built per batch rather than text by text: the tokens' cached indices and records are joined
    as bytes for numpy to read at once, and the bigrams hashed by numpy (:class:`_CrcShift`), so
    that a text costs a few Python operations, none per token.
    """
    featurizer = _featurizer(n_features, lexicon)
    batch_tokens: list[str] = []
    n_tokens: list[int] = []
    for text in texts:
        found = tokens(text)
        batch_tokens.extend(found)
        n_tokens.append(len(found))
    features = list(map(featurizer.known.__getitem__, batch_tokens))
    records = np.frombuffer(b"".join(map(_RECORD, features)), dtype=np.uintc).reshape(-1, 4)
    indices = np.frombuffer(b"".join(map(_INDICES, features)), dtype=np.intc)
    # Small enough keys are sorted as 32-bit integers, twice as fast.
    key_type = np.dtype(np.uint32 if len(texts) * n_features <= 2**32 else np.int64)
    token_rows = np.repeat(np.arange(len(texts), dtype=key_type), n_tokens)
    # a bigram: two consecutive tokens of one text
    pairs = np.flatnonzero(token_rows[1:] == token_rows[:-1])
    first, second = records[pairs], records[pairs + 1]
    bigrams = (second[:, 2] ^ featurizer.shift(second[:, 3], first[:, 1])) & featurizer.mask
    keys = np.concatenate(
        [
            np.repeat(token_rows, records[:, 0]) * key_type.type(n_features) + indices.astype(key_type),
            token_rows[pairs + 1] * key_type.type(n_features) + bigrams.astype(key_type),
        ]
    )
    keys.sort()
    # np.unique(keys, return_counts=True), without its extra passes
    starts = np.flatnonzero(np.concatenate([keys[:1] == keys[:1], keys[1:] != keys[:-1]]))
    counts = np.diff(np.append(starts, len(keys)))
    unique = keys[starts].astype(np.int64)
    row_ids, col_ids = unique >> (n_features.bit_length() - 1), unique & (n_features - 1)  # a power of two
    norms = np.sqrt(np.bincount(row_ids, weights=counts.astype(np.float64) ** 2, minlength=len(texts)))
    values = counts / np.where(norms > 0, norms, 1.0)[row_ids]
    return row_ids, col_ids, values


@cache
def _vader() -> Callable[[str], tuple[float, float, float, float]]:
    # vaderSentiment is an optional dependency: imported on first use.
    from trendwatch.adapters.local.vader import readable_polarity_scores

    return readable_polarity_scores


def vader_scores(texts: Sequence[str]) -> npt.NDArray[np.float64]:
    """VADER's ``neg``, ``neu``, ``pos`` and ``compound`` scores of each text's readable words
    (:func:`~trendwatch.domain.text.readable_text`)."""
    rows = list(map(_vader(), texts))
    return np.asarray(rows, dtype=np.float64).reshape(len(texts), 4)


#: Edges of the bins of VADER's compound score that :func:`binned_vader_scores` marks: its
#: authors' neutral band (±0.05) and the steps a linear weight on the score cannot bend at.
VADER_COMPOUND_EDGES = (-0.75, -0.5, -0.25, -0.05, 0.05, 0.25, 0.5, 0.75)


def binned_vader_scores(texts: Sequence[str]) -> npt.NDArray[np.float64]:
    """:func:`vader_scores`, then which bin of :data:`VADER_COMPOUND_EDGES` the compound score
    falls in, one-hot (a linear model may then weigh "slightly" and "very" positive apart)."""
    scores = vader_scores(texts)
    bins = np.zeros((len(texts), len(VADER_COMPOUND_EDGES) + 1))
    bins[np.arange(len(texts)), np.searchsorted(VADER_COMPOUND_EDGES, scores[:, 3], side="right")] = 1.0
    return np.hstack([scores, bins])


class DenseBlock(NamedTuple):
    width: int
    compute: Callable[[Sequence[str]], npt.NDArray[np.float64]]
    #: The name and version of what computes it, for ``model_versions``; empty when this
    #: package does (the model's own version covers it).
    producer: str


#: Dense feature blocks a model may append to the hashed features.
DENSE_BLOCKS = {
    "vader": DenseBlock(4, vader_scores, f"vader-{version('vaderSentiment')}"),
    "vader_binned": DenseBlock(
        4 + len(VADER_COMPOUND_EDGES) + 1, binned_vader_scores, f"vader-{version('vaderSentiment')}"
    ),
    "tweet_cues": DenseBlock(len(CUES), tweet_cues, ""),
}


def dense_matrix(texts: Sequence[str], blocks: Sequence[str]) -> npt.NDArray[np.float64]:
    """The dense blocks of ``texts`` side by side (no columns when ``blocks`` is empty)."""
    parts = [DENSE_BLOCKS[block].compute(texts) for block in blocks]
    return np.hstack(parts) if parts else np.zeros((len(texts), 0))


class SentimentModel:
    """A linear classifier over :func:`featurize` features and its dense blocks, loaded from
    packaged weights."""

    def __init__(
        self,
        info: ModelInfo,
        weights: npt.NDArray[np.float32],
        bias: npt.NDArray[np.float64],
        dense_weights: npt.NDArray[np.float64] | None = None,
    ) -> None:
        if info.featurizer_version != FEATURIZER_VERSION:
            raise ValueError(f"{info.tag} was trained with featuriser v{info.featurizer_version}")
        if info.lexicon_version != load_lexicon(info.lexicon)[0]:
            raise ValueError(f"{info.tag} was trained with another version of the sentiment lexicon")
        dense_width = sum(DENSE_BLOCKS[block].width for block in info.dense)
        if dense_weights is None:
            dense_weights = np.zeros((dense_width, len(info.labels)))
        if weights.shape != (info.n_features, len(info.labels)) or dense_weights.shape != (
            dense_width,
            len(info.labels),
        ):
            raise ValueError(f"{info.tag}: weights of shape {weights.shape} do not match its metadata")
        self.info = info
        #: One contiguous row per class: gathering a text's features from each is faster than
        #: gathering rows of three.
        self._class_weights = np.ascontiguousarray(weights.T)
        self._bias = bias
        self._dense_weights = dense_weights

    @classmethod
    def load(cls, name: str) -> SentimentModel:
        """Load ``<name>.json`` and ``<name>.npz`` shipped in :mod:`trendwatch.models`."""
        package = resources.files("trendwatch.models")
        info = msgspec.convert(json.loads((package / f"{name}.json").read_text("utf-8")), ModelInfo)
        with (package / f"{name}.npz").open("rb") as fh, np.load(fh) as arrays:
            weights = np.zeros((info.n_features, len(info.labels)), dtype=np.float32)
            weights[arrays["rows"]] = arrays["weights"].astype(np.float32)
            bias = arrays["bias"].astype(np.float64)
            dense = arrays["dense"].astype(np.float64) if "dense" in arrays else None
        return cls(info, weights, bias, dense)

    @property
    def producers(self) -> str:
        """What computes the model's dense features, e.g. ``vader-3.3.2`` (empty without any)."""
        return ",".join(filter(None, (DENSE_BLOCKS[block].producer for block in self.info.dense)))

    def predict_proba(self, texts: Sequence[str]) -> npt.NDArray[np.float64]:
        """Class probabilities, one row per text, columns in :data:`LABELS` order."""
        n_classes = len(self.info.labels)
        if not texts:
            return np.zeros((0, n_classes))
        rows, cols, values = feature_matrix(texts, self.info.n_features, self.info.lexicon)
        logits: npt.NDArray[np.float64] = self._bias + np.stack(
            [
                np.bincount(rows, weights=np.take(class_weights, cols) * values, minlength=len(texts))
                for class_weights in self._class_weights
            ],
            axis=1,
        )
        if self.info.dense:
            logits += dense_matrix(texts, self.info.dense) @ self._dense_weights
        probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
        return probabilities / probabilities.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]
