"""Tweet text taken apart: tokens, hashtags, mentions, keyphrases, categories, entities."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from trendwatch.domain.text import (
    EntityMention,
    categorize,
    categorize_text,
    detection_text,
    extract_entities,
    extract_hashtags,
    extract_keyphrases,
    extract_mentions,
    find_brand,
    has_plain_words,
    readable_text,
    scan,
    split_hashtag,
    stopwords,
    strip_elision,
    strip_retweet_prefix,
    taxonomy,
    without_hashtags,
)
from trendwatch.evaluation.text import language_cases, read_sets

DATA = Path(__file__).resolve().parents[2] / "data" / "labelled"
TWEET = "RT @Zara_Official: Loving my new #SummerDress 😍😍 from @Zara! https://t.co/xyz #OOTD #été2024"


def test_scan_drops_the_retweet_prefix_and_classifies_tokens() -> None:
    kinds = [(t.kind, t.text) for t in scan(TWEET)]
    assert kinds == [
        ("word", "Loving"),
        ("word", "my"),
        ("word", "new"),
        ("hashtag", "#SummerDress"),
        ("sep", "😍😍"),
        ("word", "from"),
        ("mention", "@Zara"),
        ("sep", "!"),
        ("url", "https://t.co/xyz"),
        ("hashtag", "#OOTD"),
        ("hashtag", "#été2024"),
    ]


#: The scanner as first written: one regular expression with a named group per kind, and the
#: kind of each match read from it.
_REFERENCE_SCAN = re.compile(
    r"""
    (?P<url>https?://\S+|www\.\S+)
    |(?P<mention>(?<![\w@])@\w+)
    |(?P<hashtag>(?<![\w#&])[#＃]\w*[^\W\d]\w*)
    |(?P<word>\w+(?:['’-]\w+)*)
    |(?P<sep>[^\w\s]+)
    """,
    re.VERBOSE | re.IGNORECASE,
)
#: Where the look-behinds and the order of the alternatives matter, and characters that change
#: when lower-cased or that match ``s`` ignoring case.
TRICKY = [
    "a@b @@c x@user #1 ##x a#b &#x; #_ ＃été l'été aujourd’hui well-known",
    "https://t.co/x HTTP://X.FR httpſ://x www.shop.fr awww.x https http://",
    "İstanbul K ſ café\u0301 😍\ufe0f👍🏽 …!!! ??",
    "RT @Bob: RT @Ann: nested",
    "vintage leather biker jacket summer sale collection #SummerDressCollectionNewSeason2024Edition x",
    "",
]


def reference_scan(text: str) -> list[tuple[str | None, str]]:
    return [(m.lastgroup, m.group()) for m in _REFERENCE_SCAN.finditer(strip_retweet_prefix(text))]


def test_scan_is_the_plain_scan_of_the_first_version() -> None:
    for text in [text for text, _ in language_cases(read_sets(DATA))] + [TWEET, *TRICKY]:
        assert [(t.kind, t.text) for t in scan(text)] == reference_scan(text), text


def test_hashtags_are_lowercased_deduplicated_and_keep_accents() -> None:
    assert extract_hashtags(TWEET + " #ootd") == ("summerdress", "ootd", "été2024")


def test_numbers_only_and_url_fragments_are_not_hashtags() -> None:
    assert extract_hashtags("Top #1 at https://example.com/page#section and a#b") == ()


def test_mentions_are_lowercased_and_exclude_emails() -> None:
    assert extract_mentions("Thanks @Nike and @nike, write to shop@example.com") == ("nike",)


def test_mention_of_the_retweeted_author_is_not_a_mention_of_the_text() -> None:
    assert extract_mentions(TWEET) == ("zara",)


@pytest.mark.parametrize(
    ("tag", "words"),
    [
        ("SummerDress", ["summer", "dress"]),
        ("BlackFriday2024", ["black", "friday", "2024"]),
        ("NYFWLooks", ["nyfw", "looks"]),
        ("summer_dress", ["summer", "dress"]),
        ("ÉtéIndien", ["été", "indien"]),
        ("ootd", ["ootd"]),
    ],
)
def test_hashtags_split_at_case_digit_and_underscore_changes(tag: str, words: list[str]) -> None:
    assert split_hashtag(tag) == tuple(words)


def test_keyphrases_split_camelcase_hashtags_and_skip_stopwords_urls_and_emojis() -> None:
    assert extract_keyphrases(TWEET, "en") == ("loving", "summer dress", "ootd", "été")


def test_french_keyphrases_drop_elided_articles_and_french_stopwords() -> None:
    text = "J'adore les robes d'été de chez Zara, vraiment sublimes !! #ModeFemme"
    assert extract_keyphrases(text, "fr") == ("adore", "robes", "zara", "vraiment sublimes", "mode femme")


def test_keyphrases_are_at_most_three_words_and_never_numbers_only() -> None:
    text = "Vintage leather biker jacket sale 2024 50"
    assert extract_keyphrases(text, "en") == ("vintage leather biker", "jacket sale")


def reference_keyphrases(text: str, lang: str | None) -> tuple[str, ...]:
    """:func:`extract_keyphrases` as first written, word by word with nothing cached."""
    phrases: dict[str, None] = {}
    run: list[str] = []

    def flush() -> None:
        for i in range(0, len(run), 3):
            phrases[" ".join(run[i : i + 3])] = None
        run.clear()

    def feed(word: str) -> None:
        word = strip_elision(word).lower()
        if len(word) < 2 or word in stopwords(lang) or not any(c.isalpha() for c in word):
            flush()
        else:
            run.append(word)

    for token in scan(text):
        if token.kind == "word":
            feed(token.text)
            continue
        flush()
        if token.kind == "hashtag":
            for word in split_hashtag(token.text[1:]):
                feed(word)
            flush()
    flush()
    return tuple(phrases)


@pytest.mark.parametrize("lang", ["en", "fr", None])
def test_keyphrases_of_the_labelled_tweets_are_those_of_the_plain_computation(lang: str | None) -> None:
    texts = [text for text, _ in language_cases(read_sets(DATA))] + [
        TWEET,
        "#l'été a b c d e f #X1 ok",
        *TRICKY,
    ]
    for text in texts:
        assert extract_keyphrases(text, lang) == reference_keyphrases(text, lang), text


def test_unknown_language_uses_english_and_french_stopwords() -> None:
    assert stopwords("es") == stopwords(None) == stopwords("en") | stopwords("fr")
    assert extract_keyphrases("the robe de la boutique", "es") == ("robe", "boutique")


def test_elision_is_stripped_only_for_french_articles_and_pronouns() -> None:
    assert [strip_elision(w) for w in ("l'été", "qu’il", "don't", "aujourd'hui")] == [
        "été",
        "il",
        "don't",
        "aujourd'hui",
    ]


@pytest.mark.parametrize(
    ("terms", "lang", "expected"),
    [
        (["new dresses"], "en", ("fashion",)),
        (["robes"], "fr", ("fashion",)),
        (["chapeaux"], "fr", ("fashion",)),
        (["rouge à lèvres"], "fr", ("beauty",)),
        (["skincare"], "en", ("beauty",)),
        (["my skin care routine"], "en", ("beauty",)),
        (["canape", "Canapé"], "fr", ("home",)),
        (["running shoes"], "en", ("fashion", "sport")),
        (["latte", "workout"], "en", ("food_drink", "sport")),
        (["iphone"], "fr", ("tech",)),
        (["black friday"], "en", ("lifestyle",)),
        (["nike"], "en", ("fashion", "sport")),
        (["a quiet day"], "en", ()),
    ],
)
def test_categories_match_keywords_across_plural_accents_and_languages(
    terms: list[str], lang: str, expected: tuple[str, ...]
) -> None:
    assert categorize(terms, lang) == expected


def test_french_keywords_do_not_fire_in_english_text() -> None:
    assert categorize(["robe"], "en") == ()
    assert categorize(["robe"], None) == ("fashion",)


def test_categorize_text_reads_words_and_hashtags() -> None:
    text = "Les boucles d'oreilles et le sac à main de chez Sephora #SkinCare #homedecor"
    assert categorize_text(text, "fr") == ("fashion", "beauty", "home")


def test_taxonomy_has_the_seven_retail_categories_with_english_and_french_keywords() -> None:
    tax = taxonomy()
    assert tax.categories == ("fashion", "beauty", "home", "food_drink", "sport", "tech", "lifestyle")
    for category in tax.categories:
        assert any(category in cats for cats in tax.keywords["en"].values())
        assert any(category in cats for cats in tax.keywords["fr"].values())


def test_brands_are_found_in_any_spelling_the_taxonomy_lists() -> None:
    assert find_brand("L’ORÉAL") == find_brand("loreal")
    brand = find_brand("h&m".replace("&", " "))
    assert brand is not None and brand.name == "H&M"
    assert find_brand("unknown label") is None


def test_entities_are_brands_in_words_hashtags_and_mentions_and_capitalised_names() -> None:
    entities = extract_entities("Loved the Louis Vuitton show at Paris Fashion Week with @Nike and #Zara")
    assert entities == (
        EntityMention("Louis Vuitton", "BRAND", 0.25),
        EntityMention("Nike", "BRAND", 0.25),
        EntityMention("Zara", "BRAND", 0.25),
        EntityMention("Paris Fashion Week", "OTHER", 0.25),
    )


def test_all_caps_shouting_is_not_an_entity() -> None:
    assert extract_entities("I LOVE THIS SO MUCH") == ()


def test_detection_text_keeps_plain_words_or_falls_back_to_hashtag_words() -> None:
    assert detection_text("@bob I love it 😍 #SummerDress https://x.co") == "I love it"
    assert detection_text("@bob #SummerDress #BeachLife https://x.co") == "summer dress beach life"


def test_plain_words_are_letters_outside_hashtags_mentions_and_urls() -> None:
    assert has_plain_words("#SummerDress so cute")
    assert not has_plain_words("@bob #SummerDress 🔥 2024 https://x.co")
    assert without_hashtags("@bob #SummerDress 🔥 #OOTD") == "@bob 🔥"


def test_readable_text_drops_urls_mentions_and_retweet_prefix_and_spells_hashtags() -> None:
    assert readable_text("RT @a: so #GoodVibes!! 😍 @b http://x") == "so good vibes !! 😍"


def test_tied_brands_come_in_one_order_whatever_the_hash_seed() -> None:
    """Brands are found as sets; the entities must not depend on a process's string hashing."""
    code = "from trendwatch.domain.text import extract_entities; print(extract_entities('Zara et H&M et Sephora'))"
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(6)
    }

    assert len(outputs) == 1 and "BRAND" in next(iter(outputs))
