"""Lenient reading of X stream lines: what real producers send is accepted where the pipeline can use it."""

from __future__ import annotations

import json
import re
from typing import Any

import msgspec
import pytest

from tests.fakes.tweets import stream_line
from trendwatch.contracts.lenient import drop_at, stringify_ids
from trendwatch.contracts.x_stream import decode_stream_message


def _line(**changes: Any) -> dict[str, Any]:
    message: dict[str, Any] = json.loads(stream_line("1377650090978992134", "Fury", author_id="4602771083"))
    message["data"].update(changes)
    return message


def test_a_matching_rule_id_given_as_a_number_is_read_as_text() -> None:
    message = _line()
    message["matching_rules"] = [{"id": 1377649934414049282, "tag": None}]
    decoded = decode_stream_message(json.dumps(message).encode())
    assert decoded.matching_rules[0].id == "1377649934414049282"
    assert decoded.data.id == "1377650090978992134"


def test_tweet_user_and_reference_ids_given_as_numbers_are_read_as_text() -> None:
    message = _line(id=20, author_id=30, referenced_tweets=[{"type": "quoted", "id": 40}])
    message["includes"]["users"][0]["id"] = 30
    decoded = decode_stream_message(json.dumps(message).encode())
    assert (decoded.data.id, decoded.data.author_id) == ("20", "30")
    assert decoded.data.referenced_tweets[0].id == "40"
    assert decoded.includes.users[0].id == "30"


def test_counts_given_as_strings_are_read_as_numbers() -> None:
    message = _line(public_metrics={"retweet_count": "7", "like_count": "2"})
    metrics = decode_stream_message(json.dumps(message).encode()).data.public_metrics
    assert metrics is not None and (metrics.retweet_count, metrics.like_count) == (7, 2)


def test_a_non_essential_value_of_an_odd_type_is_left_out_and_the_rest_kept() -> None:
    message = _line(possibly_sensitive={"unknown": True}, lang=["en"])
    message["data"]["entities"]["hashtags"] = [{"tag": 5}, {"tag": "ok"}]
    decoded = decode_stream_message(json.dumps(message).encode())
    assert decoded.data.lang is None and decoded.data.possibly_sensitive is False
    assert decoded.data.entities is not None
    assert [h.tag for h in decoded.data.entities.hashtags] == ["ok"]
    assert decoded.data.text == "Fury"


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"text": {"en": "x"}}, "Expected `str`, got `object` - at `$.data.text`"),
        ({"id": None}, "Expected `str`, got `null` - at `$.data.id`"),
        ({"created_at": "yesterday"}, "Invalid RFC3339 encoded datetime - at `$.data.created_at`"),
    ],
)
def test_an_unusable_essential_value_is_still_rejected_with_its_path(
    changes: dict[str, Any], reason: str
) -> None:
    with pytest.raises(msgspec.ValidationError, match=re.escape(reason)):
        decode_stream_message(json.dumps(_line(**changes)).encode())


def test_a_message_without_a_tweet_is_still_rejected() -> None:
    with pytest.raises(msgspec.ValidationError, match="missing required field `data`"):
        decode_stream_message(b'{"errors": [{"title": "operational-disconnect"}]}')


def test_only_id_keys_are_stringified() -> None:
    value = {"id": 1, "author_id": 2, "edit_history_tweet_ids": [3], "like_count": 4, "nested": [{"id": 5}]}
    assert stringify_ids(value) == {
        "id": "1",
        "author_id": "2",
        "edit_history_tweet_ids": ["3"],
        "like_count": 4,
        "nested": [{"id": "5"}],
    }


def test_drop_at_removes_only_the_named_entry_or_item() -> None:
    value = {"data": {"entities": {"hashtags": [{"tag": 5}, {"tag": "ok"}]}, "lang": "en"}}
    assert drop_at(value, ".data.entities.hashtags[0]") == {
        "data": {"entities": {"hashtags": [{"tag": "ok"}]}, "lang": "en"}
    }
    assert drop_at(value, ".data.lang") == {"data": {"entities": {"hashtags": [{"tag": 5}, {"tag": "ok"}]}}}
    assert drop_at(value, ".data.missing[3]") == value
