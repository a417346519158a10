"""The product catalogue: every brand's items, plus the products the topics are about."""

from __future__ import annotations

import random

import msgspec

from trendwatch.generator.vocabulary import CATEGORIES, CATEGORY_BY_NAME, TOPIC_POOL, Item, TopicSpec


class Product(msgspec.Struct, frozen=True):
    sku: str
    name: str
    category: str
    brand: str
    price: float
    item: Item
    keywords: tuple[str, ...]
    #: The topic this product is about, if any.
    topic_id: str | None = None


def _price(rng: random.Random) -> float:
    return round(rng.uniform(6, 120), 0) - 0.01


def _topic_products(rng: random.Random, topic: TopicSpec, first_number: int) -> list[Product]:
    category = CATEGORY_BY_NAME[topic.category]
    keywords = (topic.phrases.en, topic.phrases.fr, *dict.fromkeys((*topic.hashtags_en, *topic.hashtags_fr)))
    return [
        Product(
            sku=f"{category.code}-{first_number + n:04d}",
            name=f"{topic.brand} {name}",
            category=category.name,
            brand=topic.brand,
            price=_price(rng),
            item=topic.phrases,
            keywords=(*keywords, topic.brand.lower()),
            topic_id=topic.topic_id,
        )
        for n, name in enumerate(topic.products)
    ]


def build_catalog(rng: random.Random) -> list[Product]:
    """Each category's brands times its items, then the topic products of that category."""
    products: list[Product] = []
    for category in CATEGORIES:
        number = 1
        for brand in category.brands:
            for item in category.items:
                products.append(
                    Product(
                        sku=f"{category.code}-{number:04d}",
                        name=f"{brand} {item.en.title()}",
                        category=category.name,
                        brand=brand,
                        price=_price(rng),
                        item=item,
                        keywords=(item.en, item.fr, brand.lower()),
                    )
                )
                number += 1
        for topic in TOPIC_POOL:
            if topic.category == category.name:
                made = _topic_products(rng, topic, number)
                products.extend(made)
                number += len(made)
    return products
