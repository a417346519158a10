"""Properties of every input parser: whatever arrives, the answer is a value or the refusal the
contract names (:class:`InvalidEvent`, a quarantined row, :class:`InvalidImage`), never another
exception; and what a parser accepts, the next stage accepts too."""

from __future__ import annotations

import csv
import io
import json
import math
from typing import Any

import msgspec
from cloudevents.http import CloudEvent
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from tests.fakes.hostile_images import encode, noisy
from tests.fakes.tweets import stream_line
from trendwatch.adapters.local.image_analyzer import LocalImageAnalyzer
from trendwatch.app import decoding
from trendwatch.app.inventory import read_feed
from trendwatch.contracts.cloudevents import (
    InvalidEvent,
    PubSubMessage,
    StorageObject,
    parse_pubsub_cloudevent,
    parse_storage_cloudevent,
    pubsub_cloudevent,
    storage_cloudevent,
)
from trendwatch.contracts.events import Sentiment, TextEnrichment, TweetEnriched
from trendwatch.contracts.values import INT64_MAX
from trendwatch.domain.feeds import FEEDS, check_rows
from trendwatch.domain.tweets import Tweet
from trendwatch.ports import InvalidImage

#: Modest example counts keep the whole file within a few seconds.
QUICK = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: Values that broke parsers once: times without an offset or out of UTC's range, integers
#: beyond INT64 or a float, numeric text, lone surrogates.
EDGES = st.sampled_from(
    [
        "",
        "2026-11-02T10:00:01",
        "2026-11-02T10:00:01Z",
        "0001-01-01T00:00:00+05:00",
        "9999-12-31T23:59:59-05:00",
        "12",
        "-1",
        "1e3",
        "\ud800",
        2**63,
        -(2**63) - 1,
        2**64,
        10**400,
        -1,
        1.5,
        1e308,
    ]
)
SCALARS = st.one_of(
    EDGES,
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=30),
)
JSON = st.recursive(
    SCALARS,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=15,
)

GOOD_LINES = [
    json.loads(stream_line("1", "hello #deal", hashtags=("deal",), mentions=(("bob", "7"),))),
    json.loads(stream_line("2", "RT look", retweet_of=("1", "100"), media_keys=("3_1",))),
    json.loads(stream_line("3", "@bob yes", reply_to=("2", "7"))),
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a JSON document (the document itself included)."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*prefix, index))
    return found


def _replaced(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    copy = json.loads(json.dumps(document))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


@st.composite
def mutated(draw: st.DrawFn, documents: list[Any]) -> Any:
    """A good document with one to three of its values replaced by any JSON value."""
    document = draw(st.sampled_from(documents))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(_paths(document)))
        document = _replaced(document, path, draw(JSON))
    return document


def _stream_line_is_a_tweet_or_refused(line: bytes) -> None:
    try:
        tweet = decoding.raw_tweet(PubSubMessage("1", line))
    except InvalidEvent:
        return
    # What ingest accepts, aggregate accepts: aware times, counts within INT64.
    assert tweet.created_at.tzinfo is not None
    enriched = TweetEnriched(
        tweet=tweet, enrichment=TextEnrichment(lang="und", sentiment=Sentiment("neutral", 0.0))
    )
    assert decoding.tweet_enriched(PubSubMessage("2", msgspec.json.encode(enriched))).tweet == tweet


@QUICK
@given(mutated(GOOD_LINES))
def test_a_stream_line_with_any_values_is_a_tweet_or_refused(document: Any) -> None:
    _stream_line_is_a_tweet_or_refused(json.dumps(document).encode())


#: Where a value reaches the warehouse or a comparison: the tweet's essentials, its times and counts.
SENSITIVE_PATHS = [
    ("data", "created_at"),
    ("data", "id"),
    ("data", "author_id"),
    ("data", "text"),
    ("data", "public_metrics"),
    ("includes", "users", 0, "created_at"),
    ("includes", "users", 0, "public_metrics", "followers_count"),
]


@QUICK
@given(
    st.sampled_from(SENSITIVE_PATHS),
    st.one_of(EDGES, SCALARS, st.fixed_dictionaries({"like_count": SCALARS})),
)
def test_a_stream_line_with_any_value_where_it_matters_is_a_tweet_or_refused(
    path: tuple[Any, ...], value: Any
) -> None:
    _stream_line_is_a_tweet_or_refused(json.dumps(_replaced(GOOD_LINES[0], path, value)).encode())


@QUICK
@given(st.binary(max_size=300) | JSON.map(lambda value: json.dumps(value).encode()))
def test_any_bytes_as_a_stream_line_are_a_tweet_or_refused(line: bytes) -> None:
    _stream_line_is_a_tweet_or_refused(line)


@QUICK
@given(st.integers(1, 3000), st.sampled_from(["[", '{"a":', '{"data":[']))
def test_a_stream_line_nested_at_any_depth_is_a_tweet_or_refused(depth: int, opening: str) -> None:
    closing = {"[": "]", '{"a":': "}", '{"data":[': "]}"}[opening]
    _stream_line_is_a_tweet_or_refused((opening * depth + "1" + closing * depth).encode())


PUBSUB_ENVELOPES = [
    pubsub_cloudevent(
        PubSubMessage("9", b"payload", {"k": "v"}, topic="tweets-raw", delivery_attempt=2), "p"
    ).get_data()
]
STORAGE_ENVELOPES = [
    storage_cloudevent(StorageObject("landing", "feeds/orders/a.csv", "1", 12), "e").get_data()
]


@QUICK
@given(mutated(PUBSUB_ENVELOPES) | JSON)
def test_a_pubsub_cloudevent_with_any_data_is_a_message_or_refused(data: Any) -> None:
    event = CloudEvent({"type": "google.cloud.pubsub.topic.v1.messagePublished", "source": "//x"}, data)
    try:
        message = parse_pubsub_cloudevent(event)
    except InvalidEvent:
        return
    assert isinstance(message.data, bytes) and message.delivery_attempt >= 0
    assert message.publish_time.tzinfo is not None


@QUICK
@given(mutated(STORAGE_ENVELOPES) | JSON)
def test_a_storage_cloudevent_with_any_data_is_an_object_or_refused(data: Any) -> None:
    event = CloudEvent({"type": "google.cloud.storage.object.v1.finalized", "source": "//x"}, data)
    try:
        obj = parse_storage_cloudevent(event)
    except InvalidEvent:
        return
    assert obj.size >= 0 and obj.bucket and obj.name


def _rows_are_valid_or_quarantined(kind: str, fmt: str, body: bytes) -> None:
    try:
        rows, unreadable = read_feed(kind, f"feeds/{kind}/dt=2026-01-05/a.{fmt}", body)
    except InvalidEvent:
        return  # the whole file is unreadable as a feed: dead-lettered with the reason
    valid, invalid = check_rows(kind, rows)
    assert len(valid) + len(invalid) == len(rows)
    assert all(r.reasons for r in [*unreadable, *invalid])
    for good in valid:  # what is loaded fits the warehouse's types
        for value in msgspec.structs.astuple(good.row):
            if isinstance(value, int):
                assert -INT64_MAX - 1 <= value <= INT64_MAX
            if isinstance(value, float):
                assert math.isfinite(value)


FEED_VALUE = EDGES | SCALARS | st.lists(st.text(max_size=5), max_size=3) | st.just("9" * 5000)


@st.composite
def feed_rows(draw: st.DrawFn) -> tuple[str, list[dict[str, Any]]]:
    kind = draw(st.sampled_from(sorted(FEEDS)))
    columns = [f.name for f in FEEDS[kind].fields]
    row = st.fixed_dictionaries({}, optional=dict.fromkeys(columns, FEED_VALUE))
    return kind, draw(st.lists(row, min_size=1, max_size=4))


@QUICK
@given(feed_rows())
def test_jsonl_feed_rows_with_any_values_are_loaded_or_quarantined(
    case: tuple[str, list[dict[str, Any]]],
) -> None:
    kind, rows = case
    _rows_are_valid_or_quarantined(kind, "jsonl", "\n".join(json.dumps(r) for r in rows).encode())


@QUICK
@given(feed_rows())
def test_csv_feed_rows_with_any_values_are_loaded_or_quarantined(
    case: tuple[str, list[dict[str, Any]]],
) -> None:
    kind, rows = case
    columns = [f.name for f in FEEDS[kind].fields]
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(columns)
    writer.writerows([["" if r.get(c) is None else str(r[c]) for c in columns] for r in rows])
    _rows_are_valid_or_quarantined(kind, "csv", out.getvalue().encode("utf-8", "surrogatepass"))


@QUICK
@given(st.sampled_from(sorted(FEEDS)), st.sampled_from(["csv", "jsonl", "csv.gz"]), st.binary(max_size=400))
def test_any_bytes_as_a_feed_file_are_loaded_quarantined_or_refused(kind: str, fmt: str, body: bytes) -> None:
    _rows_are_valid_or_quarantined(kind, fmt, body)


SEED_IMAGES = [
    encode(noisy(12, 9), "PNG"),
    encode(noisy(12, 9), "JPEG"),
    encode(noisy(12, 9), "GIF"),
    encode(noisy(12, 9), "BMP"),
    encode(noisy(12, 9), "WEBP"),
    encode(Image.new("RGBA", (5, 4)), "PNG"),
]


@st.composite
def damaged_images(draw: st.DrawFn) -> bytes:
    """A small image of an accepted format, cut short and with some bytes (its header's
    included) overwritten."""
    data = bytearray(draw(st.sampled_from(SEED_IMAGES)))
    for _ in range(draw(st.integers(0, 6))):
        data[draw(st.integers(0, min(len(data) - 1, 64)))] = draw(st.integers(0, 255))
    return bytes(data[: draw(st.integers(0, len(data)))])


ANALYZER = LocalImageAnalyzer()


@QUICK
@given(damaged_images() | st.binary(max_size=200))
def test_any_bytes_as_an_image_are_analysed_or_refused(data: bytes) -> None:
    [outcome] = ANALYZER.analyze_many([data])
    assert isinstance(outcome, InvalidImage) or outcome.width * outcome.height > 0


def test_the_image_seeds_are_accepted_as_they_are() -> None:
    outcomes = ANALYZER.analyze_many(SEED_IMAGES)
    assert not [o for o in outcomes if isinstance(o, InvalidImage)]


def test_the_stream_line_seeds_are_accepted_as_they_are() -> None:
    tweets = [decoding.raw_tweet(PubSubMessage("1", json.dumps(line).encode())) for line in GOOD_LINES]
    assert all(isinstance(t, Tweet) for t in tweets)
