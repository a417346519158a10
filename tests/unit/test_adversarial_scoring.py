"""The strict scorer: only the first topic naming a trend's subject after its onset is true."""

from __future__ import annotations

from datetime import UTC, datetime

from trendwatch.evaluation.adversarial.scoring import ReportedTopic, overall, score
from trendwatch.evaluation.adversarial.truth import DecoyTruth, TrendTruth, Truth

ONSET = "2026-03-02T08:00:00+00:00"


def _trend(
    trend_id: str, phrases: tuple[str, ...], hashtags: tuple[str, ...], distinctive: tuple[str, ...]
) -> TrendTruth:
    return TrendTruth(
        trend_id, trend_id, "distinct", "step", ONSET, ("en",), phrases, hashtags, distinctive, 100
    )


TRUTH = Truth(
    generator="test",
    seed=1,
    minutes=120,
    rate=5.0,
    start="2026-03-02T07:00:00+00:00",
    end="2026-03-02T09:00:00+00:00",
    tweets=1000,
    trends=[
        _trend("cloud-slides", ("cloud slides",), ("#CloudSlides",), ("slides",)),
        _trend("bamboo-backpack", ("bamboo backpack",), ("#BambooBackpack",), ()),
    ],
    decoys=[
        DecoyTruth("bot_ring", "#GlowDropz", ("#GlowDropz",), "2026-03-02T07:30:00+00:00", None),
        DecoyTruth("surge", "volume x2.0", (), "2026-03-02T08:30:00+00:00", "2026-03-02T08:45:00+00:00"),
    ],
)


def _topic(label: str, hh_mm: str, *terms: str) -> ReportedTopic:
    hour, minute = map(int, hh_mm.split(":"))
    return ReportedTopic(label, list(terms), datetime(2026, 3, 2, hour, minute, tzinfo=UTC), 50.0)


def test_fragments_early_topics_filler_and_decoys_count_false() -> None:
    topics = [
        _topic("cloud slides", "08:05", "#cloudslides"),
        _topic("slides everywhere", "08:09", "slides"),  # the same trend again: a fragment
        _topic("obsessed", "08:10", "everywhere"),  # filler names nothing
        _topic("glowdropz", "08:12", "#GlowDropz", "slides"),  # names the bot ring, though also the trend
        _topic("cloud slides", "07:50"),  # before the onset minus two minutes
        _topic("haul", "08:35"),  # during the surge
    ]
    result = score(1, TRUTH, topics)
    verdicts = {
        (j.topic.label, j.topic.first_detected_at.minute): (j.verdict, j.names) for j in result.judged
    }
    assert verdicts == {
        ("cloud slides", 50): ("early", "cloud-slides"),
        ("cloud slides", 5): ("true", "cloud-slides"),
        ("slides everywhere", 9): ("fragment", "cloud-slides"),
        ("obsessed", 10): ("false", ""),
        ("glowdropz", 12): ("decoy", "bot_ring #GlowDropz"),
        ("haul", 35): ("decoy", "surge volume x2.0"),
    }
    assert result.precision == 1 / 6
    assert result.recall == 0.5
    assert result.delays == {"cloud-slides": 5.0}
    assert result.decoys == ["bot_ring #GlowDropz", "surge volume x2.0"]


def test_common_words_alone_do_not_name_a_trend_made_of_them() -> None:
    result = score(
        1, TRUTH, [_topic("bamboo", "08:03", "backpack"), _topic("sac", "08:04", "#BambooBackpack")]
    )
    assert [j.verdict for j in result.judged] == ["false", "true"]


def test_overall_pools_topics_and_trends_over_seeds() -> None:
    first = score(1, TRUTH, [_topic("cloud slides", "08:04")])
    second = score(2, TRUTH, [_topic("bamboo backpack", "08:10"), _topic("obsessed", "08:11")])
    pooled = overall([first, second])
    assert (pooled.reported, pooled.true_topics, pooled.trends, pooled.detected) == (3, 2, 4, 2)
    assert pooled.precision == 2 / 3
    assert pooled.recall == 0.5
    assert pooled.median_delay == 7.0
