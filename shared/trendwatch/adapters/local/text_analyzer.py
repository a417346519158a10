"""Offline text enrichment: function words and lingua for the language, packaged linear models
(VADER for languages without one) for sentiment, and the pure extractors of
:mod:`trendwatch.domain.text` for the rest.

Everything it uses ships inside PyPI wheels or this package; nothing is downloaded.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from importlib.metadata import version
from typing import Literal, NamedTuple

import numpy as np
import numpy.typing as npt
from lingua import ConfidenceValue, Language, LanguageDetector, LanguageDetectorBuilder

from trendwatch.adapters.local.sentiment_loader import SentimentClassifier, load_sentiment_model
from trendwatch.adapters.local.sentiment_model import (
    LABELS,
    emoji_sentiment,
    load_lexicon,
    vader_scores,
)
from trendwatch.contracts.events import Entity, Sentiment, SentimentLabel, TextEnrichment
from trendwatch.domain.language import FUNCTION_WORDS_VERSION, Vote, function_word_vote
from trendwatch.domain.slang import language_neutral_cues, slang_polarity, slang_version
from trendwatch.domain.text import (
    TokenCache,
    categorize_text,
    detection_text,
    extract_entities,
    extract_hashtags,
    extract_keyphrases,
    extract_mentions,
    has_plain_words,
    lemmatize_keyphrase,
    taxonomy,
    without_hashtags,
)
from trendwatch.ports import TextItem

Profile = Literal["fast", "accurate"]

#: The languages of the markets watched; restricting lingua to them makes it faster and surer.
LANGUAGES = (
    Language.ENGLISH,
    Language.FRENCH,
    Language.SPANISH,
    Language.GERMAN,
    Language.ITALIAN,
    Language.PORTUGUESE,
    Language.DUTCH,
)
#: The packaged sentiment model of each profile and language; other languages get VADER. French
#: is the same linear model in both (WordLlama embeddings as extra features scored lower, see
#: ``scripts/train_sentiment.py``); English for ``accurate`` mixes a fine-tuned encoder with the
#: linear model (``scripts/train_sentiment_encoder.py``): better on held-out tweets, tens of
#: times slower.
SENTIMENT_MODELS: dict[Profile, dict[str, str]] = {
    "fast": {"en": "trendwatch-sentiment-en", "fr": "trendwatch-sentiment-fr"},
    "accurate": {"en": "trendwatch-sentiment-en-accurate", "fr": "trendwatch-sentiment-fr"},
}
#: X's ``lang`` values that name no language (undetermined, media-, hashtag-, mention-only...).
_NON_LANGUAGE_HINTS = frozenset({"und", "zxx", "art", "qme", "qht", "qam", "qst", "qct", "qmt"})
#: How much X's language hint multiplies the odds of its language: a lot for texts of a few
#: words, where character statistics are unreliable, a little otherwise (X's own detector errs).
_HINT_ODDS_SHORT = 20.0
_HINT_ODDS_LONG = 3.0
_SHORT_TEXT_WORDS = 3
#: How sure lingua must be of a text whose only words are its hashtags' to name its language
#: without X's hint; see :func:`choose_language`.
HASHTAG_MIN_CONFIDENCE = 0.7
#: A function-word vote settles the language when its leader is ahead by this many words, or
#: by one when X's hint agrees or is absent (a hint that disagrees sends the text to lingua).
_DECISIVE_LEAD = 2
_CHUNK = 1024
EMOJI_KEY = "emoji"
#: VADER's recommended thresholds on the compound score (also used for emoji-only texts).
VADER_NEUTRAL_BAND = 0.05
#: How much one slang cue (:mod:`trendwatch.domain.slang`) multiplies the odds of positive against
#: neutral and of neutral against negative: enough to outweigh what the models learnt of the
#: literal sense (the English model gives 🔥 alone P(negative) 0.94, "this jacket is fire" 0.69).
SLANG_ODDS = 20.0
#: VADER turns the sum of its words' valences into the compound score as x / sqrt(x² + alpha).
_VADER_ALPHA = 15.0
#: The valence one language-neutral slang cue adds for VADER: that of "good" in its lexicon.
SLANG_VALENCE = 1.9


class ModelId(NamedTuple):
    """A model's name and version, as ``model_versions`` and ``model_metrics`` record them."""

    name: str
    version: str

    @property
    def tag(self) -> str:
        return f"{self.name}-{self.version}"


LINGUA = ModelId("lingua", version("lingua-language-detector"))
VADER = ModelId("vader", version("vaderSentiment"))


def sentiment_model_id(model: SentimentClassifier) -> ModelId:
    """``trendwatch-sentiment-en`` + ``2+<weights hash>``: the hash tells retrained weights apart."""
    info = model.info
    return ModelId(
        info.name, f"{info.version}+{info.weights_sha256[:8]}" if info.weights_sha256 else str(info.version)
    )


def _batched(items: Sequence[TextItem], size: int) -> Iterator[Sequence[TextItem]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _iso(language: Language) -> str:
    return str(language.iso_code_639_1.name.lower())


def _hint(lang_hint: str | None) -> str | None:
    return lang_hint.lower() if lang_hint and lang_hint.lower() not in _NON_LANGUAGE_HINTS else None


def choose_language(
    confidences: Sequence[ConfidenceValue], hint: str | None, n_words: int, *, hashtags_only: bool = False
) -> tuple[str, float]:
    """Combine lingua's confidences with X's hint as a prior; returns ``(iso code, confidence)``.

    With nothing to detect, or only a language lingua does not know and no confident
    alternative, the hint (or ``und``) is returned with confidence 0.

    A text whose only words are its hashtags' (``hashtags_only``: ``#SummerDress 🔥``) and that
    has no hint is ``und`` too unless lingua is :data:`HASHTAG_MIN_CONFIDENCE` sure. Hashtags are
    product names, places and shared tags (``#OOTD``, ``#MadeInFrance``) more than sentences: on
    the 1,112 distinct hashtag sets of the labelled tweets (``data/labelled``, the tweet's language
    as the truth), lingua names the right language for only 64 % of them, for 73 % of those it is
    0.5 to 0.7 sure of, and for 96 % of the 353 it is at least 0.7 sure of (alone it would say
    ``nl`` for ``#OOTD``, ``de`` for ``#summerdress``). X itself gives such tweets ``qht``
    (hashtags only), not a language.
    """
    hint = _hint(hint)
    scores = {_iso(c.language): c.value for c in confidences}
    top = max(scores.values(), default=0.0)
    if top == 0.0 or (hint is not None and hint not in scores and top < 0.5):
        return hint or "und", 0.0
    if hint in scores:
        scores[hint] *= _HINT_ODDS_SHORT if n_words <= _SHORT_TEXT_WORDS else _HINT_ODDS_LONG
    total = sum(scores.values())
    lang = max(scores, key=lambda code: scores[code])
    confidence = round(scores[lang] / total, 4)
    if hashtags_only and hint is None and confidence < HASHTAG_MIN_CONFIDENCE:
        return "und", 0.0
    return lang, confidence


def settled_by_vote(vote: Vote, hint: str | None) -> bool:
    """Whether the function-word vote decides without lingua (see :data:`_DECISIVE_LEAD`)."""
    hint = _hint(hint)
    if vote.lang is None:
        return False
    return vote.lead >= _DECISIVE_LEAD or (vote.lead >= 1 and hint in (None, vote.lang))


def vote_confidence(vote: Vote) -> float:
    """The leader's share of the votes, with one vote's worth of doubt: 1 of 1 -> 0.5, 4 of 4 -> 0.8."""
    others = vote.votes - vote.lead
    return round(vote.votes / (vote.votes + others + 1), 4)


def _settled(vote_and_hint: tuple[Vote, str | None]) -> tuple[str, float] | None:
    """The language and confidence of a vote that settles the language, else ``None``."""
    vote, hint = vote_and_hint
    return (str(vote.lang), vote_confidence(vote)) if settled_by_vote(vote, hint) else None


#: :func:`_settled` of each vote and hint (there are few different ones).
_SETTLED: TokenCache[tuple[Vote, str | None], tuple[str, float] | None] = TokenCache(_settled)


class LanguageIdentifier:
    """Language of short noisy texts, X's hint as a prior.

    ``fast``: a function-word vote first (:mod:`trendwatch.domain.language`), lingua's full
    models only for the texts it leaves open (a few percent); ``accurate``: lingua for all.
    Lingua's low-accuracy mode is not used: on tweets under 60 characters it is right for
    only about 78 % of them, against 98 % with the full models.
    """

    def __init__(self, profile: Profile) -> None:
        self._detector: LanguageDetector = LanguageDetectorBuilder.from_languages(*LANGUAGES).build()
        self._vote = profile == "fast"
        self.model = (
            ModelId(f"function-words+{LINGUA.name}", f"{FUNCTION_WORDS_VERSION}+{LINGUA.version}")
            if self._vote
            else LINGUA
        )

    def identify(self, texts: Sequence[str], hints: Sequence[str | None]) -> list[tuple[str, float]]:
        """``(iso code, confidence)`` per text, in order."""
        results: list[tuple[str, float] | None] = (
            list(map(_SETTLED.__getitem__, zip(map(function_word_vote, texts), hints, strict=True)))
            if self._vote
            else [None] * len(texts)
        )
        open_ = [i for i, result in enumerate(results) if result is None]
        plain = [detection_text(texts[i]) for i in open_]
        confidences = self._detector.compute_language_confidence_values_in_parallel(plain)
        for i, text, values in zip(open_, plain, confidences, strict=True):
            results[i] = choose_language(
                values, hints[i], len(text.split()), hashtags_only=not has_plain_words(texts[i])
            )
        return [result for result in results if result is not None]


def _label(score: float, band: float) -> SentimentLabel:
    return "positive" if score >= band else "negative" if score <= -band else "neutral"


def _vader_sentiment(scores: npt.NDArray[np.float64]) -> Sentiment:
    """VADER's label by its authors' thresholds on the compound score (the last of its scores)."""
    compound = round(float(scores[-1]), 4)
    return Sentiment(_label(compound, VADER_NEUTRAL_BAND), compound)


def _vader_sentiments(texts: Sequence[str]) -> list[Sentiment]:
    """VADER for languages without a model of ours, with the language-neutral slang read as slang.

    VADER spells 🔥 "fire" and reads it as negative, so "esta chaqueta es 🔥" came out negative. A
    text with such cues is scored without them, and each cue then adds :data:`SLANG_VALENCE` to
    VADER's summed valence (recovered from the compound by inverting its normalisation)."""
    polarities = [slang_polarity(text, None) for text in texts]
    cues = language_neutral_cues()

    def without_cues(text: str) -> str:
        for cue in cues:
            text = text.replace(cue, " ")
        return text

    scored = [without_cues(t) if p else t for t, p in zip(texts, polarities, strict=True)]
    sentiments = []
    for row, polarity in zip(vader_scores(scored), polarities, strict=True):
        if not polarity:
            sentiments.append(_vader_sentiment(row))
            continue
        compound = min(max(float(row[-1]), -0.9999), 0.9999)
        valence = compound * math.sqrt(_VADER_ALPHA / (1 - compound * compound)) + polarity * SLANG_VALENCE
        score = round(valence / math.sqrt(valence * valence + _VADER_ALPHA), 4)
        sentiments.append(Sentiment(_label(score, VADER_NEUTRAL_BAND), score))
    return sentiments


def with_slang(probabilities: npt.NDArray[np.float64], polarities: Sequence[int]) -> npt.NDArray[np.float64]:
    """The models' class probabilities with each text's slang polarity as further evidence: the
    odds moved by :data:`SLANG_ODDS` per cue towards positive (or negative when it is negative)."""
    if not any(polarities):
        return probabilities
    direction = np.asarray([{"negative": -1.0, "positive": 1.0}.get(label, 0.0) for label in LABELS])
    moved = probabilities * SLANG_ODDS ** np.outer(polarities, direction)
    return moved / moved.sum(axis=1, keepdims=True)  # type: ignore[no-any-return]


def _model_sentiments(probabilities: npt.NDArray[np.float64]) -> list[Sentiment]:
    """Per row: the most probable label, and P(positive) - P(negative) as the polarity."""
    labels: list[SentimentLabel] = [LABELS[i] for i in probabilities.argmax(axis=1).tolist()]  # type: ignore[misc]
    polarities: list[float] = (
        probabilities[:, LABELS.index("positive")] - probabilities[:, LABELS.index("negative")]
    ).tolist()
    return [Sentiment(label, round(polarity, 4)) for label, polarity in zip(labels, polarities, strict=True)]


class LocalTextAnalyzer:
    """A :class:`~trendwatch.ports.TextAnalyzer` that runs offline.

    Language: :class:`LanguageIdentifier`. Sentiment: the profile's packaged model for English
    and French (:data:`SENTIMENT_MODELS`: hashed n-grams with negation marking, a polarity
    lexicon with emojis and slang, and VADER's scores; in English for ``accurate``, that mixed with
    a fine-tuned MiniLM encoder, slower but better on held-out tweets; then :func:`with_slang`), the lexicon's emoji cues for a text of emojis (and hashtags) only, VADER for other languages
    (it still reads emojis and English loanwords).
    """

    def __init__(self, profile: Profile = "fast") -> None:
        self.name = f"local-{profile}"
        self.profile = profile
        self.language = LanguageIdentifier(profile)
        self.sentiment_models = {
            lang: load_sentiment_model(name) for lang, name in SENTIMENT_MODELS[profile].items()
        }
        common = {"lang": self.language.model.tag, "taxonomy": f"trendwatch-taxonomy-{taxonomy().version}"}
        #: What ``model_versions`` holds for a text, by the key :meth:`sentiments` gives.
        self.model_versions = {
            "*": common | {"sentiment": VADER.tag, "sentiment_slang": f"trendwatch-slang-{slang_version()}"},
            EMOJI_KEY: common | {"sentiment": f"trendwatch-emoji-lexicon-{load_lexicon('*')[0]}"},
        } | {
            lang: common
            | {
                "sentiment": sentiment_model_id(model).tag,
                "sentiment_slang": f"trendwatch-slang-{slang_version()}",
            }
            | ({"sentiment_features": model.producers} if model.producers else {})
            for lang, model in self.sentiment_models.items()
        }

    def analyze(self, items: Sequence[TextItem]) -> list[TextEnrichment]:
        # In chunks, so that the per-text caches of the domain functions hold a whole chunk.
        return [result for chunk in _batched(items, _CHUNK) for result in self._analyze(chunk)]

    def _analyze(self, items: Sequence[TextItem]) -> list[TextEnrichment]:
        languages = self.language.identify([item.text for item in items], [item.lang_hint for item in items])
        sentiments = self.sentiments([item.text for item in items], [lang for lang, _ in languages])
        return [
            self._enrich(item, lang, confidence, sentiment, self.model_versions[key])
            for item, (lang, confidence), (sentiment, key) in zip(items, languages, sentiments, strict=True)
        ]

    def sentiments(self, texts: Sequence[str], langs: Sequence[str]) -> list[tuple[Sentiment, str]]:
        """Sentiment of each text in its language, and the key of :attr:`model_versions` that
        produced it: the language's model, ``emoji`` for a text of emojis (and hashtags) only
        (the lexicon's emoji cues), else ``*`` (VADER). Each model reads its texts in one batch."""
        results: list[tuple[Sentiment, str] | None] = [None] * len(texts)
        groups: dict[str, list[int]] = {}
        for i, (text, lang) in enumerate(zip(texts, langs, strict=True)):
            emojis = emoji_sentiment(without_hashtags(text)) if lang not in self.sentiment_models else None
            if emojis is not None:
                results[i] = (Sentiment(_label(emojis, VADER_NEUTRAL_BAND), emojis), EMOJI_KEY)
            else:
                groups.setdefault(lang if lang in self.sentiment_models else "*", []).append(i)
        for key, indices in groups.items():
            batch = [texts[i] for i in indices]
            found = (
                _vader_sentiments(batch)
                if key == "*"
                else _model_sentiments(
                    with_slang(
                        self.sentiment_models[key].predict_proba(batch),
                        [slang_polarity(t, key) for t in batch],
                    )
                )
            )
            for i, sentiment in zip(indices, found, strict=True):
                results[i] = (sentiment, key)
        return [result for result in results if result is not None]

    def _enrich(
        self, item: TextItem, lang: str, confidence: float, sentiment: Sentiment, versions: dict[str, str]
    ) -> TextEnrichment:
        return TextEnrichment(
            lang=lang,
            lang_confidence=confidence,
            sentiment=sentiment,
            hashtags=extract_hashtags(item.text),
            mentions=extract_mentions(item.text),
            keyphrases=tuple(
                dict.fromkeys(
                    lemmatize_keyphrase(phrase, lang) for phrase in extract_keyphrases(item.text, lang)
                )
            ),
            entities=tuple(Entity(e.name, e.type, e.salience) for e in extract_entities(item.text)),
            categories=categorize_text(item.text, lang),
            model_versions=versions,
        )
