"""The Cloud Natural Language adapter against the real client library, talking REST to a local fake."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest
from google.api_core import exceptions
from google.api_core.retry import Retry
from google.auth.credentials import AnonymousCredentials
from google.cloud import language_v2

from tests.fakes.concurrency import at_once, slowly
from tests.fakes.google_rest import FakeGoogleRest
from trendwatch.adapters.gcp.language import CloudNaturalLanguageAnalyzer
from trendwatch.adapters.gcp.metering import is_retryable
from trendwatch.contracts.events import Entity, Sentiment
from trendwatch.ports import TextAnalyzer, TextItem

#: The shape of a recorded ``documents:annotateText`` answer (trimmed: one sentence, fewer entities).
RECORDED_RESPONSE: dict[str, Any] = {
    "sentences": [
        {
            "text": {"content": "Loved the new Nike running shoes in Paris!", "beginOffset": -1},
            "sentiment": {"magnitude": 0.9, "score": 0.9},
        }
    ],
    "entities": [
        {
            "name": "Nike",
            "type": "ORGANIZATION",
            "metadata": {"mid": "/m/0lwkh", "wikipedia_url": "https://en.wikipedia.org/wiki/Nike,_Inc."},
            "mentions": [
                {"text": {"content": "Nike", "beginOffset": -1}, "type": "PROPER", "probability": 0.98},
                {"text": {"content": "nike", "beginOffset": -1}, "type": "PROPER", "probability": 0.9},
            ],
        },
        {
            "name": "running shoes",
            "type": "CONSUMER_GOOD",
            "metadata": {},
            "mentions": [{"text": {"content": "running shoes", "beginOffset": -1}, "type": "COMMON"}],
        },
        {
            "name": "Paris",
            "type": "LOCATION",
            "metadata": {"mid": "/m/05qtj"},
            "mentions": [{"text": {"content": "Paris", "beginOffset": -1}, "type": "PROPER"}],
        },
        {"name": "2", "type": "NUMBER", "metadata": {"value": "2"}, "mentions": []},
    ],
    "documentSentiment": {"magnitude": 0.9, "score": 0.9},
    "languageCode": "en",
    "categories": [
        {"name": "/Sports/Individual Sports/Running & Walking", "confidence": 0.71},
        {"name": "/Apparel/Footwear/Athletic Shoes", "confidence": 0.64},
        {"name": "/Beauty & Fitness/Fitness", "confidence": 0.2},
    ],
    "languageSupported": True,
}
FRENCH_RESPONSE: dict[str, Any] = {
    "documentSentiment": {"magnitude": 0.6, "score": -0.6},
    "languageCode": "fr",
    "languageSupported": True,
}
QUOTA_ERROR = {"error": {"code": 429, "message": "Quota exceeded", "status": "RESOURCE_EXHAUSTED"}}
FAST_RETRY = Retry(predicate=is_retryable, initial=0.01, maximum=0.02, timeout=5.0)
TEXT = "Loved the new Nike running shoes in Paris! #RunningShoes @nike"


@pytest.fixture
def fake() -> Iterator[tuple[FakeGoogleRest, str]]:
    with FakeGoogleRest(RECORDED_RESPONSE) as api:
        yield api, api.url


@pytest.fixture
def analyzer(fake: tuple[FakeGoogleRest, str]) -> CloudNaturalLanguageAnalyzer:
    client = language_v2.LanguageServiceClient(
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        transport="rest",
        client_options={"api_endpoint": fake[1]},
    )
    return CloudNaturalLanguageAnalyzer(client=client, retry=FAST_RETRY)


def test_request_is_one_annotate_text_call_with_three_features(
    analyzer: CloudNaturalLanguageAnalyzer, fake: tuple[FakeGoogleRest, str]
) -> None:
    analyzer.analyze([TextItem("1", TEXT, "en")])
    [(path, body)] = fake[0].requests
    assert path.startswith("/v2/documents:annotateText")
    assert body["document"] == {"type": int(language_v2.Document.Type.PLAIN_TEXT), "content": TEXT}
    assert body["features"] == {
        "extractEntities": True,
        "extractDocumentSentiment": True,
        "classifyText": True,
    }


def test_response_maps_to_text_enrichment(analyzer: TextAnalyzer) -> None:
    [result] = analyzer.analyze([TextItem("1", TEXT, "en")])
    assert result.lang == "en"
    assert result.sentiment == Sentiment("positive", 0.9)
    assert result.entities == (
        Entity("Nike", "BRAND", 0.5),
        Entity("running shoes", "PRODUCT", 0.25),
        Entity("Paris", "LOCATION", 0.25),
    )
    assert result.categories == ("fashion", "sport")
    assert (result.hashtags, result.mentions) == (("runningshoes",), ("nike",))
    assert result.keyphrases == ("loved", "nike running shoes", "paris", "running shoes")
    assert result.model_versions["sentiment"] == "cloud-natural-language-v2"
    assert result.model_versions["taxonomy"] == "trendwatch-taxonomy-1"


def test_sparse_response_maps_to_neutral_and_empty_fields(
    analyzer: CloudNaturalLanguageAnalyzer, fake: tuple[FakeGoogleRest, str]
) -> None:
    fake[0].answers = [(200, {"languageCode": "fr-FR"}), (200, FRENCH_RESPONSE)]
    first, second = analyzer.analyze([TextItem("1", "Bof", None), TextItem("2", "Franchement déçue", None)])
    assert (first.lang, first.sentiment, first.entities, first.categories) == (
        "fr",
        Sentiment("neutral", 0.0),
        (),
        (),
    )
    assert second.sentiment == Sentiment("negative", -0.6)


def test_duplicated_text_is_analysed_once(
    analyzer: CloudNaturalLanguageAnalyzer, fake: tuple[FakeGoogleRest, str]
) -> None:
    first = analyzer.analyze([TextItem("1", TEXT), TextItem("2", TEXT)])
    again = analyzer.analyze([TextItem("3", TEXT)])
    assert first[0] == first[1] == again[0]
    assert len(fake[0].requests) == 1
    assert (analyzer.calls, analyzer.cache_hits) == (1, 2)


def test_quota_error_is_retried(
    analyzer: CloudNaturalLanguageAnalyzer, fake: tuple[FakeGoogleRest, str]
) -> None:
    fake[0].answers = [(429, QUOTA_ERROR), (429, QUOTA_ERROR)]
    [result] = analyzer.analyze([TextItem("1", TEXT)])
    assert result.sentiment.label == "positive"
    assert len(fake[0].requests) == 3


def test_invalid_request_is_not_retried(
    analyzer: CloudNaturalLanguageAnalyzer, fake: tuple[FakeGoogleRest, str]
) -> None:
    fake[0].answers = [(400, {"error": {"code": 400, "message": "bad", "status": "INVALID_ARGUMENT"}})]
    with pytest.raises(exceptions.BadRequest):
        analyzer.analyze([TextItem("1", TEXT)])
    assert len(fake[0].requests) == 1


def test_batch_logs_its_estimated_cost(
    analyzer: CloudNaturalLanguageAnalyzer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="trendwatch.adapters.gcp.language"):
        analyzer.analyze([TextItem("1", TEXT), TextItem("2", TEXT), TextItem("3", "x" * 1500)])
    [record] = caplog.records
    # 3 features x (1 unit for the tweet + 2 units for 1,500 characters); the duplicate is free.
    assert (record.api_calls, record.cache_hits, record.billing_units) == (2, 1, 9)  # type: ignore[attr-defined]
    assert record.estimated_cost_usd == 0.009  # type: ignore[attr-defined]
    assert record.estimated_cost_usd_per_1000_items == 3.0  # type: ignore[attr-defined]


def test_client_is_created_lazily_once(monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[object] = []

    def make_client() -> object:
        created.append(object())
        return created[-1]

    monkeypatch.setattr(language_v2, "LanguageServiceClient", make_client)
    analyzer = CloudNaturalLanguageAnalyzer()
    assert analyzer.analyze([]) == []
    assert created == []
    assert analyzer.client is analyzer.client
    assert len(created) == 1


def test_threads_that_need_the_client_at_once_share_one(monkeypatch: pytest.MonkeyPatch) -> None:
    created: list[object] = []

    def make_client() -> object:
        created.append(object())
        return created[-1]

    monkeypatch.setattr(language_v2, "LanguageServiceClient", slowly(make_client))
    analyzer = CloudNaturalLanguageAnalyzer()

    clients = at_once(lambda: analyzer.client)

    assert len(created) == 1
    assert all(client is created[0] for client in clients)
