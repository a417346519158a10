"""The BigQuery warehouse through the real client library, over REST to a local fake.

The fake answers ``jobs.query`` with recorded response shapes; the tests check what the
client sends (SQL, default dataset, typed parameters) and how answered rows are mapped.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from google.api_core import exceptions
from google.auth.credentials import AnonymousCredentials
from google.cloud import bigquery

from tests.fakes.bigquery_write import FakeBigQueryWrite
from trendwatch.adapters.gcp.bigquery import BigQueryWarehouse, ByteCaps
from trendwatch.adapters.gcp.bigquery_write import StorageWriteAppender
from trendwatch.adapters.gcp.container import gcp_container
from trendwatch.adapters.local.clock import ManualClock
from trendwatch.app.aggregate import _RECOMPUTE, AggregateService
from trendwatch.app.handling import Received
from trendwatch.app.scheduled import Deduplicate, EnsureIndexes
from trendwatch.contracts.cloudevents import PubSubMessage
from trendwatch.contracts.events import Sentiment, TextEnrichment, TweetEnriched
from trendwatch.domain.tweets import Author, Interaction, Tweet
from trendwatch.settings import DEFAULT_BQ_MAX_BYTES_WRITE, Settings
from trendwatch.warehouse.schema import INDEXES, TABLES, table
from trendwatch.warehouse.sql import deduplicate_statement, duplicates_statement, merge_statement

PROJECT, DATASET = "trendwatch-prod", "trendwatch"
T0 = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
JOB = {"projectId": PROJECT, "jobId": "job_1", "location": "EU"}
#: A recorded ``jobs.query`` answer to a DML or DDL statement.
DML_ANSWER: dict[str, Any] = {
    "kind": "bigquery#queryResponse",
    "jobReference": JOB,
    "jobComplete": True,
    "numDmlAffectedRows": "1",
    "totalBytesProcessed": "0",
    "cacheHit": False,
}
#: A recorded ``jobs.query`` answer to a SELECT (timestamps as int64 microseconds, as the client asks).
SELECT_ANSWER: dict[str, Any] = {
    "kind": "bigquery#queryResponse",
    "jobReference": JOB,
    "jobComplete": True,
    "schema": {
        "fields": [
            {"name": "term", "type": "STRING", "mode": "NULLABLE"},
            {"name": "tweet_count", "type": "INTEGER", "mode": "NULLABLE"},
            {"name": "sentiment_avg", "type": "FLOAT", "mode": "NULLABLE"},
            {"name": "verified", "type": "BOOLEAN", "mode": "NULLABLE"},
            {"name": "window_start", "type": "TIMESTAMP", "mode": "NULLABLE"},
            {"name": "snapshot_date", "type": "DATE", "mode": "NULLABLE"},
            {"name": "terms", "type": "STRING", "mode": "REPEATED"},
        ]
    },
    "totalRows": "2",
    "rows": [
        {
            "f": [
                {"v": "nike"},
                {"v": "3"},
                {"v": "0.25"},
                {"v": "true"},
                {"v": "1793613600000000"},
                {"v": "2026-11-02"},
                {"v": [{"v": "nike"}, {"v": "air max"}]},
            ]
        },
        {"f": [{"v": "adidas"}, {"v": "1"}, {"v": None}, {"v": None}, {"v": None}, {"v": None}, {"v": []}]},
    ],
    "totalBytesProcessed": "1024",
    "cacheHit": False,
}


class FakeBigQuery:
    """Records every request as ``(method, path, json body)``; answers from a queue, then ``DML_ANSWER``."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, Any]]] = []
        self.answers: list[tuple[int, dict[str, Any]]] = []
        self.uploads: list[bytes] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05})

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def queries(self) -> list[dict[str, Any]]:
        """The bodies of the ``jobs.query`` calls."""
        return [
            body for method, path, body in self.requests if method == "POST" and path.endswith("/queries")
        ]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, body: dict[str, Any]) -> None:
                fake.requests.append((self.command, self.path.split("?")[0], body))
                status, answer = fake.answers.pop(0) if fake.answers else (200, DML_ANSWER)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.path.startswith("/upload/"):  # a media upload (load job): multipart, kept raw
                    fake.uploads.append(body)
                    self._answer({"content_type": self.headers["Content-Type"]})
                else:
                    self._answer(json.loads(body))

            def do_GET(self) -> None:
                self._answer({})

            def log_message(self, format: str, *args: object) -> None:
                """No access log."""

        return Handler

    def __enter__(self) -> FakeBigQuery:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


@pytest.fixture
def fake() -> Iterator[FakeBigQuery]:
    with FakeBigQuery() as server:
        yield server


@pytest.fixture
def warehouse(fake: FakeBigQuery) -> BigQueryWarehouse:
    client = bigquery.Client(
        project=PROJECT,
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        client_options={"api_endpoint": fake.url},
    )
    return BigQueryWarehouse(PROJECT, DATASET, location="EU", client=client)


def scalar(type_: str, value: str | float | None) -> dict[str, Any]:
    return {"parameterType": {"type": type_}, "parameterValue": {"value": value}}


def test_query_runs_in_the_dataset_and_location_with_parameters_typed_by_value(
    fake: FakeBigQuery, warehouse: BigQueryWarehouse
) -> None:
    fake.answers.append((200, SELECT_ANSWER))

    warehouse.query(
        "SELECT * FROM term_windows WHERE term = @term",
        {
            "term": "nike",
            "n": 3,
            "ratio": 0.5,
            "flag": True,
            "at": T0,
            "day": date(2026, 11, 2),
            "starts": [T0],
            "missing": None,
        },
    )

    [sent] = fake.queries
    assert sent["query"] == "SELECT * FROM term_windows WHERE term = @term"
    assert sent["useLegacySql"] is False
    assert sent["defaultDataset"] == {"projectId": PROJECT, "datasetId": DATASET}
    assert sent["location"] == "EU"
    assert sent["parameterMode"] == "NAMED"
    by_name = {p.pop("name"): p for p in sent["queryParameters"]}
    assert by_name == {
        "term": scalar("STRING", "nike"),
        "n": scalar("INT64", "3"),
        "ratio": scalar("FLOAT64", 0.5),
        "flag": scalar("BOOL", "true"),
        "at": scalar("TIMESTAMP", "2026-11-02 10:00:00+00:00"),
        "day": scalar("DATE", "2026-11-02"),
        "starts": {
            "parameterType": {"type": "ARRAY", "arrayType": {"type": "TIMESTAMP"}},
            "parameterValue": {"arrayValues": [{"value": "2026-11-02 10:00:00+00:00"}]},
        },
        "missing": scalar("STRING", None),
    }


def test_query_returns_rows_as_dicts_of_json_friendly_values(
    fake: FakeBigQuery, warehouse: BigQueryWarehouse
) -> None:
    fake.answers.append((200, SELECT_ANSWER))

    rows = warehouse.query("SELECT term FROM term_windows")

    assert rows == [
        {
            "term": "nike",
            "tweet_count": 3,
            "sentiment_avg": 0.25,
            "verified": True,
            "window_start": "2026-11-02T10:00:00+00:00",
            "snapshot_date": "2026-11-02",
            "terms": ["nike", "air max"],
        },
        {
            "term": "adidas",
            "tweet_count": 1,
            "sentiment_avg": None,
            "verified": None,
            "window_start": None,
            "snapshot_date": None,
            "terms": [],
        },
    ]


def test_ensure_schema_creates_every_table_then_every_index_qualified_by_the_dataset(
    fake: FakeBigQuery, warehouse: BigQueryWarehouse
) -> None:
    assert warehouse.ensure_schema() == []

    sent = [q["query"] for q in fake.queries]
    assert sent[: len(TABLES)] == [t.bigquery_ddl(f"{PROJECT}.{DATASET}") for t in TABLES]
    assert sent[0].startswith(f"CREATE TABLE IF NOT EXISTS `{PROJECT}.{DATASET}.tweets`")
    assert sent[len(TABLES) :] == [
        f"CREATE SEARCH INDEX IF NOT EXISTS tweets_text ON `{PROJECT}.{DATASET}.tweets`(text)",
        f"CREATE VECTOR INDEX IF NOT EXISTS tweet_embeddings_ivf ON `{PROJECT}.{DATASET}.tweet_embeddings`"
        "(embedding) STORING (model, lang, created_at) OPTIONS (index_type = 'IVF', distance_type = 'COSINE')",
    ]
    assert len(sent) == len(TABLES) + len(INDEXES)


def test_the_daily_index_job_creates_what_it_can_and_names_the_index_bigquery_refused(
    fake: FakeBigQuery, warehouse: BigQueryWarehouse
) -> None:
    # BigQuery refuses the vector index while the table is too small to train it.
    refusal = {
        "code": 400,
        "message": "Not enough rows to train the vector index",
        "status": "INVALID_ARGUMENT",
    }
    fake.answers.extend(
        [
            (200, DML_ANSWER),
            (
                400,
                {"error": {**refusal, "errors": [{"reason": "invalidQuery", "message": refusal["message"]}]}},
            ),
        ]
    )

    pending = EnsureIndexes(warehouse).run()

    assert pending == ["tweet_embeddings_ivf"]
    assert [q["query"].split(" ON ")[0] for q in fake.queries] == [
        "CREATE SEARCH INDEX IF NOT EXISTS tweets_text",
        "CREATE VECTOR INDEX IF NOT EXISTS tweet_embeddings_ivf",
    ]


def test_merge_rows_sends_one_merge_with_the_deduplicated_rows_as_a_struct_array(
    fake: FakeBigQuery, warehouse: BigQueryWarehouse
) -> None:
    old = {"user_id": "7", "username": "old", "followers_count": 1, "last_seen_at": T0}
    new = {
        "user_id": "7",
        "username": "new",
        "followers_count": 2,
        "last_seen_at": "2026-11-02T11:00:00+00:00",
    }
    other = {"user_id": "8", "username": "eight", "verified": True, "account_created_at": None}

    warehouse.merge_rows("users", [old, other, new], update_when="S.last_seen_at > T.last_seen_at")

    [sent] = fake.queries
    source = (
        "(SELECT user_id, username, name, followers_count, following_count, tweet_count, verified, "
        "account_created_at, last_seen_at FROM UNNEST(@rows))"
    )
    assert sent["query"] == merge_statement(
        table("users"), source, update_when="S.last_seen_at > T.last_seen_at"
    )
    assert sent["defaultDataset"] == {"projectId": PROJECT, "datasetId": DATASET}
    [rows] = sent["queryParameters"]
    assert rows["name"] == "rows"
    assert rows["parameterType"]["arrayType"]["structTypes"] == [
        {"name": c.name, "type": {"type": c.type}} for c in table("users").columns
    ]
    values = [
        {name: v["value"] for name, v in r["structValues"].items()}
        for r in rows["parameterValue"]["arrayValues"]
    ]
    assert [(v["user_id"], v["username"], v["followers_count"], v["last_seen_at"]) for v in values] == [
        ("7", "new", "2", "2026-11-02 11:00:00+00:00"),
        ("8", "eight", None, None),
    ]
    assert values[1]["verified"] == "true"


def test_merge_rows_sends_json_as_text_parsed_in_sql_and_string_arrays_as_arrays(
    fake: FakeBigQuery, warehouse: BigQueryWarehouse
) -> None:
    row = {"media_key": "3_1", "colours": [{"name": "red", "fraction": 0.5}], "labels": ["shoe"]}

    warehouse.merge_rows("media", [row, {"media_key": "3_2"}], update=False)

    [sent] = fake.queries
    assert (
        "PARSE_JSON(colours) AS colours, ocr_text, labels, PARSE_JSON(model_versions) AS model_versions"
        in (sent["query"])
    )
    assert " WHEN MATCHED " not in sent["query"]
    first, second = (r["structValues"] for r in sent["queryParameters"][0]["parameterValue"]["arrayValues"])
    assert first["colours"] == {"value": '[{"fraction": 0.5, "name": "red"}]'}
    assert first["labels"] == {"arrayValues": [{"value": "shoe"}]}
    assert second["colours"] == {"value": None}
    assert second["labels"] == {"arrayValues": []}


def test_merge_rows_of_no_rows_sends_nothing(fake: FakeBigQuery, warehouse: BigQueryWarehouse) -> None:
    warehouse.merge_rows("users", [])

    assert fake.requests == []


def test_aggregate_appends_facts_and_sends_its_merges_unchanged_in_bigquery_dialect(
    fake: FakeBigQuery, warehouse: BigQueryWarehouse
) -> None:
    tweet = TweetEnriched(
        tweet=Tweet(
            "1",
            T0,
            Author("7", username="user7"),
            "Nouvelles #nike @adidas",
            interactions=(Interaction("mention", "7", "9", "1", T0),),
        ),
        enrichment=TextEnrichment(lang="fr", sentiment=Sentiment("positive", 0.8), hashtags=("nike",)),
    )

    with FakeBigQueryWrite() as write_service:
        appending = BigQueryWarehouse(
            PROJECT,
            DATASET,
            location="EU",
            client=warehouse.client,
            appender=StorageWriteAppender(PROJECT, DATASET, client=write_service.client()),
        )
        AggregateService(appending, ManualClock(T0)).add_tweets([Received(PubSubMessage("1", b""), tweet)])

    merges = [q["query"].split(" AS T ")[0] for q in fake.queries[:-2]]
    assert merges == ["MERGE INTO users", "MERGE INTO tweet_terms"]  # no DML for the facts
    assert [row["tweet_id"] for row in write_service.rows("tweets")] == ["1"]
    assert [row["target_user_id"] for row in write_service.rows("interactions")] == ["9"]
    recompute = fake.queries[-2:]
    assert [q["query"] for q in recompute] == [_RECOMPUTE["1m"], _RECOMPUTE["1h"]]
    assert {p["name"]: p["parameterType"] for p in recompute[1]["queryParameters"]} == {
        "starts": {"type": "ARRAY", "arrayType": {"type": "TIMESTAMP"}},
        "lo": {"type": "TIMESTAMP"},
        "hi": {"type": "TIMESTAMP"},
        "now": {"type": "TIMESTAMP"},
    }


def test_a_refused_statement_raises_bad_request(fake: FakeBigQuery, warehouse: BigQueryWarehouse) -> None:
    error = {"code": 400, "message": "Unrecognized name: nope at [1:8]", "status": "INVALID_ARGUMENT"}
    fake.answers.append(
        (400, {"error": {**error, "errors": [{"reason": "invalidQuery", "message": error["message"]}]}})
    )

    with pytest.raises(exceptions.BadRequest, match="Unrecognized name: nope"):
        warehouse.execute("SELECT nope")


def test_the_deduplicate_job_checks_each_append_only_table_and_repairs_with_typed_timestamps(
    fake: FakeBigQuery, warehouse: BigQueryWarehouse
) -> None:
    def check_answer(keys: int) -> dict[str, Any]:
        return {
            "kind": "bigquery#queryResponse",
            "jobReference": JOB,
            "jobComplete": True,
            "schema": {
                "fields": [
                    {"name": "duplicated_keys", "type": "INTEGER", "mode": "NULLABLE"},
                    {"name": "lo", "type": "TIMESTAMP", "mode": "NULLABLE"},
                    {"name": "hi", "type": "TIMESTAMP", "mode": "NULLABLE"},
                ]
            },
            "totalRows": "1",
            "rows": [
                {
                    "f": [
                        {"v": str(keys)},
                        {"v": "1793613600000000" if keys else None},
                        {"v": "1793617200000000" if keys else None},
                    ]
                }
            ],
        }

    appended = [t.name for t in TABLES if t.append_only]
    # the first table has a duplicated key, the others none
    fake.answers.extend(
        [(200, check_answer(1)), (200, DML_ANSWER)] + [(200, check_answer(0))] * (len(appended) - 1)
    )

    repaired = Deduplicate(warehouse, ManualClock(T0)).run()

    assert repaired == {appended[0]: 1}
    queries = [q["query"] for q in fake.queries]
    assert queries[0] == duplicates_statement(table(appended[0]))
    assert queries[1] == deduplicate_statement(table(appended[0]))
    assert queries[2:] == [duplicates_statement(table(name)) for name in appended[1:]]
    span = {p["name"]: p for p in fake.queries[1]["queryParameters"]}
    assert span == {
        "lo": scalar("TIMESTAMP", "2026-11-02 10:00:00+00:00") | {"name": "lo"},
        "hi": scalar("TIMESTAMP", "2026-11-02 11:00:00+00:00") | {"name": "hi"},
    }


def test_query_arrow_maps_the_answer_to_typed_columns(
    fake: FakeBigQuery, warehouse: BigQueryWarehouse
) -> None:
    fake.answers.append((200, SELECT_ANSWER))

    result = warehouse.query_arrow("SELECT * FROM term_windows")

    assert result.column("term").to_pylist() == ["nike", "adidas"]
    assert result.column("tweet_count").to_pylist() == [3, 1]
    assert result.column("snapshot_date").to_pylist() == [date(2026, 11, 2), None]
    assert result.column("window_start").to_pylist()[0] == T0


def test_replace_partition_loads_parquet_into_the_days_partition_with_write_truncate(
    fake: FakeBigQuery, warehouse: BigQueryWarehouse
) -> None:
    day = date(2026, 11, 3)
    names = table("restock_recommendations").column_names
    rows = pa.Table.from_pylist(
        [
            {
                n: {"as_of": day, "sku": "A", "location_id": "WH-EU-01", "recommended_quantity": 6}.get(n)
                for n in names
            }
        ]
    )
    job = {"jobReference": JOB, "status": {"state": "DONE"}, "configuration": {"load": {}}}
    fake.answers += [(200, job), (200, job)]

    warehouse.replace_partition("restock_recommendations", day, rows)

    [upload] = fake.uploads
    config = json.loads(upload.split(b"\r\n\r\n", 2)[1].split(b"\r\n--", 1)[0])["configuration"]["load"]
    assert config["destinationTable"] == {
        "projectId": PROJECT,
        "datasetId": DATASET,
        "tableId": "restock_recommendations$20261103",
    }
    assert (config["sourceFormat"], config["writeDisposition"]) == ("PARQUET", "WRITE_TRUNCATE")
    assert config["parquetOptions"] == {"enableListInference": True}
    parquet = upload[upload.index(b"PAR1") : upload.rindex(b"PAR1") + 4]
    assert pq.read_table(pa.BufferReader(parquet)).column("sku").to_pylist() == ["A"]


def test_every_query_job_carries_the_byte_cap_of_its_kind(fake: FakeBigQuery) -> None:
    """Reads and writes each carry their own ``maximumBytesBilled``: no statement the warehouse
    sends can bill more than its cap."""
    client = bigquery.Client(
        project=PROJECT,
        credentials=AnonymousCredentials(),  # type: ignore[no-untyped-call]
        client_options={"api_endpoint": fake.url},
    )
    warehouse = BigQueryWarehouse(
        PROJECT, DATASET, location="EU", client=client, byte_caps=ByteCaps(read=1_000, write=2_000)
    )
    fake.answers += [(200, SELECT_ANSWER), (200, SELECT_ANSWER)]

    warehouse.query("SELECT term FROM term_windows")
    warehouse.query_arrow("SELECT term FROM term_windows")
    warehouse.execute("DELETE FROM term_windows WHERE FALSE")
    warehouse.merge_rows("users", [{"user_id": "7", "username": "seven"}])
    warehouse.ensure_schema()

    caps = [sent.get("maximumBytesBilled") for sent in fake.queries]
    assert caps[:2] == ["1000", "1000"]
    assert caps[2:] == ["2000"] * (2 + len(TABLES) + len(INDEXES))


def test_the_deployed_warehouse_takes_its_byte_caps_from_the_settings() -> None:
    configured = Settings.from_env({"TRENDWATCH_ENV": "prod", "TRENDWATCH_BQ_MAX_BYTES_READ": "12345"})
    defaults = Settings.from_env({"TRENDWATCH_ENV": "prod"})

    warehouse = gcp_container(configured).warehouse

    assert isinstance(warehouse, BigQueryWarehouse)
    assert warehouse.byte_caps == ByteCaps(read=12345, write=DEFAULT_BQ_MAX_BYTES_WRITE)
    assert ByteCaps.from_settings(defaults) == ByteCaps()
