from __future__ import annotations

from tests.fakes.tweets import stream_line
from trendwatch.contracts.x_stream import decode_stream_message
from trendwatch.domain.tweets import normalize


def _edges(line: bytes) -> list[tuple[str, str, str]]:
    tweet = normalize(decode_stream_message(line))
    return [(e.kind, e.source_user_id, e.target_user_id) for e in tweet.interactions]


def test_retweet_is_an_edge_to_the_original_author_and_its_rt_mention_is_not_repeated() -> None:
    line = stream_line(
        "2", "RT @bob: nice", author_id="1", mentions=(("bob", "9"),), retweet_of=("1000", "9")
    )
    assert _edges(line) == [("retweet", "1", "9")]
    assert normalize(decode_stream_message(line)).retweet_of == "1000"


def test_reply_and_mention_are_separate_edges() -> None:
    line = stream_line(
        "3", "@bob @carol yes", author_id="1", mentions=(("bob", "9"), ("carol", "8")), reply_to=("50", "9")
    )
    assert _edges(line) == [("reply", "1", "9"), ("mention", "1", "9"), ("mention", "1", "8")]


def test_self_mention_is_not_an_edge() -> None:
    assert _edges(stream_line("4", "me @alice", author_id="100", mentions=(("alice", "100"),))) == []


def test_hashtags_are_lowercased_and_media_listed() -> None:
    tweet = normalize(
        decode_stream_message(stream_line("5", "x", hashtags=("SummerDress",), media_keys=("3_1",)))
    )
    assert tweet.hashtags == ("summerdress",)
    assert [m.media_key for m in tweet.media] == ["3_1"]
    assert tweet.media[0].url == "https://pbs.twimg.com/media/3_1.png"
