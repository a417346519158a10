"""The API's production application on the gcp backend, built from ``TRENDWATCH_*`` as Cloud Run
starts it: BigQuery and Cloud Storage through the real client libraries, against a local fake
of BigQuery's REST transport and fake-gcs-server."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import google.auth
import pytest
from fastapi.testclient import TestClient
from google.auth.credentials import AnonymousCredentials
from google.cloud import storage

from tests.fakes.gcs_server import FakeGcsServer
from tests.fakes.google_rest import FakeGoogleRest
from tests.fakes.iap_tokens import AUDIENCE, SigningKey
from trendwatch.adapters.gcp.storage import GcsBlobStore
from trendwatch.api import app, queries
from trendwatch.api.app import app_from_env
from trendwatch.api.iap import IAP_HEADER
from trendwatch.app.enrich_image import MEDIA_PREFIX

PROJECT = "trendwatch-prod"
#: Where the prod environment's lake is, as Terraform names it (``<project>-lake``).
LAKE = f"{PROJECT}-lake"
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(64))
#: A recorded ``jobs.query`` answer to the model-metrics statement (timestamps in microseconds).
METRICS_ANSWER: dict[str, Any] = {
    "kind": "bigquery#queryResponse",
    "jobReference": {"projectId": PROJECT, "jobId": "job_1", "location": "EU"},
    "jobComplete": True,
    "schema": {
        "fields": [
            {"name": "model", "type": "STRING", "mode": "NULLABLE"},
            {"name": "version", "type": "STRING", "mode": "NULLABLE"},
            {"name": "dataset", "type": "STRING", "mode": "NULLABLE"},
            {"name": "metric", "type": "STRING", "mode": "NULLABLE"},
            {"name": "value", "type": "FLOAT", "mode": "NULLABLE"},
            {"name": "evaluated_at", "type": "TIMESTAMP", "mode": "NULLABLE"},
            {"name": "total", "type": "INTEGER", "mode": "NULLABLE"},
        ]
    },
    "totalRows": "1",
    "rows": [
        {
            "f": [
                {"v": "trendwatch-sentiment-fr"},
                {"v": "2"},
                {"v": "umsab_french_val"},
                {"v": "macro_recall"},
                {"v": "0.61"},
                {"v": "1793613600000000"},
                {"v": "1"},
            ]
        }
    ],
    "totalBytesProcessed": "0",
    "cacheHit": False,
}


@pytest.fixture
def production(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, FakeGoogleRest]]:
    """``app_from_env`` for ``TRENDWATCH_ENV=prod``, its clients pointed at the fakes (anonymous
    credentials), the lake bucket holding one image; requests come through IAP for an
    administrator (IAP's keys made here instead of Google's)."""
    iap_key = SigningKey("iap-key-1")
    monkeypatch.setattr(app, "GoogleIapKeys", lambda: {iap_key.key_id: iap_key.public_pem}.get)
    monkeypatch.setenv("TRENDWATCH_IAP_AUDIENCE", AUDIENCE)
    monkeypatch.setenv("TRENDWATCH_API_ROLES", '{"dana@shop.example": "administrator"}')
    with FakeGoogleRest(METRICS_ANSWER) as bigquery_api, FakeGcsServer() as gcs:
        gcs.create_bucket(LAKE)
        monkeypatch.setenv("STORAGE_EMULATOR_HOST", gcs.url)
        monkeypatch.setenv("BIGQUERY_EMULATOR_HOST", bigquery_api.url)
        monkeypatch.setattr(google.auth, "default", lambda *_, **__: (AnonymousCredentials(), PROJECT))  # type: ignore[no-untyped-call]
        client = storage.Client(project=PROJECT, credentials=AnonymousCredentials())  # type: ignore[no-untyped-call]
        GcsBlobStore(LAKE, client=client).write(f"{MEDIA_PREFIX}3_1.png", PNG, "image/png")
        monkeypatch.setenv("TRENDWATCH_ENV", "prod")
        yield TestClient(app_from_env(), headers={IAP_HEADER: iap_key.token()}), bigquery_api


def test_model_metrics_come_from_the_environments_dataset_on_bigquery(
    production: tuple[TestClient, FakeGoogleRest],
) -> None:
    client, bigquery_api = production

    page = client.get("/api/v1/model-metrics", params={"metric": "macro_recall"}).json()

    assert page["total"] == 1
    assert page["items"] == [
        {
            "model": "trendwatch-sentiment-fr",
            "version": "2",
            "dataset": "umsab_french_val",
            "metric": "macro_recall",
            "value": 0.61,
            "evaluated_at": "2026-11-02T10:00:00Z",
        }
    ]
    [(path, sent)] = bigquery_api.requests
    assert path.split("?")[0] == f"/bigquery/v2/projects/{PROJECT}/queries"
    assert sent["query"] == queries.MODEL_METRICS
    assert sent["defaultDataset"] == {"projectId": PROJECT, "datasetId": "trendwatch"}
    assert int(sent["maximumBytesBilled"]) > 0


def test_the_production_app_refuses_requests_that_did_not_come_through_iap(
    production: tuple[TestClient, FakeGoogleRest],
) -> None:
    client, bigquery_api = production

    answer = client.get("/api/v1/model-metrics", headers={IAP_HEADER: ""})

    assert answer.status_code == 401
    assert bigquery_api.requests == []


def test_images_are_read_from_the_environments_lake_bucket(
    production: tuple[TestClient, FakeGoogleRest],
) -> None:
    client, _ = production

    image = client.get("/api/v1/media/3_1")

    assert image.status_code == 200
    assert image.headers["content-type"] == "image/png" and image.content == PNG
    assert client.get("/api/v1/media/3_2").status_code == 404
