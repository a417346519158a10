"""Response pages (search, lookup) split into stream lines where files are read for replay."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.fakes.tweets import MALFORMED_LINES, stream_line
from trendwatch.app.ingest import read_lines
from trendwatch.contracts.x_pages import as_stream_lines, page_to_stream_lines
from trendwatch.contracts.x_stream import decode_stream_message
from trendwatch.runtime.replay import read_chunks

PAGE: dict[str, Any] = {
    "data": [
        {
            "id": "1",
            "text": "a",
            "created_at": "2023-04-07T20:17:00.000Z",
            "author_id": "10",
            "edit_controls": {},
        },
        {
            "id": "2",
            "text": "RT @bob: b",
            "created_at": "2023-04-07T20:18:00.000Z",
            "author_id": 11,
            "referenced_tweets": [{"type": "retweeted", "id": 3}],
            "attachments": {"media_keys": ["3_9"]},
        },
    ],
    "includes": {
        "users": [
            {"id": "10", "username": "alice"},
            {"id": "11", "username": "carol"},
            {"id": 12, "username": "bob"},
        ],
        "tweets": [{"id": "3", "text": "b", "created_at": "2023-04-07T20:00:00.000Z", "author_id": "12"}],
        "media": [{"media_key": "3_9", "type": "photo"}, {"media_key": "3_8", "type": "photo"}],
    },
    "meta": {"result_count": 2, "next_token": "x"},
    "errors": [{"title": "Not Found Error"}],
    "__twarc": {"url": "https://api.twitter.com/2/tweets/search/recent", "version": "2.0.0"},
}


def test_a_page_becomes_one_line_per_tweet_with_only_the_includes_it_needs() -> None:
    first, second = (json.loads(line) for line in page_to_stream_lines(PAGE))
    assert first["data"] == PAGE["data"][0]
    assert first["includes"] == {"users": [{"id": "10", "username": "alice"}]}
    assert second["data"] == PAGE["data"][1]
    assert second["includes"] == {
        "users": [{"id": "11", "username": "carol"}, {"id": 12, "username": "bob"}],
        "tweets": [PAGE["includes"]["tweets"][0]],
        "media": [{"media_key": "3_9", "type": "photo"}],
    }


def test_a_capture_tool_metadata_is_kept_and_page_metadata_left_out() -> None:
    line = json.loads(page_to_stream_lines(PAGE)[0])
    assert line["__twarc"] == PAGE["__twarc"]
    assert "meta" not in line and "errors" not in line


def test_lines_that_are_not_pages_pass_byte_for_byte() -> None:
    others = [stream_line("1", "hello"), b"", *MALFORMED_LINES.values(), b'{"data": {"id": "1"}}']
    assert list(as_stream_lines(others)) == others


def test_a_page_item_that_is_not_a_tweet_is_left_for_ingest_to_reject() -> None:
    [line] = page_to_stream_lines({"data": ["oops"]})
    assert json.loads(line) == {"data": "oops"}


def test_replay_files_and_dropped_objects_read_pages_as_stream_lines(tmp_path: Path) -> None:
    path = tmp_path / "capture.jsonl"
    content = json.dumps(PAGE).encode() + b"\n" + stream_line("4", "streamed") + b"\n"
    path.write_bytes(content)
    from_file = [line for chunk in read_chunks(path) for line in chunk.lines]
    assert from_file == list(read_lines(content))
    assert [decode_stream_message(line).data.id for line in from_file] == ["1", "2", "4"]
