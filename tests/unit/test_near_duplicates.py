from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import sqlglot
from PIL import Image, ImageDraw
from sqlglot import exp

from trendwatch.adapters.gcp.bigquery import query_parameter
from trendwatch.adapters.local.clock import ManualClock
from trendwatch.adapters.local.image_analyzer import LocalImageAnalyzer
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.app.aggregate import AggregateService
from trendwatch.app.handling import Received
from trendwatch.app.media_groups import assign_groups
from trendwatch.contracts.cloudevents import PubSubMessage
from trendwatch.contracts.events import ImageAnalysis, MediaEnriched
from trendwatch.domain.near_duplicates import (
    GRID,
    Fingerprint,
    NearDuplicateIndex,
    candidate_bits,
    grid_distance,
    group_images,
    hamming,
    match_distance,
    pair_scores,
)
from trendwatch.evaluation.images import TRANSFORMATIONS, repost
from trendwatch.generator.catalog import build_catalog
from trendwatch.generator.images import png_bytes, render
from trendwatch.ports import Row

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
ANALYZER = LocalImageAnalyzer()


def fingerprint(data: bytes) -> Fingerprint:
    return Fingerprint.decode(ANALYZER.analyze(data).fingerprint)


@pytest.fixture(scope="module")
def pictures() -> list[Image.Image]:
    rng = random.Random(5)
    catalog = build_catalog(rng)
    return [render(rng, rng.choice(catalog)) for _ in range(12)]


def test_hamming_counts_differing_bits() -> None:
    assert hamming(0xF0F0, 0xF0F3) == 2
    assert hamming(0, 1 << 63) == 1
    assert hamming(0x0F0F0F0F0F0F0F0F, 0xF0F0F0F0F0F0F0F0) == 64


def test_fingerprint_text_round_trips_within_quantisation(pictures: list[Image.Image]) -> None:
    original = fingerprint(png_bytes(pictures[0]))
    decoded = Fingerprint.decode(original.encode())
    assert decoded.hashes == original.hashes
    assert float(np.abs(decoded.grid - original.grid).max()) <= 0.5
    assert decoded.encode() == original.encode()
    with pytest.raises(ValueError, match="hex digits"):
        Fingerprint.decode("abc")


@pytest.mark.parametrize("transformation", TRANSFORMATIONS)
def test_a_repost_matches_its_original(pictures: list[Image.Image], transformation: str) -> None:
    rng = random.Random(transformation)
    for picture in pictures[:6]:
        original = fingerprint(png_bytes(picture))
        reposted = fingerprint(repost(transformation, rng, picture))
        assert match_distance(original, reposted) is not None
        assert match_distance(reposted, original) is not None


def test_a_crop_of_five_percent_from_every_side_still_matches(pictures: list[Image.Image]) -> None:
    picture = pictures[0]
    dx, dy = round(picture.width * 0.05), round(picture.height * 0.05)
    cropped = picture.crop((dx, dy, picture.width - dx, picture.height - dy))
    assert match_distance(fingerprint(png_bytes(picture)), fingerprint(png_bytes(cropped))) is not None


def test_different_pictures_are_kept_apart(pictures: list[Image.Image]) -> None:
    prints = [fingerprint(png_bytes(p)) for p in pictures]
    assert [
        (i, j)
        for i in range(len(prints))
        for j in range(i + 1, len(prints))
        if match_distance(prints[i], prints[j])
    ] == []


def product_photo(shape: str, colour: tuple[int, int, int]) -> bytes:
    """A product of one colour on the same beige backdrop: only the product's outline differs."""
    image = Image.new("RGB", (320, 240), (225, 210, 190))
    draw = ImageDraw.Draw(image)
    if shape == "bag":
        draw.rectangle((100, 80, 220, 200), fill=colour)
        draw.arc((120, 30, 200, 110), 180, 360, fill=colour, width=8)
    else:
        draw.polygon([(160, 30), (250, 210), (70, 210)], fill=colour)
    return png_bytes(image)


def test_different_products_in_the_same_colours_are_kept_apart_by_their_hashes() -> None:
    bag, lamp = (
        fingerprint(product_photo("bag", (180, 40, 40))),
        fingerprint(product_photo("lamp", (180, 40, 40))),
    )
    assert grid_distance(bag, lamp) < 5  # same colours in the same places, mostly
    assert match_distance(bag, lamp) is None


def test_the_same_product_shot_in_another_colour_is_kept_apart_by_the_colour_grid() -> None:
    red, blue = (
        fingerprint(product_photo("bag", (180, 40, 40))),
        fingerprint(product_photo("bag", (40, 60, 170))),
    )
    assert candidate_bits(red, blue) <= 2  # the outlines agree
    assert match_distance(red, blue) is None


def test_groups_are_assigned_online_and_a_new_repost_joins_the_existing_group(
    pictures: list[Image.Image],
) -> None:
    rng = random.Random(1)
    index = NearDuplicateIndex()
    assert index.add("a0", fingerprint(png_bytes(pictures[0]))) == "a0"
    assert index.add("b0", fingerprint(png_bytes(pictures[1]))) == "b0"
    assert index.add("a1", fingerprint(repost("jpeg", rng, pictures[0]))) == "a0"
    assert index.add("b1", fingerprint(repost("overlay", rng, pictures[1]))) == "b0"
    assert index.add("a2", fingerprint(repost("crop 5 %", rng, pictures[0]))) == "a0"
    # A key already placed keeps its group whatever fingerprint comes with it again.
    assert index.add("a1", fingerprint(png_bytes(pictures[1]))) == "a0"
    assert len(index) == 5


def test_pair_scores_count_pairs() -> None:
    truth = {"a": 1, "b": 1, "c": 2, "d": 2}
    assert pair_scores(truth, {"a": "x", "b": "x", "c": "y", "d": "z"}) == (1.0, 0.5)
    assert pair_scores(truth, {"a": "x", "b": "x", "c": "x", "d": "x"}) == (2 / 6, 1.0)


def test_group_images_follows_the_given_order(pictures: list[Image.Image]) -> None:
    rng = random.Random(2)
    images = [
        ("resized", fingerprint(repost("resize", rng, pictures[3]))),
        ("other", fingerprint(png_bytes(pictures[4]))),
        ("original", fingerprint(png_bytes(pictures[3]))),
    ]
    assert group_images(images) == {"resized": "resized", "other": "other", "original": "resized"}


def media(media_key: str, data: bytes, at: datetime = T0) -> Received[MediaEnriched]:
    analysis = ANALYZER.analyze(data)
    event = MediaEnriched(
        media_key=media_key,
        tweet_id=f"t-{media_key}",
        author_id="u1",
        created_at=at,
        content_sha256="0" * 64,
        analysis=analysis,
    )
    return Received(PubSubMessage(media_key, b""), event)


def stored_groups(warehouse: DuckDBWarehouse) -> list[tuple[str, str]]:
    rows = warehouse.query("SELECT media_key, near_duplicate_group FROM media ORDER BY media_key")
    return [(r["media_key"], r["near_duplicate_group"]) for r in rows]


def test_aggregate_keeps_group_ids_stable_across_batches_and_redelivery(
    tmp_path: Path, pictures: list[Image.Image]
) -> None:
    rng = random.Random(3)
    warehouse = DuckDBWarehouse(tmp_path / "w.duckdb")
    aggregate = AggregateService(warehouse, ManualClock(T0))
    a, b = pictures[5], pictures[6]
    aggregate.add_media([media("m1", png_bytes(a)), media("m2", png_bytes(b))])
    aggregate.add_media(
        [
            media("m3", repost("crop 5 %", rng, a), T0 + timedelta(hours=2)),
            media("m4", repost("overlay", rng, b), T0 + timedelta(days=3)),
            media("m5", png_bytes(pictures[7])),
        ]
    )
    aggregate.add_media([media("m1", png_bytes(a)), media("m6", repost("resize", rng, a))])
    assert stored_groups(warehouse) == [
        ("m1", "m1"),
        ("m2", "m2"),
        ("m3", "m1"),
        ("m4", "m2"),
        ("m5", "m5"),
        ("m6", "m1"),
    ]


def test_aggregate_does_not_group_beyond_the_lookback(tmp_path: Path, pictures: list[Image.Image]) -> None:
    warehouse = DuckDBWarehouse(tmp_path / "w.duckdb")
    aggregate = AggregateService(warehouse, ManualClock(T0))
    aggregate.add_media([media("old", png_bytes(pictures[8]))])
    aggregate.add_media([media("new", png_bytes(pictures[8]), T0 + timedelta(days=45))])
    assert stored_groups(warehouse) == [("new", "new"), ("old", "old")]


def test_an_image_without_fingerprint_has_a_group_of_its_own(tmp_path: Path) -> None:
    warehouse = DuckDBWarehouse(tmp_path / "w.duckdb")
    aggregate = AggregateService(warehouse, ManualClock(T0))
    bare = MediaEnriched(
        media_key="m1",
        tweet_id="t1",
        author_id="u1",
        created_at=T0,
        content_sha256="0" * 64,
        analysis=ImageAnalysis(width=1, height=1, format="png", phash="0" * 16),
    )
    aggregate.add_media([Received(PubSubMessage("m1", b""), bare)])
    assert stored_groups(warehouse) == [("m1", "m1")]


class RecordingWarehouse:
    """Keeps the queries asked and answers none: no image is stored yet."""

    def __init__(self) -> None:
        self.queries: list[tuple[str, dict[str, Any]]] = []

    def query(self, sql: str, params: Mapping[str, Any] | None = None) -> list[dict[str, Any]]:
        self.queries.append((sql, dict(params or {})))
        return []

    def execute(self, sql: str, params: Mapping[str, Any] | None = None) -> None:
        raise AssertionError("grouping only reads")

    def query_arrow(self, sql: str, params: Mapping[str, Any] | None = None) -> Any:
        raise AssertionError("grouping only reads")

    def replace_partition(self, table: str, day: date, rows: Any) -> None:
        raise AssertionError("grouping only reads")

    def merge_rows(
        self, table: str, rows: Sequence[Row], *, update: bool = True, update_when: str | None = None
    ) -> None:
        raise AssertionError("grouping only reads")

    def append_rows(self, table: str, rows: Sequence[Row]) -> None:
        raise AssertionError("grouping only reads")

    def ensure_indexes(self) -> list[str]:
        raise AssertionError("grouping only reads")


def test_candidate_lookup_parses_as_bigquery_with_parameters_bigquery_can_type() -> None:
    # The whole-picture hash has its top bit set: over INT64's range unless passed as signed.
    whole, centre = 0xFEDCBA9876543210, 0x0123456789ABCDEF
    fingerprint = Fingerprint((whole, centre), np.full((GRID, GRID, 3), 50.0))
    event = MediaEnriched(
        media_key="m1",
        tweet_id="t1",
        author_id="u1",
        created_at=T0,
        content_sha256="0" * 64,
        analysis=ImageAnalysis(
            width=1, height=1, format="png", phash="0" * 16, fingerprint=fingerprint.encode()
        ),
    )
    warehouse = RecordingWarehouse()
    assert assign_groups(warehouse, [event]) == {"m1": "m1"}
    [(sql, params)] = warehouse.queries

    tree = sqlglot.parse_one(sql, read="bigquery", error_level=sqlglot.ErrorLevel.RAISE)
    assert isinstance(tree, exp.Select)
    assert {p.name for p in tree.find_all(exp.Parameter)} == set(params)
    assert {"BITWISE_COUNT", "UNNEST", "EXISTS"} <= {f.sql_name() for f in tree.find_all(exp.Func)}
    assert {c.to.sql("bigquery") for c in tree.find_all(exp.Cast)} == {"INT64"}
    int64_array = {"type": "ARRAY", "arrayType": {"type": "INT64"}}
    assert {
        name: query_parameter(name, value).to_api_repr()["parameterType"] for name, value in params.items()
    } == {
        "length": {"type": "INT64"},
        "since": {"type": "TIMESTAMP"},
        "until": {"type": "TIMESTAMP"},
        "bits": {"type": "INT64"},
        "any_view": int64_array,
        "whole_view": int64_array,
    }
    assert params["whole_view"] == [whole - (1 << 64)]
    assert params["any_view"] == [whole - (1 << 64), centre]
