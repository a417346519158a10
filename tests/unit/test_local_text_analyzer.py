"""The offline text analyzer: language, sentiment, extracted terms and model versions."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import msgspec
import pytest
from lingua import ConfidenceValue, Language

from trendwatch.adapters.local.text_analyzer import (
    HASHTAG_MIN_CONFIDENCE,
    SENTIMENT_MODELS,
    LocalTextAnalyzer,
    choose_language,
    settled_by_vote,
    vote_confidence,
)
from trendwatch.contracts.events import Entity, TextEnrichment
from trendwatch.domain.language import Vote, _owners, function_word_vote
from trendwatch.domain.text import lemmatize_keyphrase, scan
from trendwatch.evaluation.text import language_cases, read_sets
from trendwatch.ports import TextAnalyzer, TextItem

DATA = Path(__file__).resolve().parents[2] / "data" / "labelled"


@pytest.fixture(scope="module")
def analyzer() -> LocalTextAnalyzer:
    return LocalTextAnalyzer("fast")


def analyze_one(analyzer: LocalTextAnalyzer, text: str, lang_hint: str | None = None) -> TextEnrichment:
    [result] = analyzer.analyze([TextItem("1", text, lang_hint)])
    return result


def test_local_analyzer_satisfies_the_text_analyzer_port(analyzer: LocalTextAnalyzer) -> None:
    port: TextAnalyzer = analyzer
    assert port.name == "local-fast"
    assert port.analyze([]) == []


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        (
            "RT @zara: Obsessed with this summer dress, it fits perfectly 😍 #SummerDress https://t.co/abc",
            "en",
        ),
        ("@hm ce nouveau sac est vraiment trop beau, je l'adore 😍 #Mode", "fr"),
        ("Just got my new lipstick from @Sephora and I love the colour ✨ #BeautyHaul", "en"),
        ("Franchement la livraison était en retard de trois jours 😡 #SAV", "fr"),
    ],
)
def test_short_english_and_french_tweets_get_their_language(
    analyzer: LocalTextAnalyzer, text: str, lang: str
) -> None:
    result = analyze_one(analyzer, text)
    assert result.lang == lang
    assert result.lang_confidence >= 0.5


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Obsessed with my new #SummerDress #OOTD #Zara 😍🔥 @hm", "en"),
        ("Trop contente de ma robe #OOTD #Mode #Soldes 😍 @zara", "fr"),
        ("#BlackFriday #Deals @amazon the best prices http://t.co/x", "en"),
    ],
)
def test_hashtag_heavy_tweets_are_read_from_their_words(
    analyzer: LocalTextAnalyzer, text: str, lang: str
) -> None:
    assert analyze_one(analyzer, text).lang == lang


@pytest.mark.parametrize("profile", ["fast", "accurate"])
@pytest.mark.parametrize("text", ["#SummerDress 🔥", "#RobeDEte ☀️", "#OOTD", "#MadeInFrance", "#Zara #HM 😍"])
def test_hashtag_only_tweets_without_a_hint_are_undetermined_when_lingua_is_unsure(
    profile: str, text: str
) -> None:
    # lingua alone said nl for #RobeDEte and #OOTD, fr for #MadeInFrance, pt for #Zara #HM
    [result] = analyzer_for(profile).analyze([TextItem("1", text, "qht")])  # X's "hashtags only"
    assert (result.lang, result.lang_confidence) == ("und", 0.0)


def test_hashtags_name_the_language_when_lingua_is_sure_or_x_hints_it(analyzer: LocalTextAnalyzer) -> None:
    assert analyze_one(analyzer, "#RentréeDesClasses").lang == "fr"
    assert analyze_one(analyzer, "#SummerDress 🔥", "en").lang == "en"
    assert analyze_one(analyzer, "#RobeDEte ☀️", "fr").lang == "fr"


def test_only_a_hashtag_only_text_needs_a_sure_guess() -> None:
    def guess(lang: Language, value: float) -> list[ConfidenceValue]:  # lingua's values add up to 1
        return [ConfidenceValue(lang, value), ConfidenceValue(Language.ENGLISH, 1 - value)]

    unsure, sure = (
        guess(Language.DUTCH, HASHTAG_MIN_CONFIDENCE - 0.01),
        guess(Language.FRENCH, HASHTAG_MIN_CONFIDENCE),
    )
    assert choose_language(unsure, None, 1, hashtags_only=True) == ("und", 0.0)
    assert choose_language(unsure, None, 1)[0] == "nl"
    assert choose_language(sure, None, 1, hashtags_only=True) == ("fr", HASHTAG_MIN_CONFIDENCE)


def test_hashtag_only_tweet_gets_the_sentiment_of_its_emojis(analyzer: LocalTextAnalyzer) -> None:
    [loved, plain] = analyzer.analyze([TextItem("1", "#SummerDress 🔥"), TextItem("2", "#SummerDress")])
    assert (loved.lang, loved.sentiment.label) == ("und", "positive")  # VADER reads 🔥 as "fire": negative
    assert loved.model_versions["sentiment"] == "trendwatch-emoji-lexicon-2"
    assert (plain.sentiment.label, plain.model_versions["sentiment"]) == ("neutral", "vader-3.3.2")


def test_function_words_settle_most_tweets_without_lingua() -> None:
    assert function_word_vote("Je ne sais pas si c'est la bonne taille") == Vote("fr", 2, 2)
    # "is" is Dutch too, "je" Dutch and French: only "ce" counts
    assert function_word_vote("OMG ce sac is so cute, je l'adore") == Vote("fr", 1, 1)
    assert function_word_vote("la de que en 😍") == Vote(None, 0, 0)  # shared by several languages


def reference_vote(text: str) -> Vote:
    """:func:`function_word_vote` as first written, word by word with nothing cached."""
    counts: Counter[str] = Counter()
    for token in scan(text):
        if token.kind == "word":
            lang = _owners().get(token.text.lower().replace("’", "'"))
            if lang:
                counts[lang] += 1
    ranked = counts.most_common(2)
    if not ranked:
        return Vote(None, 0, 0)
    runner_up = ranked[1][1] if len(ranked) > 1 else 0
    return Vote(ranked[0][0], ranked[0][1], ranked[0][1] - runner_up)


def test_the_vote_on_the_labelled_tweets_is_that_of_the_plain_computation() -> None:
    extra = ["THE cat IS on the table", "C’est l’été, c'est TRÈS bien", "der die das the le"]
    for text in [text for text, _ in language_cases(read_sets(DATA))] + extra:
        assert function_word_vote(text) == reference_vote(text), text


def test_an_x_hint_that_disagrees_with_a_narrow_vote_sends_the_text_to_lingua() -> None:
    narrow = Vote("fr", 1, 1)
    assert (settled_by_vote(narrow, None), settled_by_vote(narrow, "fr"), settled_by_vote(narrow, "en")) == (
        True,
        True,
        False,
    )
    assert settled_by_vote(Vote("fr", 3, 2), "en")
    assert (vote_confidence(Vote("fr", 1, 1)), vote_confidence(Vote("fr", 4, 4))) == (0.5, 0.8)


def test_language_hint_decides_very_short_ambiguous_texts(analyzer: LocalTextAnalyzer) -> None:
    assert analyze_one(analyzer, "so cute 😍").lang == "fr"  # what lingua alone guesses
    assert analyze_one(analyzer, "so cute 😍", lang_hint="en").lang == "en"
    assert analyze_one(analyzer, "trop bien", lang_hint="fr").lang == "fr"


def test_language_hint_is_not_trusted_over_a_clear_text(analyzer: LocalTextAnalyzer) -> None:
    assert (
        analyze_one(analyzer, "Je cherche une robe légère pour les vacances, des idées ?", "en").lang == "fr"
    )
    assert analyze_one(analyzer, "Can't wait for the weekend sales, so excited", "fr").lang == "en"


def test_emoji_only_tweet_gets_no_language_but_the_sentiment_of_its_emojis(
    analyzer: LocalTextAnalyzer,
) -> None:
    loved, hated = analyzer.analyze([TextItem("1", "😍😍🔥"), TextItem("2", "😡😡👎")])
    assert (loved.lang, loved.lang_confidence, loved.keyphrases) == ("und", 0.0, ())
    assert (loved.sentiment.label, hated.sentiment.label) == ("positive", "negative")
    assert loved.model_versions["sentiment"] == "trendwatch-emoji-lexicon-2"
    assert analyze_one(analyzer, "😍😍 https://t.co/x", "fr").lang == "fr"


def test_non_language_hints_are_ignored_and_unknown_languages_trusted() -> None:
    assert choose_language([], "und", 0) == ("und", 0.0)
    assert choose_language([], "ja", 0) == ("ja", 0.0)


@pytest.mark.parametrize(
    ("positive", "negated"),
    [
        ("These shoes are good", "These shoes are not good"),
        ("I love this brand", "I don't love this brand"),
        ("Cette robe est belle", "Cette robe n'est pas belle"),
        ("J'aime cette marque", "Je n'aime pas cette marque"),
    ],
)
@pytest.mark.parametrize("profile", ["fast", "accurate"])
def test_negation_flips_sentiment(positive: str, negated: str, profile: str) -> None:
    lang = "fr" if "est" in positive or "aime" in positive else "en"
    plain, flipped = analyzer_for(profile).analyze(
        [TextItem("1", positive, lang), TextItem("2", negated, lang)]
    )
    assert plain.sentiment.label == "positive"
    assert flipped.sentiment.label == "negative"


@pytest.mark.parametrize(
    ("plain", "intensified", "lang"),
    [
        ("This dress is nice", "This dress is really really nice!!! 😍", "en"),
        ("The delivery was bad", "The delivery was SO bad, absolutely awful 😡", "en"),
        ("Cette robe est jolie", "Cette robe est vraiment trop jolie !!! 😍", "fr"),
    ],
)
def test_intensifiers_raise_the_magnitude(
    analyzer: LocalTextAnalyzer, plain: str, intensified: str, lang: str
) -> None:
    base, strong = analyzer.analyze([TextItem("1", plain, lang), TextItem("2", intensified, lang)])
    assert abs(strong.sentiment.score) > abs(base.sentiment.score)
    assert strong.sentiment.label == base.sentiment.label != "neutral"


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I love this dress, it is absolutely beautiful! 😍", "positive"),
        ("This is the worst customer service ever, I hate it", "negative"),
        ("The store opens at nine on Monday", "neutral"),
        ("yasss queen you slay 😍", "positive"),
        ("these kicks are dope", "positive"),
        ("ugh this collection is so mid", "negative"),
        ("J'adore cette robe, elle est magnifique ! 😍", "positive"),
        ("Franchement c'est nul, je déteste cette marque", "negative"),
        ("Le nouveau sac est pas terrible", "negative"),
        ("Le magasin ouvre demain à neuf heures", "neutral"),
    ],
)
def test_sentiment_of_english_and_french_tweets(analyzer: LocalTextAnalyzer, text: str, label: str) -> None:
    assert analyze_one(analyzer, text).sentiment.label == label


def test_french_keyphrases_are_singular_so_that_plural_and_singular_meet(analyzer: LocalTextAnalyzer) -> None:
    plural = analyze_one(analyzer, "Les robes d'été de Zara sont sublimes", "fr")
    singular = analyze_one(analyzer, "La robe d'été de Zara est sublime", "fr")
    assert plural.keyphrases == singular.keyphrases == ("robe", "zara", "sublime")
    assert [lemmatize_keyphrase(p, "fr") for p in ("chapeaux", "prix", "paris", "talons hauts")] == [
        "chapeau",
        "prix",
        "paris",
        "talon haut",
    ]
    assert lemmatize_keyphrase("running shoes", "en") == "running shoes"


def test_enrichment_fills_terms_entities_categories_and_model_versions(analyzer: LocalTextAnalyzer) -> None:
    result = analyze_one(
        analyzer, "RT @fan: Loved the new Nike running shoes at Paris Fashion Week! #SummerDress @Zara", "en"
    )
    assert result.hashtags == ("summerdress",)
    assert result.mentions == ("zara",)
    assert result.keyphrases == ("loved", "nike running shoes", "paris fashion week", "summer dress")
    assert result.categories == ("fashion", "sport", "lifestyle")  # "summer" is lifestyle
    assert result.entities == (
        Entity("Nike", "BRAND", 0.333),
        Entity("Zara", "BRAND", 0.333),
        Entity("Paris Fashion Week", "OTHER", 0.333),
    )
    versions = result.model_versions
    assert set(versions) == {"lang", "sentiment", "sentiment_features", "sentiment_slang", "taxonomy"}
    assert versions["lang"] == "function-words+lingua-1+2.1.1"
    assert versions["sentiment"].startswith("trendwatch-sentiment-en-5+")
    assert versions["sentiment_features"] == "vader-3.3.2"
    assert versions["sentiment_slang"] == "trendwatch-slang-1"
    assert versions["taxonomy"] == "trendwatch-taxonomy-1"


def test_accurate_profile_names_its_models() -> None:
    [result] = analyzer_for("accurate").analyze([TextItem("1", "Trop belle cette collection, bravo !")])
    assert result.lang == "fr"
    assert result.model_versions["lang"] == "lingua-2.1.1"
    assert result.model_versions["sentiment"].startswith("trendwatch-sentiment-fr-2+")
    assert result.model_versions["sentiment_features"] == "vader-3.3.2"


def test_results_keep_the_order_of_a_mixed_language_batch(analyzer: LocalTextAnalyzer) -> None:
    items = [
        TextItem("a", "Une robe sublime pour l'été"),
        TextItem("b", "What a lovely summer dress"),
        TextItem("c", "Je déteste attendre à la caisse"),
    ]
    results = analyzer.analyze(items)
    assert [(r.lang, r.sentiment.label) for r in results] == [
        ("fr", "positive"),
        ("en", "positive"),
        ("fr", "negative"),
    ]
    assert [r.model_versions["sentiment"].rsplit("-", 1)[0] for r in results] == [
        "trendwatch-sentiment-fr",
        "trendwatch-sentiment-en",
        "trendwatch-sentiment-fr",
    ]


def test_enrichment_round_trips_through_json(analyzer: LocalTextAnalyzer) -> None:
    result = analyze_one(analyzer, "J'adore #SummerDress @zara", "fr")
    assert msgspec.json.decode(msgspec.json.encode(result), type=TextEnrichment) == result


def test_every_profile_has_an_english_and_a_french_model() -> None:
    assert {profile: sorted(models) for profile, models in SENTIMENT_MODELS.items()} == {
        "fast": ["en", "fr"],
        "accurate": ["en", "fr"],
    }


_ANALYZERS: dict[str, LocalTextAnalyzer] = {}


def analyzer_for(profile: str) -> LocalTextAnalyzer:
    """One analyzer per profile for the whole module (loading models takes a moment)."""
    if profile not in _ANALYZERS:
        _ANALYZERS[profile] = LocalTextAnalyzer("fast" if profile == "fast" else "accurate")
    return _ANALYZERS[profile]


def test_languages_without_a_model_get_vader(analyzer: LocalTextAnalyzer) -> None:
    result = analyze_one(analyzer, "Me encanta este vestido, es precioso y muy cómodo 😍")
    assert (result.lang, result.sentiment.label) == ("es", "positive")
    assert result.model_versions["sentiment"] == "vader-3.3.2"
    assert "sentiment_features" not in result.model_versions
