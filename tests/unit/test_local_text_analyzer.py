"""The offline text analyzer: language, sentiment, extracted terms and model versions."""

from __future__ import annotations

import msgspec
import numpy as np
import pytest

from trendwatch.adapters.local.sentiment_model import (
    FEATURIZER_VERSION,
    SentimentModel,
    featurize,
    load_lexicon,
    tokens,
)
from trendwatch.adapters.local.text_analyzer import FRENCH_MODEL, LocalTextAnalyzer, choose_language
from trendwatch.contracts.events import Entity, TextEnrichment
from trendwatch.ports import TextAnalyzer, TextItem


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
    assert result.lang_confidence > 0.5


def test_language_hint_decides_very_short_ambiguous_texts(analyzer: LocalTextAnalyzer) -> None:
    assert analyze_one(analyzer, "so cute 😍").lang == "fr"  # what lingua alone guesses
    assert analyze_one(analyzer, "so cute 😍", lang_hint="en").lang == "en"
    assert analyze_one(analyzer, "trop bien", lang_hint="fr").lang == "fr"


def test_language_hint_does_not_override_a_clear_text(analyzer: LocalTextAnalyzer) -> None:
    text = "Je cherche une robe légère pour les vacances, des idées ?"
    assert analyze_one(analyzer, text, lang_hint="en").lang == "fr"


def test_text_without_words_falls_back_to_the_hint_or_und(analyzer: LocalTextAnalyzer) -> None:
    assert (analyze_one(analyzer, "😍😍 https://t.co/x", "fr").lang, analyze_one(analyzer, "😍😍").lang) == (
        "fr",
        "und",
    )
    assert analyze_one(analyzer, "😍😍").lang_confidence == 0.0


def test_non_language_hints_are_ignored_and_unknown_languages_trusted() -> None:
    assert choose_language([], "und", 0) == ("und", 0.0)
    assert choose_language([], "ja", 0) == ("ja", 0.0)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("I love this dress, it is absolutely beautiful! 😍", "positive"),
        ("This is the worst customer service ever, I hate it", "negative"),
        ("The store opens at nine on Monday", "neutral"),
        ("These shoes are not good", "negative"),
    ],
)
def test_english_sentiment_comes_from_vader(analyzer: LocalTextAnalyzer, text: str, label: str) -> None:
    result = analyze_one(analyzer, text, "en")
    assert result.lang == "en"
    assert result.sentiment.label == label
    assert result.model_versions["sentiment"] == "vader-3.3.2"


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("J'adore cette robe, elle est magnifique ! 😍", "positive"),
        ("Super produit, je recommande, merci !", "positive"),
        ("Franchement c'est nul, je déteste cette marque", "negative"),
        ("Le nouveau sac est pas terrible", "negative"),
        ("Le magasin ouvre demain à neuf heures", "neutral"),
    ],
)
def test_french_sentiment_comes_from_the_packaged_model(
    analyzer: LocalTextAnalyzer, text: str, label: str
) -> None:
    result = analyze_one(analyzer, text, "fr")
    assert result.lang == "fr"
    assert result.sentiment.label == label
    assert result.model_versions["sentiment"] == "trendwatch-sentiment-fr-1"


def test_sentiment_score_is_a_polarity_whose_sign_follows_the_label(analyzer: LocalTextAnalyzer) -> None:
    items = [
        TextItem("en+", "Absolutely love it, best purchase ever!"),
        TextItem("en-", "Terrible quality, total waste of money"),
        TextItem("fr+", "Trop belle cette collection, bravo !"),
        TextItem("fr-", "Quelle déception, la qualité est horrible"),
    ]
    scores = [r.sentiment.score for r in analyzer.analyze(items)]
    assert all(-1.0 <= s <= 1.0 for s in scores)
    assert scores[0] > 0.5 and scores[2] > 0.3
    assert scores[1] < -0.5 and scores[3] < -0.3


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
    assert result.model_versions == {
        "lang": "lingua-2.1.1-low-accuracy",
        "sentiment": "vader-3.3.2",
        "taxonomy": "trendwatch-taxonomy-1",
    }


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


def test_enrichment_round_trips_through_json(analyzer: LocalTextAnalyzer) -> None:
    result = analyze_one(analyzer, "J'adore #SummerDress @zara", "fr")
    assert msgspec.json.decode(msgspec.json.encode(result), type=TextEnrichment) == result


def test_accurate_profile_uses_full_lingua_models_for_short_tweets() -> None:
    # Low-accuracy mode reads this one as French; the full models get it right.
    item = TextItem("1", "I can't wait for the weekend sales @Sephora #BeautyHaul")
    [result] = LocalTextAnalyzer("accurate").analyze([item])
    assert (result.lang, result.model_versions["lang"]) == ("en", "lingua-2.1.1")


def test_negation_marks_the_next_words_until_punctuation() -> None:
    assert tokens("Not good at all. Great!") == ["not", "NOT_good", "NOT_at", "NOT_all", ".", "great", "!"]
    assert tokens("c'est pas terrible @bob http://x.co") == ["c'est", "pas", "NOT_terrible", "@user", "http"]


def test_featurizer_hashes_are_stable_across_runs() -> None:
    # The packaged weights are indexed by these hashes: a change here silently breaks the model.
    assert featurize("top", 2**18, "fr")[:4] == [70206, 60562, 60562, 60562]
    assert FEATURIZER_VERSION == 1


def test_lexicon_cues_depend_on_negation() -> None:
    _, cues = load_lexicon("fr")
    assert cues["adore"] == ("lex|pos", "lex|neg")
    assert cues["terrible"] == (None, "lex|neg")
    assert cues["😍"] == ("lex|pos", "lex|neg")


def test_packaged_french_model_records_its_provenance_and_validation_score() -> None:
    model = SentimentModel.load(FRENCH_MODEL)
    assert model.info.tag == "trendwatch-sentiment-fr-1"
    assert set(model.info.training_files) == {"umsab_french_train.tsv", "umsab_french_val.tsv"}
    assert model.info.metrics["val_macro_recall"] > 0.6
    probabilities = model.predict_proba(["J'adore", "Je déteste", ""])
    assert probabilities.shape == (3, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0)


def test_model_trained_with_another_featurizer_is_refused() -> None:
    model = SentimentModel.load(FRENCH_MODEL)
    stale = msgspec.structs.replace(model.info, featurizer_version=FEATURIZER_VERSION + 1)
    with pytest.raises(ValueError, match="featuriser"):
        SentimentModel(stale, np.zeros((stale.n_features, 3), np.float32), np.zeros(3))
