from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import numpy as np
import numpy.typing as npt

from trendwatch.domain.emergence import Mention, suspected_bots
from trendwatch.domain.topics import (
    Catalogue,
    Membership,
    TopicGrouper,
    detect_topics,
    epochs,
    glued,
    members_at,
)

START = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)

#: Tiny hand-made embedding space: the two dress phrases are close, the rest orthogonal.
_VECTORS = {"summer dress": [1.0, 0.0, 0.0], "floral summer dress": [0.95, 0.31, 0.0]}


def _embed(texts: Sequence[str]) -> npt.NDArray[np.float32]:
    rows = [_VECTORS.get(t, [0.0, 0.0, 1.0 if t == "honestly" else 0.0]) for t in texts]
    return np.asarray(rows, dtype=np.float32)


def _chatter(grouper: TopicGrouper, minute: int) -> None:
    """Forty tweets a minute on forty other subjects, a quarter of them "honestly": what makes a
    co-occurrence stand out, and a word said everywhere belong nowhere."""
    for k in range(40):
        grouper.observe(minute, [f"chatter {k}", *(["honestly"] if k % 4 == 0 else [])])


def _stream(grouper: TopicGrouper) -> None:
    """Background chatter, then English and French tweets about the summer dress."""
    for minute in range(40):
        _chatter(grouper, minute)
        grouper.observe(minute, ["coffee", "honestly"])
        grouper.observe(minute, ["linen shirt"])
        grouper.observe(minute, ["#summerdress", "summer dress"])
        grouper.observe(minute, ["robe d'été", "#robedete", "#summerdress"])
        if minute % 2:
            grouper.observe(minute, ["floral summer dress", "honestly"])


def test_variants_of_one_subject_join_one_topic_and_unrelated_terms_do_not() -> None:
    grouper = TopicGrouper(embed=_embed)
    _stream(grouper)

    dress = grouper.topic_of("#summerdress")
    assert dress == "term:#summerdress"
    assert {
        t: grouper.topic_of(t) for t in ("summer dress", "robe d'été", "#robedete", "floral summer dress")
    } == {
        "summer dress": dress,
        "robe d'été": dress,
        "#robedete": dress,
        "floral summer dress": dress,
    }
    assert grouper.topic_of("coffee") == "term:coffee"
    assert grouper.topic_of("linen shirt") == "term:linen shirt"
    assert grouper.topic_of("honestly") is None  # a filler word is no subject: in no topic


def test_reasons_record_how_each_term_joined() -> None:
    grouper = TopicGrouper(embed=_embed)
    _stream(grouper)

    reasons = {m.term: m.reason for m in grouper.history}
    assert reasons["#summerdress"] == "founder"
    assert reasons["summer dress"] == "spelling"
    assert reasons["floral summer dress"] == "embedding"
    # the French hashtag founded its own topic before it had company; co-occurrence merged it
    assert [m.reason for m in grouper.history if m.term == "robe d'été"] == ["spelling", "merge"]
    assert [(m.into, m.merged) for m in grouper.merges] == [("term:#summerdress", "term:#robedete")]
    assert glued("#Robe d'Été") == "robedete"


def test_two_runs_over_the_same_stream_give_the_same_ids() -> None:
    first, second = TopicGrouper(embed=_embed), TopicGrouper(embed=_embed)
    _stream(first)
    _stream(second)

    assert first.history == second.history and first.members() == second.members()


def test_a_restart_from_stored_membership_keeps_every_id() -> None:
    before = TopicGrouper(embed=_embed)
    _stream(before)
    stored = [Membership(m.term, m.topic_id, m.since, m.reason) for m in before.history]

    after = TopicGrouper(embed=_embed)
    after.restore(stored)
    # after the restart the French variant is seen first: it still belongs to the dress topic
    for minute in range(40, 50):
        _chatter(after, minute)
        after.observe(minute, ["robe d'été", "#robedete"])
        after.observe(minute, ["summer dress", "new summer dress"])

    assert after.topic_of("robe d'été") == before.topic_of("robe d'été") == "term:#summerdress"
    assert after.topic_of("new summer dress") == "term:new summer dress"
    assert after.topic_of("coffee") == "term:coffee"


def test_a_younger_topic_merges_into_the_older_one_with_lineage() -> None:
    grouper = TopicGrouper()
    for minute in range(10):
        grouper.observe(minute, ["cargo skirt"])
        grouper.observe(minute, ["jupe cargo"])
        grouper.observe(minute, ["coffee"])
    assert grouper.topic_of("jupe cargo") == "term:jupe cargo"
    for minute in range(10, 40):
        grouper.observe(minute, ["cargo skirt", "jupe cargo"])
        _chatter(grouper, minute)

    assert grouper.topic_of("jupe cargo") == "term:cargo skirt"
    [merge] = grouper.merges
    assert (merge.into, merge.merged) == ("term:cargo skirt", "term:jupe cargo")
    segments = epochs(grouper.history)
    assert members_at(segments["term:cargo skirt"], merge.minute - 1) == ("cargo skirt",)
    assert members_at(segments["term:cargo skirt"], merge.minute) == ("cargo skirt", "jupe cargo")
    assert members_at(segments["term:jupe cargo"], merge.minute) == ()


def _topic_alerts(per_variant: int, bots: bool = False) -> list[str]:
    """Two variants of one topic, each said by ``per_variant`` new authors a minute after minute 150."""
    history = [Membership("matcha latte", "term:matcha latte", 0, "founder")]
    history.append(Membership("latte au matcha", "term:matcha latte", 0, "cooccurrence"))
    mentions: dict[str, list[Mention]] = {"matcha latte": [], "latte au matcha": []}
    posts: list[tuple[int, str]] = []
    for minute in range(300):
        for term, tag in (("matcha latte", "en"), ("latte au matcha", "fr")):
            count = per_variant if minute >= 150 else (1 if minute % 4 == 0 else 0)
            for n in range(count):
                author = f"bot-{n}" if bots and minute >= 150 else f"{tag}-{minute}-{n}"
                for k in range(4 if bots and minute >= 150 else 1):
                    tweet = f"{tag}-{minute}-{n}-{k}"
                    mentions[term].append(Mention(minute, author, tweet, tweet))
                    posts.append((minute, author))
    exposure = [400] * 300
    alerts = detect_topics(history, mentions, exposure, START, suspected_bots(posts))
    return [f"{a.term}@{a.minute}" for a in alerts]


def test_a_topic_adds_the_voices_of_its_variants() -> None:
    """Two authors a minute per variant: the topic's four a minute alert, one variant's two alone later."""
    assert _topic_alerts(2) == ["term:matcha latte@156"]


def test_a_bot_farm_posting_a_topic_does_not_alert_it() -> None:
    assert _topic_alerts(6, bots=True) == []
    assert _topic_alerts(6) == ["term:matcha latte@151"]


def test_a_restart_that_reads_the_same_facts_again_changes_no_topic() -> None:
    """Stored membership history plus the facts read again: the same topics and the same epochs,
    merges included (they were decided before the restart and are not redone)."""
    before = TopicGrouper(embed=_embed)
    _stream(before)

    after = TopicGrouper(embed=_embed)
    after.restore(before.history)
    _stream(after)

    assert after.members() == before.members()
    assert epochs(after.history) == epochs(before.history)
    assert after.merges == []


def test_a_product_named_with_its_brand_does_not_vanish_into_the_brand() -> None:
    """Brewhaven is talked about for many drinks; its new matcha latte is named with the brand
    in most tweets. The latte's tweets mostly carry the brand, but the brand's tweets mostly do
    not carry the latte: the latte is a part of the brand, not a synonym, and keeps its own topic."""
    grouper = TopicGrouper()
    for minute in range(60):
        _chatter(grouper, minute)
        for drink in ("oat latte", "cold brew", "chai", "espresso"):
            grouper.observe(minute, ["brewhaven", drink])
        if minute >= 30:
            grouper.observe(minute, ["brewhaven", "matcha latte"])
            grouper.observe(minute, ["brewhaven", "matcha latte"])
            grouper.observe(minute, ["matcha latte"])

    assert grouper.topic_of("matcha latte") == "term:matcha latte"
    assert grouper.topic_of("brewhaven") == "term:brewhaven"
    assert grouper.merges == []


def _cottagecore_then_lamp_alone(grouper: TopicGrouper) -> None:
    """The lamp is first only ever shown with #cottagecore (and joins its topic), then goes
    viral on its own, in tweets that no longer say #cottagecore."""
    for minute in range(30):
        _chatter(grouper, minute)
        grouper.observe(minute, ["#cottagecore", "mushroom lamp"])
        grouper.observe(minute, ["#cottagecore", "#mushroomlamp", "mushroom lamp"])
    for minute in range(30, 60):
        _chatter(grouper, minute)
        grouper.observe(minute, ["#cottagecore"])
        for _ in range(8):
            grouper.observe(minute, ["mushroom lamp", "#mushroomlamp"])


def test_a_term_that_goes_its_own_way_splits_off_with_lineage() -> None:
    grouper = TopicGrouper()
    _cottagecore_then_lamp_alone(grouper)

    assert grouper.topic_of("#cottagecore") == "term:#cottagecore"
    assert grouper.topic_of("mushroom lamp") == "term:mushroom lamp"
    # the spelling variant goes with it
    assert grouper.topic_of("#mushroomlamp") == "term:mushroom lamp"
    assert grouper.members()["term:#cottagecore"] == ["#cottagecore"]
    [split] = grouper.splits
    assert (split.parent, split.into, split.term) == (
        "term:#cottagecore",
        "term:mushroom lamp",
        "mushroom lamp",
    )
    assert 30 <= split.minute < 60
    segments = epochs(grouper.history)
    assert "mushroom lamp" in members_at(segments["term:#cottagecore"], split.minute - 1)
    assert members_at(segments["term:#cottagecore"], split.minute) == ("#cottagecore",)
    assert members_at(segments["term:mushroom lamp"], split.minute)[0] == "mushroom lamp"
    assert {m.reason for m in grouper.history if m.since == split.minute} == {"split"}


def test_a_split_survives_a_restart() -> None:
    before = TopicGrouper()
    _cottagecore_then_lamp_alone(before)

    after = TopicGrouper()
    after.restore(before.history)
    _cottagecore_then_lamp_alone(after)

    assert after.members() == before.members()
    assert epochs(after.history) == epochs(before.history)
    assert after.splits == [] and after.merges == []


CATALOGUE = [
    ("Casa Ondine", ["mushroom lamp", "lampe champignon", "MushroomLamp", "LampeChampignon", "casa ondine"]),
    ("Nordvik", ["ceramic vase", "vase en céramique", "nordvik"]),
    ("Casa Ondine", ["ceramic vase", "vase en céramique", "casa ondine"]),
]


def test_catalogue_keywords_of_one_product_share_an_anchor_and_brands_do_not() -> None:
    catalogue = Catalogue.of(CATALOGUE)
    anchors = catalogue.anchors

    assert anchors["mushroomlamp"] == anchors["lampechampignon"]
    assert anchors["ceramicvase"] == anchors["vaseenceramique"] != anchors["mushroomlamp"]
    assert "casaondine" not in anchors and "nordvik" not in anchors
    assert catalogue.brands == {"casaondine", "nordvik"}
    assert catalogue.apart("#MushroomLamp", "Casa Ondine") and catalogue.apart(
        "mushroom lamp", "ceramic vase"
    )
    assert not catalogue.apart("lampe champignon", "mushroom lamp") and not catalogue.apart(
        "coffee", "nordvik"
    )


def test_names_of_one_catalogue_product_join_one_topic_across_languages() -> None:
    """English and French tweets about the lamp never share a word or a hashtag; the catalogue
    lists both names for the same product, so they are one topic. The brand, named with the lamp
    and with its other products, is not."""
    grouper = TopicGrouper(catalogue=Catalogue.of(CATALOGUE))
    for minute in range(20):
        _chatter(grouper, minute)
        grouper.observe(minute, ["mushroom lamp", "casa ondine"])
        grouper.observe(minute, ["lampe champignon", "#lampechampignon"])
        for other in ("ceramic vase", "linen throw", "rattan chair"):
            grouper.observe(minute, ["casa ondine", other])

    lamp = grouper.topic_of("mushroom lamp")
    assert grouper.topic_of("lampe champignon") == grouper.topic_of("#lampechampignon") == lamp
    assert [m.reason for m in grouper.history if m.term == "#lampechampignon"] == ["catalogue"]
    assert grouper.topic_of("casa ondine") != lamp
    assert grouper.topic_of("ceramic vase") != lamp


def test_a_listed_product_never_merges_into_its_brand() -> None:
    """Early on, the lamp is only ever named with its brand and the brand mostly with the lamp:
    co-occurrence alone would fold the lamp into the brand; the catalogue says they differ."""
    plain, listed = TopicGrouper(), TopicGrouper(catalogue=Catalogue.of(CATALOGUE))
    for grouper in (plain, listed):
        for minute in range(20):
            _chatter(grouper, minute)
            grouper.observe(minute, ["casa ondine", "mushroom lamp"])

    assert plain.topic_of("mushroom lamp") == plain.topic_of("casa ondine")
    assert listed.topic_of("mushroom lamp") == "term:mushroom lamp" != listed.topic_of("casa ondine")


def test_a_phrase_naming_one_listed_product_is_about_it() -> None:
    catalogue = Catalogue.of(CATALOGUE)
    lamp = catalogue.anchors["mushroomlamp"]

    assert catalogue.anchor_of("good mushroom lamp") == catalogue.anchor_of("lampe champignon casa") == lamp
    assert catalogue.anchor_of("#MushroomLamp") == lamp
    # a brand, or two products at once name no one product
    assert catalogue.anchor_of("casa ondine") is None
    assert catalogue.anchor_of("mushroom lamp ceramic vase") is None


def test_short_names_of_one_listed_product_are_about_it_and_shared_words_are_not() -> None:
    """People shorten "sac à dos en bambou" to #SacBambou and "plateau de sardines" to
    "sardines"; "bambou" alone is both the backpack and the toothbrush."""
    catalogue = Catalogue.of(
        [
            ("Pureroot", ["bamboo backpack", "sac à dos en bambou"]),
            ("Pureroot", ["bamboo toothbrush", "brosse à dents en bambou"]),
            ("Miche", ["tinned fish board", "plateau de sardines"]),
            ("Lumen", ["pleated lampshade", "abat-jour plissé"]),
        ]
    )
    backpack, board = catalogue.anchors["bamboobackpack"], catalogue.anchors["tinnedfishboard"]

    assert catalogue.anchor_of("#SacBambou") == catalogue.anchor_of("sac bambou") == backpack
    assert catalogue.anchor_of("testé plateau sardine") == board
    # a single word joins its product's topic, but never founds it: it may be common talk
    assert catalogue.anchor_of("sardines") == catalogue.anchor_of("testé sardines") == board
    assert catalogue.anchor_of("sardines", words=False) is None
    assert catalogue.anchor_of("#PleatedLamp") == catalogue.anchors["pleatedlampshade"]
    assert catalogue.anchor_of("bambou") is None
    assert catalogue.anchor_of("bamboo") is None
    assert catalogue.anchor_of("obsessed") is None


def test_template_fragments_join_the_product_they_name() -> None:
    grouper = TopicGrouper(catalogue=Catalogue.of(CATALOGUE))
    for minute in range(10):
        _chatter(grouper, minute)
        grouper.observe(minute, ["mushroom lamp"])
        grouper.observe(minute, ["mushroom lamp day"])
        grouper.observe(minute, ["lampe champignon casa"])

    lamp = grouper.topic_of("mushroom lamp")
    assert grouper.topic_of("mushroom lamp day") == grouper.topic_of("lampe champignon casa") == lamp


def _product_and_word(word_alone: int) -> list[str]:
    """From minute 150, ten people a minute post "matcha latte" with the word "latte" beside it;
    ``word_alone`` other people a minute say "latte" without matcha (an oat latte, say)."""
    history = [
        Membership("matcha latte", "term:matcha latte", 0, "founder"),
        Membership("latte", "term:latte", 0, "founder"),
    ]
    mentions: dict[str, list[Mention]] = {"matcha latte": [], "latte": []}
    for minute in range(300):
        risen = minute >= 150
        for n in range(10 if risen else (1 if minute % 4 == 0 else 0)):
            tweet = f"m-{minute}-{n}"
            mentions["matcha latte"].append(Mention(minute, tweet, tweet, tweet))
            if risen:
                mentions["latte"].append(Mention(minute, tweet, tweet, tweet))
        for n in range(word_alone if risen else (1 if minute % 3 == 0 else 0)):
            tweet = f"l-{minute}-{n}"
            mentions["latte"].append(Mention(minute, tweet, tweet, tweet))
    alerts = detect_topics(history, mentions, [400] * 300, START, {})
    return sorted({a.term for a in alerts})


def test_a_word_that_rises_only_beside_a_bigger_emergence_is_its_fragment() -> None:
    assert _product_and_word(word_alone=0) == ["term:matcha latte"]


def test_a_word_with_a_rise_of_its_own_is_not_a_fragment() -> None:
    """Twelve people a minute say "latte" without matcha: most of its tweets are its own."""
    assert _product_and_word(word_alone=12) == ["term:latte", "term:matcha latte"]


def test_a_ring_counts_once_per_window_and_people_every_minute() -> None:
    """Eight accounts retweeting one another, every minute from minute 150: one voice a window."""
    history = [Membership("#ringtag", "term:#ringtag", 0, "founder")]
    ring = [f"ring-{n}" for n in range(8)]
    mentions: list[Mention] = []
    amplified: dict[str, str] = {}
    for minute in range(150, 300):
        for n, author in enumerate(ring):
            tweet = f"{minute}-{n}"
            mentions.append(Mention(minute, author, tweet, tweet))
            amplified[tweet] = ring[(n + (1 if minute % 2 else -1)) % len(ring)]
    for minute in range(0, 300, 5):
        mentions.append(Mention(minute, f"person-{minute}", f"p-{minute}", f"p-{minute}"))
    by_term = {"#ringtag": mentions}
    exposure = [400] * 300

    # without the amplification facts the ring is eight people; with them, one voice
    assert [a.term for a in detect_topics(history, by_term, exposure, START, {})] == ["term:#ringtag"]
    assert detect_topics(history, by_term, exposure, START, {}, amplified=amplified) == []


def test_a_common_word_of_a_product_name_does_not_found_its_topic() -> None:
    """ "peau" names only the serum in this catalogue, but people said it before the serum
    trended: the word keeps its own topic and the serum's names found the product's."""
    catalogue = Catalogue.of([("Glowberry", ["glass skin serum", "sérum peau de verre"])])
    grouper = TopicGrouper(catalogue=catalogue)
    for minute in range(10):
        _chatter(grouper, minute)
        grouper.observe(minute, ["peau"])
    for minute in range(10, 20):
        grouper.observe(minute, ["glass skin serum"])
        grouper.observe(minute, ["sérum peau de verre"])

    assert grouper.topic_of("peau") == "term:peau"
    assert (
        grouper.topic_of("sérum peau de verre")
        == grouper.topic_of("glass skin serum")
        == "term:glass skin serum"
    )
