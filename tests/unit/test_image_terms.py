"""Terms from images: which words count, and how they sit next to the tweet's own terms."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from tests.unit.test_aggregate import T0, event
from trendwatch.adapters.local.clock import ManualClock
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.app.aggregate import AggregateService
from trendwatch.app.handling import Received
from trendwatch.contracts.cloudevents import PubSubMessage
from trendwatch.contracts.events import ImageAnalysis, MediaEnriched
from trendwatch.domain.image_terms import image_terms


def media(
    tweet_id: str, *, ocr_text: str = "", labels: tuple[str, ...] = (), logos: tuple[str, ...] = ()
) -> MediaEnriched:
    return MediaEnriched(
        media_key=f"m-{tweet_id}",
        tweet_id=tweet_id,
        author_id="a1",
        created_at=T0,
        content_sha256="0" * 64,
        analysis=ImageAnalysis(
            width=1, height=1, format="png", phash="0" * 16, ocr_text=ocr_text, labels=labels, logos=logos
        ),
    )


def test_ocr_words_are_lowercased_without_stopwords_short_words_or_repeats() -> None:
    facts = image_terms(
        media("t1", ocr_text="SOLDES de la Robe an lin -50% robe", labels=("Dress",), logos=("Nike",))
    )
    assert [(f.term, f.kind, f.lang, f.sentiment_label) for f in facts] == [
        ("nike", "logo", "und", "neutral"),
        ("dress", "label", "und", "neutral"),
        ("soldes", "ocr", "und", "neutral"),
        ("robe", "ocr", "und", "neutral"),
        ("lin", "ocr", "und", "neutral"),
    ]


@pytest.mark.parametrize("image_first", [True, False])
def test_a_term_in_both_text_and_image_keeps_the_text_fact_whatever_the_order(
    tmp_path: Path, image_first: bool
) -> None:
    warehouse = DuckDBWarehouse(tmp_path / "w.duckdb")
    aggregate = AggregateService(warehouse, ManualClock(T0))
    image = Received(PubSubMessage("m", b""), media("t1", ocr_text="Summer soldes"))
    tagged = event("t1", "a1", 0, ("summer",))
    enrichment = msgspec.structs.replace(tagged.value.enrichment, keyphrases=("summer",))
    text = Received(tagged.message, msgspec.structs.replace(tagged.value, enrichment=enrichment))
    if image_first:
        aggregate.add_media([image])
    aggregate.add_tweets([text])
    if not image_first:
        aggregate.add_media([image])
    rows = warehouse.query("SELECT term, kind, lang FROM tweet_terms ORDER BY term")
    assert [(r["term"], r["kind"], r["lang"]) for r in rows] == [
        ("#summer", "hashtag", "en"),
        ("soldes", "ocr", "und"),
        ("summer", "keyphrase", "en"),
    ]
