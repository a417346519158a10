"""Saved searches: stored in the warehouse, checked when saved, run newest first; the CLI round trip."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from tests.fakes import search_corpus
from tests.fakes.x_api_server import FakeXApi, JsonBody
from trendwatch.adapters.local.warehouse import DuckDBWarehouse
from trendwatch.app.saved_searches import (
    SavedSearch,
    SavedSearchNotFound,
    delete_search,
    get_search,
    list_searches,
    run_search,
    save_search,
    search_rule,
)
from trendwatch.cli import main
from trendwatch.query import QuerySyntaxError

MONDAY = datetime(2024, 6, 3, 9, 0, tzinfo=UTC)
TUESDAY = datetime(2024, 6, 4, 9, 0, tzinfo=UTC)


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[DuckDBWarehouse]:
    built = search_corpus.build(tmp_path / "warehouse.duckdb")
    yield built
    built.close()


def test_a_saved_search_is_stored_and_listed_by_name(warehouse: DuckDBWarehouse) -> None:
    save_search(warehouse, "robes", "robe OR dress", now=MONDAY)
    save_search(warehouse, "accents", "café", now=MONDAY)

    assert list_searches(warehouse) == [
        SavedSearch("accents", "café", MONDAY, MONDAY),
        SavedSearch("robes", "robe OR dress", MONDAY, MONDAY),
    ]


def test_saving_again_replaces_the_query_and_keeps_the_creation_time(warehouse: DuckDBWarehouse) -> None:
    save_search(warehouse, "robes", "robe", now=MONDAY)
    save_search(warehouse, " robes ", "robe lang:fr", now=TUESDAY)

    assert get_search(warehouse, "robes") == SavedSearch("robes", "robe lang:fr", MONDAY, TUESDAY)


def test_an_invalid_query_is_refused_and_nothing_is_saved(warehouse: DuckDBWarehouse) -> None:
    with pytest.raises(QuerySyntaxError):
        save_search(warehouse, "broken", "robe AND", now=MONDAY)
    assert list_searches(warehouse) == []


@pytest.mark.parametrize("name", ["", "   ", "-dash-first", "a/b", "x" * 101])
def test_an_invalid_name_is_refused(warehouse: DuckDBWarehouse, name: str) -> None:
    with pytest.raises(ValueError, match="invalid search name"):
        save_search(warehouse, name, "robe")


def test_running_returns_matching_tweets_newest_first_within_limit_and_range(
    warehouse: DuckDBWarehouse,
) -> None:
    save_search(warehouse, "robes", "robe OR dress")

    everything = run_search(warehouse, "robes")
    limited = run_search(warehouse, "robes", limit=2)
    ranged = run_search(
        warehouse, "robes", since=search_corpus.created_at("T2"), until=search_corpus.created_at("T7")
    )

    assert [t.tweet_id for t in everything] == ["T9", "T7", "T3", "T2", "T1"]
    assert [t.tweet_id for t in limited] == ["T9", "T7"]
    assert [t.tweet_id for t in ranged] == ["T3", "T2"]
    assert everything[-1].created_at == search_corpus.created_at("T1")
    assert (everything[-1].username, everything[-1].has_media) == ("ZaraFan", True)


def test_deleting_removes_the_search_and_a_missing_one_is_reported(warehouse: DuckDBWarehouse) -> None:
    save_search(warehouse, "robes", "robe")
    delete_search(warehouse, "robes")

    assert list_searches(warehouse) == []
    with pytest.raises(SavedSearchNotFound):
        delete_search(warehouse, "robes")
    with pytest.raises(SavedSearchNotFound):
        run_search(warehouse, "robes")


def test_the_rule_of_a_saved_search_is_its_x_translation(warehouse: DuckDBWarehouse) -> None:
    save_search(warehouse, "robes", '"robe rouge" lang:fr -cheap')

    assert search_rule(warehouse, "robes") == '"robe rouge" lang:fr -cheap'


def _cli(state: Path, *args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(main, ["searches", *args, "--state", str(state)], env=env)


@pytest.fixture
def state(tmp_path: Path) -> Path:
    search_corpus.build(tmp_path / "state" / "warehouse.duckdb").close()
    return tmp_path / "state"


def test_cli_round_trip_save_list_run_rule_delete(state: Path) -> None:
    saved = _cli(state, "save", "robes", "robe OR dress -cheap")
    listed = _cli(state, "list", "--json")
    ran = _cli(state, "run", "robes", "--json", "--limit", "3")
    ranged = _cli(
        state, "run", "robes", "--json", "--since", "2024-06-01T09:00", "--until", "2024-06-01T12:00"
    )
    rule = _cli(state, "rule", "robes")
    deleted = _cli(state, "delete", "robes")
    after = _cli(state, "list", "--json")

    assert saved.exit_code == 0, saved.output
    assert [(s["name"], s["query"]) for s in json.loads(listed.stdout)] == [("robes", "robe OR dress -cheap")]
    assert [t["tweet_id"] for t in json.loads(ran.stdout)] == ["T9", "T3", "T2"]
    assert [t["tweet_id"] for t in json.loads(ranged.stdout)] == ["T3", "T2"]
    assert rule.stdout == "robe OR (dress -cheap)\n"
    assert deleted.exit_code == 0
    assert json.loads(after.stdout) == []


def test_cli_reports_an_invalid_query_with_a_caret_and_fails(state: Path) -> None:
    result = _cli(state, "save", "broken", "robe OR )")

    assert result.exit_code == 1
    assert "unexpected ')'" in result.output
    assert "  robe OR )\n" in result.output
    assert "          ^" in result.output


def test_cli_reports_unknown_searches_and_untranslatable_rules(state: Path) -> None:
    missing = _cli(state, "run", "nope")
    _cli(state, "save", "near", "robe NEAR/2 rouge")
    untranslatable = _cli(state, "rule", "near")

    assert missing.exit_code == 1 and "no saved search named 'nope'" in missing.output
    assert (
        untranslatable.exit_code == 1
        and "NEAR/n has no X filtered-stream equivalent" in untranslatable.output
    )


def test_cli_pushes_the_rule_to_x_tagged_with_the_search_name(state: Path) -> None:
    _cli(state, "save", "robes", '"robe rouge"')
    answer = {"data": [{"id": "42", "value": '"robe rouge"', "tag": "saved-search:robes"}]}
    with FakeXApi([JsonBody(answer, code=201)]) as api:
        pushed = _cli(
            state,
            "rule",
            "robes",
            "--push",
            env={"TRENDWATCH_X_BEARER_TOKEN": "secret", "TRENDWATCH_X_STREAM_URL": api.stream_url},
        )

    assert pushed.exit_code == 0, pushed.output
    assert "added rule 42 tagged saved-search:robes" in pushed.output
    assert api.requests[0].path == "/2/tweets/search/stream/rules"
    assert api.requests[0].body == {"add": [{"value": '"robe rouge"', "tag": "saved-search:robes"}]}
