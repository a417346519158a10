"""Near-duplicate group of each newly analysed image, against the images already stored.

Candidates come from the warehouse by dHash distance (``BIT_COUNT`` on 32-bit halves of
the fingerprint's two hashes, since a 64-bit hex value may not fit a signed INT64), within
:data:`LOOKBACK` of the batch's event times, so the scan stays bounded as the table grows;
they are verified and the batch is grouped in memory by
:class:`~trendwatch.domain.near_duplicates.NearDuplicateIndex`. Stored groups are never
changed, and an image already stored keeps its group when its event is delivered again.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from trendwatch.contracts.events import MediaEnriched
from trendwatch.domain.near_duplicates import (
    CANDIDATE_BITS,
    FINGERPRINT_LENGTH,
    Fingerprint,
    Member,
    NearDuplicateIndex,
)
from trendwatch.ports import Warehouse

#: How far apart in event time a repost and its original may be to share a group.
LOOKBACK = timedelta(days=30)
_WHOLE, _CENTRE = 1, 17  # 1-based positions of the two hashes in the fingerprint text


def _bits(position: int, probe: str) -> str:
    halves = ((position, f"(({probe} >> 32) & 0xFFFFFFFF)"), (position + 8, f"({probe} & 0xFFFFFFFF)"))
    return " + ".join(
        f"BIT_COUNT(CAST(CONCAT('0x', SUBSTR(fingerprint, {start}, 8)) AS INT64) ^ {value})"
        for start, value in halves
    )


# A stored image is a candidate when its whole-picture hash is near either view of a probe,
# or its centre hash near a probe's whole-picture hash (see ``candidate_bits``).
_CANDIDATES_SQL = f"""
SELECT media_key, fingerprint, near_duplicate_group
FROM media
WHERE near_duplicate_group IS NOT NULL
  AND LENGTH(fingerprint) = @length
  AND created_at BETWEEN @since AND @until
  AND (
    EXISTS (SELECT 1 FROM UNNEST(@any_view) AS p WHERE {_bits(_WHOLE, "p")} <= @bits)
    OR EXISTS (SELECT 1 FROM UNNEST(@whole_view) AS p WHERE {_bits(_CENTRE, "p")} <= @bits)
  )
"""


def _signed(value: int) -> int:
    return value - (1 << 64) if value >= 1 << 63 else value


def _fingerprint(event: MediaEnriched) -> Fingerprint | None:
    try:
        return Fingerprint.decode(event.analysis.fingerprint)
    except ValueError:
        return None  # an analyzer without fingerprints: the image stays in a group of its own


def assign_groups(warehouse: Warehouse, events: Sequence[MediaEnriched]) -> dict[str, str]:
    """Media key -> near-duplicate group for ``events``, taken in event-time order."""
    fingerprints = {e.media_key: f for e in events if (f := _fingerprint(e)) is not None}
    index = NearDuplicateIndex()
    if fingerprints:
        moments = [e.created_at for e in events]
        stored = warehouse.query(
            _CANDIDATES_SQL,
            {
                "length": FINGERPRINT_LENGTH,
                "since": min(moments) - LOOKBACK,
                "until": max(moments) + LOOKBACK,
                "bits": CANDIDATE_BITS,
                "any_view": sorted({_signed(h) for f in fingerprints.values() for h in f.hashes}),
                "whole_view": sorted({_signed(f.hashes[0]) for f in fingerprints.values()}),
            },
        )
        for row in sorted(stored, key=lambda r: str(r["media_key"])):
            index.place(
                Member(row["media_key"], Fingerprint.decode(row["fingerprint"]), row["near_duplicate_group"])
            )
    groups: dict[str, str] = {}
    for event in sorted(events, key=lambda e: (e.created_at, e.media_key)):
        fingerprint = fingerprints.get(event.media_key)
        groups[event.media_key] = (
            index.add(event.media_key, fingerprint) if fingerprint is not None else event.media_key
        )
    return groups
