"""Tweet-level sentiment cues: emoticons, elongated and shouted words, exclamation and question marks."""

from __future__ import annotations

import numpy as np

from trendwatch.adapters.local.tweet_cues import CUES, cue_counts, tweet_cues


def _counts(text: str) -> dict[str, int]:
    return dict(zip((name for name, _ in CUES), cue_counts([text])[0].tolist(), strict=True))


def test_emoticons_are_read_as_whole_signs_with_their_polarity() -> None:
    found = _counts("great day :) :-D ;) (: <3 xD but then :( :-/ :'( </3")
    assert found["positive_emoticons"] == 6
    assert found["negative_emoticons"] == 4


def test_colons_in_links_times_and_words_are_no_emoticons() -> None:
    found = _counts("see http://t.co/abc and www.x.fr/:( at 10:30, ratio 3:2, Re:D")
    assert found["positive_emoticons"] == 0
    assert found["negative_emoticons"] == 0


def test_an_elongated_word_counts_once_however_long_its_repeat() -> None:
    assert _counts("soooooo good")["elongated_words"] == 1
    assert _counts("nooo wayyy")["elongated_words"] == 2
    # two of a letter is spelling, and digits are no letters
    assert _counts("good cool 1000 lol")["elongated_words"] == 0


def test_shouted_words_are_three_capitals_or_more_but_placeholders() -> None:
    assert _counts("I LOVE it SO MUCH, ÇAVA")["shouted_words"] == 3
    assert _counts("RT @USER: HTTP URL I am OK")["shouted_words"] == 0


def test_exclamation_and_question_marks_are_counted() -> None:
    found = _counts("what?! really?? wow!!!")
    assert (found["exclamation_marks"], found["question_marks"]) == (4, 3)


def test_each_text_of_a_batch_gets_its_own_counts() -> None:
    texts = ["wow!! :)", "", "   ", "NOOO :( http://t.co/:) ?", "ok!"]
    assert cue_counts(texts).tolist() == [
        [1, 0, 0, 0, 2, 0],
        [0, 0, 0, 0, 0, 0],
        [0, 0, 0, 0, 0, 0],
        [0, 1, 1, 1, 0, 1],
        [0, 0, 0, 0, 1, 0],
    ]
    assert cue_counts([]).shape == (0, len(CUES))


def test_the_block_caps_each_count_and_scales_it_to_one() -> None:
    block = tweet_cues(["WOW!!!! :) :)", "plain words", ""])
    assert block.shape == (3, len(CUES))
    expected = {name: 0.0 for name, _ in CUES} | {
        "positive_emoticons": 1.0,  # two of a cap of two
        "shouted_words": 1 / 3,
        "exclamation_marks": 1.0,  # four, capped at three
    }
    np.testing.assert_allclose(block[0], [expected[name] for name, _ in CUES])
    np.testing.assert_array_equal(block[1:], 0.0)
