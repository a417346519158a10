"""Accounts acting together are one voice: promotion accounts, copy-paste, amplifier rings."""

from __future__ import annotations

from trendwatch.domain.coordination import (
    amplifier_groups,
    copy_sources,
    is_promotion,
    normalized_text,
    promotional_accounts,
)


def test_sales_pushes_are_recognised_in_english_and_french() -> None:
    for text in (
        "FLASH SALE on ceramic mugs, today only",
        "Use code MUG20 for 20% off",
        "Soldes ! -40% sur toute la boutique",
        "Code promo dans le lien en bio",
        "Livraison gratuite ce week-end",
    ):
        assert is_promotion(text), text
    for text in ("I love my new ceramic mug", "Cette lampe champignon est trop belle", "the code works now"):
        assert not is_promotion(text), text


def test_an_account_is_promotional_when_most_of_its_posts_push_a_sale() -> None:
    posts = [
        ("shop", "Flash sale granola -30%"),
        ("shop", "Use code GRAN30 today"),
        ("shop", "Our granola is back"),
        ("fan", "Flash sale at my bakery lol"),  # one post: not enough to tell
        ("person", "granola for breakfast"),
        ("person", "granola again, with honey"),
        ("person", "saw a flash sale on granola"),
    ]

    assert promotional_accounts(posts) == {"shop"}


def test_the_same_text_from_another_account_is_a_copy_of_the_first_post() -> None:
    posts = [
        ("t1", "a", "Win a linen shirt! Retweet to enter https://x.co/abc"),
        ("t2", "b", "Win a linen shirt! Retweet to enter https://x.co/def"),
        ("t3", "c", "@a win a LINEN shirt, retweet to enter"),
        ("t4", "a", "Win a linen shirt! Retweet to enter https://x.co/ghi"),  # the same account again
        ("t5", "d", "so cute"),
        ("t6", "e", "so cute"),  # short texts are said alike by strangers
    ]

    assert copy_sources(posts) == {"t2": "t1", "t3": "t1"}
    assert normalized_text("RT @shop: Win a LINEN shirt! https://x.co/1") == "win a linen shirt"


def test_accounts_amplifying_each_other_form_one_group_and_fans_do_not() -> None:
    pairs = [
        ("r1", "r2"),
        ("r2", "r1"),
        ("r2", "r3"),
        ("r3", "r2"),
        ("fan1", "star"),
        ("fan2", "star"),
        ("star", "fan3"),
        ("r1", "r1"),
    ]

    groups = amplifier_groups(pairs)

    assert groups == {"r1": "r1", "r2": "r1", "r3": "r1"}
