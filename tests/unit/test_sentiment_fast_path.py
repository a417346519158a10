"""The batched featuriser and model give exactly what the plain per-text computation gives.

The reference below is the sentiment model's definition written straightforwardly, as it was
before the hot path was optimised: tokens with negation marking, CRC-32 hashes of each feature's
name, a count matrix made unique and L2-normalised with numpy, the weights gathered row by row,
and VADER's scores from the library itself.
"""

from __future__ import annotations

import itertools
import random
import re
import zlib
from collections import Counter
from importlib import resources
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from trendwatch.adapters.local.sentiment_model import (
    VADER_COMPOUND_EDGES,
    SentimentModel,
    _CrcShift,
    _scanned_tokens,
    feature_matrix,
    featurize,
    load_lexicon,
    tokens,
)
from trendwatch.adapters.local.text_analyzer import SENTIMENT_MODELS
from trendwatch.adapters.local.tweet_cues import tweet_cues
from trendwatch.domain.text import fold, readable_text, strip_elision
from trendwatch.evaluation.text import language_cases, read_sets

DATA = Path(__file__).resolve().parents[2] / "data" / "labelled"
#: Beyond the labelled tweets (which have ``@user`` and ``http`` already): raw URLs and
#: mentions, elided negations, repeats, capitals, non-ASCII words and emojis.
EXTRA = [
    "RT @Bob: I don't LOVE it!!! https://t.co/x www.shop.fr",
    "Je n'aime pas ça, j'aime pas, ça n'est jamais top @İstanbul",
    "soooo goooood 😍😍 naïve café crème brûlée",
    "not bad at all. never again",
    "",
    "😡",
    # a repeat that starts in the last letter of a literal @user (a mention after a letter)
    "x@userrr ok",
    "sooo x@userr @userrrr",
    "BRRR!!! ÇAAA VAAA ’’’ d’oooh",
    # letters of two, three and four UTF-8 bytes, and one-letter words
    "𝓯𝓪𝓫 日本語 ﬁne ça a é 😍x",
]

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_MENTION = re.compile(r"(?<!\w)@\w+")
_REPEATS = re.compile(r"(\w)\1{2,}")
_TOKEN = re.compile(r"@user|\w+(?:['’-]\w+)*|[^\w\s\ufe0f\u200d]")
_NEGATORS = frozenset(
    {"not", "no", "never", "nothing", "nobody", "cannot", "cant", "dont", "doesnt", "didnt", "isnt", "wasnt"}
    | {"arent", "wont", "without", "pas", "jamais", "rien", "personne", "aucun", "aucune", "ni", "sans", "ne"}
)


def reference_tokens(text: str) -> list[str]:
    text = _URL.sub(" http ", text)
    text = _MENTION.sub(" @user ", text)
    text = _REPEATS.sub(r"\1\1", text.lower().replace("’", "'"))
    out: list[str] = []
    scope = 0
    for token in _TOKEN.findall(text):
        if token.startswith("n'") and len(token) > 2:
            out.extend(["ne", "NOT_" + token[2:]])
            scope = 3
        elif token in _NEGATORS or token.endswith("n't"):
            previous = out[-1] if out else "-"
            if token in ("pas", "jamais", "rien") and previous[0].isalnum() and previous not in _NEGATORS:
                out[-1] = "NOT_" + previous.removeprefix("NOT_")
            scope = 3
            out.append(token)
        elif not token[0].isalnum() and token[0] != "_":
            scope = 0
            out.append(token)
        elif scope:
            scope -= 1
            out.append("NOT_" + token)
        else:
            out.append(token)
    return out


def reference_features(text: str, n_features: int, lexicon: str) -> list[int]:
    def index(feature: str) -> int:
        return zlib.crc32(feature.encode("utf-8")) & (n_features - 1)

    toks = reference_tokens(text)
    cues = load_lexicon(lexicon)[1]
    indices: list[int] = []
    for token in toks:
        indices.append(index("w|" + token))
        bare = token.removeprefix("NOT_")
        cue = cues.get(fold(strip_elision(bare)), (None, None))[bare != token]
        if cue:
            indices.extend([index(cue)] * 4)
        if token[0].isalnum():
            padded = f" {bare} "
            for n in (3, 4, 5):
                indices.extend(index("c|" + padded[i : i + n]) for i in range(len(padded) - n + 1))
    indices.extend(index(f"b|{a} {b}") for a, b in itertools.pairwise(toks))
    return indices


def reference_probabilities(name: str, texts: list[str]) -> npt.NDArray[np.float64]:
    model = SentimentModel.load(name)
    n_features = model.info.n_features
    with (resources.files("trendwatch.models") / f"{name}.npz").open("rb") as fh, np.load(fh) as arrays:
        weights = np.zeros((n_features, 3), dtype=np.float32)
        weights[arrays["rows"]] = arrays["weights"].astype(np.float32)
        bias = arrays["bias"].astype(np.float64)
        dense_weights = arrays["dense"].astype(np.float64)
    rows: list[int] = []
    cols: list[int] = []
    for row, text in enumerate(texts):
        indices = reference_features(text, n_features, model.info.lexicon)
        cols.extend(indices)
        rows.extend([row] * len(indices))
    keys, counts = np.unique(
        np.asarray(rows, dtype=np.int64) * n_features + np.asarray(cols, dtype=np.int64), return_counts=True
    )
    row_ids, col_ids = np.divmod(keys, n_features)
    norms = np.sqrt(np.bincount(row_ids, weights=counts.astype(np.float64) ** 2, minlength=len(texts)))
    values = counts / np.where(norms > 0, norms, 1.0)[row_ids]
    contributions = weights[col_ids] * values[:, None]
    logits = bias + np.stack(
        [np.bincount(row_ids, weights=contributions[:, k], minlength=len(texts)) for k in range(3)], axis=1
    )
    vader = SentimentIntensityAnalyzer()
    scores = [vader.polarity_scores(readable_text(text)) for text in texts]
    vader_block = np.asarray([[s["neg"], s["neu"], s["pos"], s["compound"]] for s in scores])
    compound_bins = [sum(edge <= s["compound"] for edge in VADER_COMPOUND_EDGES) for s in scores]
    blocks = {
        "vader": vader_block,
        "vader_binned": np.hstack([vader_block, np.eye(len(VADER_COMPOUND_EDGES) + 1)[compound_bins]]),
        "tweet_cues": tweet_cues(texts),
    }
    logits += np.hstack([blocks[block] for block in model.info.dense]) @ dense_weights
    probabilities = np.exp(logits - logits.max(axis=1, keepdims=True))
    return probabilities / probabilities.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    """A fifth of the distinct labelled English and French tweets, and :data:`EXTRA`."""
    return [text for text, _ in language_cases(read_sets(DATA))][::5] + EXTRA


def test_tokens_and_features_are_the_plain_computation(texts: list[str]) -> None:
    for text in texts:
        assert tokens(text) == reference_tokens(text), text
        assert featurize(text, 2**18, "fr") == reference_features(text, 2**18, "fr"), text


#: Where the scan's tokens and the models' part (see ``_scanned_tokens``): a capital sigma, URLs
#: inside words and after a colon, hashtags that go on as words, ``@`` in separators, retweets.
TOKEN_CASES = [
    "ΟΔΟΣ:Α ΣΑΣ. σας",
    "xhttp://a.fr b https://t.co/x,http://y RT @a:http://z www.X.fr awww.x",
    "#tag's #Cap-Ferret #The70's ＃été’s #x-",
    '".@user "@bob (@ann x@user a@b @@c #@d @user\'s @bob-x',
    "RT @bob: I don’t like it, n’importe quoi",
    " rt @a : j'aime pas ça ; RT @b: c",
    "a\u200db 👍🏽\ufe0f🇫🇷 Ⓐⓐ Ⅰ İstanbul ſ K",
    "soooo gooood BRRR!!! l'ééééé n'aiiime paaas",
]


def test_tokens_of_every_labelled_tweet_are_the_plain_computation() -> None:
    texts = [text for text, _ in language_cases(read_sets(DATA))]
    for text in [*texts, *EXTRA, *TOKEN_CASES]:
        assert tokens(text) == reference_tokens(text), text
    # and most come from the scan's tokens, not from the regular expressions
    assert sum(_scanned_tokens(text) is not None for text in texts) > 0.95 * len(texts)


def test_feature_matrix_is_the_plain_count_matrix(texts: list[str]) -> None:
    rows, cols, values = feature_matrix(texts, 2**10, "en")
    dense = np.zeros((len(texts), 2**10))
    np.add.at(dense, (rows, cols), values)
    for row, text in enumerate(texts):
        counts = np.bincount(reference_features(text, 2**10, "en"), minlength=2**10).astype(np.float64)
        np.testing.assert_array_equal(dense[row], counts / (np.sqrt(np.sum(counts**2)) or 1.0))


def test_feature_matrix_keys_beyond_32_bits_are_the_plain_count_matrix(texts: list[str]) -> None:
    """Three texts in 2**31 columns: the keys (row * columns + column) are sorted as 64-bit integers."""
    rows, cols, values = feature_matrix(texts[:3], 2**31, "en")
    for row, text in enumerate(texts[:3]):
        counts = Counter(reference_features(text, 2**31, "en"))
        norm = np.sqrt(np.sum(np.asarray(list(counts.values()), dtype=np.float64) ** 2))
        assert cols[rows == row].tolist() == sorted(counts)
        np.testing.assert_array_equal(values[rows == row], [counts[col] / norm for col in sorted(counts)])


def test_crc_shift_continues_zlib_crc32_from_any_state() -> None:
    rng = random.Random(0)
    data = [rng.randbytes(rng.choice([0, 1, 2, 5, 17, 300])) for _ in range(2000)]
    states = [rng.randrange(2**32) for _ in data]
    shifted = _CrcShift()(
        np.asarray([len(d) for d in data], dtype=np.uint32), np.asarray(states, dtype=np.uint32)
    )
    continued = np.asarray([zlib.crc32(d) for d in data], dtype=np.uint32) ^ shifted
    assert continued.tolist() == [zlib.crc32(d, state) for d, state in zip(data, states, strict=True)]


#: The linear models (an ``.npz`` of weights): the ones the fast path computes.
LINEAR_MODELS = sorted(
    name
    for name in {name for models in SENTIMENT_MODELS.values() for name in models.values()}
    if resources.files("trendwatch.models").joinpath(f"{name}.npz").is_file()
)


@pytest.mark.parametrize("name", LINEAR_MODELS)
def test_model_probabilities_are_exactly_the_plain_computation(name: str, texts: list[str]) -> None:
    np.testing.assert_array_equal(
        SentimentModel.load(name).predict_proba(texts), reference_probabilities(name, texts)
    )
