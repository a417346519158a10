from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from trendwatch.adapters.local.clock import ManualClock
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.app.aggregate import AggregateService
from trendwatch.app.handling import Received
from trendwatch.contracts.cloudevents import PubSubMessage
from trendwatch.contracts.events import ImageAnalysis, MediaEnriched
from trendwatch.domain.near_duplicates import Member, NearDuplicateIndex, group_images, hamming

BASE = "f0f0f0f0f0f0f0f0"
TWO_BITS_OFF = "f0f0f0f0f0f0f0f3"
FAR = "0f0f0f0f0f0f0f0f"
TOP_BIT = "8000000000000000"
T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_hamming_counts_differing_bits() -> None:
    assert hamming(BASE, TWO_BITS_OFF) == 2
    assert hamming(BASE, FAR) == 64
    assert hamming("0000000000000000", TOP_BIT) == 1


def test_close_hashes_share_the_first_media_key_as_group() -> None:
    groups = group_images([("m2", BASE), ("m1", FAR), ("m3", TWO_BITS_OFF)], max_distance=4)
    assert groups == {"m2": "m2", "m1": "m1", "m3": "m2"}


def test_image_joins_the_nearest_group() -> None:
    index = NearDuplicateIndex(max_distance=8)
    index.place(Member("a", "00000000000000ff", "group-a"))  # 8 bits from the probe
    index.place(Member("b", "0000000000000001", "group-b"))  # 1 bit from the probe
    assert index.add("c", "0000000000000000") == "group-b"


def test_adding_a_known_key_keeps_its_group() -> None:
    index = NearDuplicateIndex(max_distance=4)
    index.add("m1", BASE)
    assert index.add("m1", FAR) == "m1"
    assert len(index) == 1


def test_near_finds_every_member_within_the_distance_and_no_other() -> None:
    index = NearDuplicateIndex(max_distance=3)
    hashes = [f"{1 << bit:016x}" for bit in range(64)] + ["0000000000000007", "000000000000000f"]
    for n, phash in enumerate(hashes):
        index.add(f"m{n}", phash)
    found = sorted(member.phash for _, member in index.near("0000000000000000"))
    expected = sorted(h for h in hashes if int(h, 16).bit_count() <= 3)
    assert found == expected
    assert len(found) == 65


def media(media_key: str, phash: str) -> Received[MediaEnriched]:
    event = MediaEnriched(
        media_key=media_key,
        tweet_id=f"t-{media_key}",
        author_id="u1",
        created_at=T0,
        content_sha256="0" * 64,
        analysis=ImageAnalysis(width=10, height=10, format="png", phash=phash),
    )
    return Received(PubSubMessage(media_key, b""), event)


def test_aggregate_assigns_groups_across_batches_and_keeps_them_on_redelivery(tmp_path: Path) -> None:
    warehouse = DuckDBWarehouse(tmp_path / "w.duckdb")
    aggregate = AggregateService(warehouse, ManualClock(T0))
    aggregate.add_media([media("m1", TOP_BIT), media("m2", BASE)])
    aggregate.add_media([media("m3", "8000000000000003"), media("m4", TWO_BITS_OFF), media("m5", FAR)])
    aggregate.add_media([media("m1", TOP_BIT)])
    rows = warehouse.query("SELECT media_key, near_duplicate_group FROM media ORDER BY media_key")
    assert [(r["media_key"], r["near_duplicate_group"]) for r in rows] == [
        ("m1", "m1"),
        ("m2", "m2"),
        ("m3", "m1"),
        ("m4", "m2"),
        ("m5", "m5"),
    ]
