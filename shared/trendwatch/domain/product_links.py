"""Which catalogue products a set of terms names: the evidence behind a trend-to-product link.

A term names a product when the catalogue's matcher (:meth:`Catalogue.anchor_of`: a listed
keyword in either language, a short name of one, or a longer phrase containing one) leads to
an anchor that product's keywords share. This is the same matcher the topic detector uses to
keep a product's names together, so a topic is linked to the products it was grouped around,
whatever language or spelling its voices used. Embedding similarity is recorded beside the
keyword evidence (it separates a topic about the product from one that only mentions it) and
can link on its own only from :data:`SIMILARITY_ALONE` up.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from trendwatch.domain.topics import Catalogue, glued

#: Cosine similarity from which a topic with no keyword evidence is linked to a product anyway.
SIMILARITY_ALONE = 0.8
#: Weight of the embedding similarity in a keyword-evidenced link's score (the rest is 1 for
#: the keyword match): the score orders a topic's products, the best-named first.
SIMILARITY_WEIGHT = 0.25


@dataclass(frozen=True, slots=True)
class ListedProduct:
    sku: str
    name: str
    brand: str
    keywords: tuple[str, ...]

    @property
    def description(self) -> str:
        """What the product's embedding is computed from: its name and its keywords."""
        return " ".join(dict.fromkeys((self.name, *self.keywords)))


@dataclass(frozen=True, slots=True)
class TermEvidence:
    """The terms of a topic that name one product, and the product keywords they match."""

    terms: tuple[str, ...]
    keywords: tuple[str, ...]


@dataclass(slots=True)
class ProductIndex:
    """The catalogue as a matcher from terms to SKUs."""

    catalogue: Catalogue
    products: dict[str, ListedProduct]
    #: Anchor -> (sku, keyword) of every listed keyword sharing it.
    keywords_of_anchor: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    @classmethod
    def of(cls, products: Iterable[ListedProduct]) -> ProductIndex:
        listed = {p.sku: p for p in products}
        catalogue = Catalogue.of((p.brand, p.keywords) for p in listed.values())
        by_anchor: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for product in listed.values():
            for keyword in product.keywords:
                anchor = catalogue.anchors.get(glued(keyword))
                if anchor is not None:
                    by_anchor[anchor].append((product.sku, keyword))
        return cls(catalogue, listed, dict(by_anchor))

    def skus_named_by(self, term: str) -> dict[str, tuple[str, ...]]:
        """SKU -> its keywords that ``term`` names (none: the term names no product)."""
        anchor = self.catalogue.anchor_of(term)
        if anchor is None:
            return {}
        named: dict[str, list[str]] = defaultdict(list)
        for sku, keyword in self.keywords_of_anchor.get(anchor, ()):
            named[sku].append(keyword)
        return {sku: tuple(keywords) for sku, keywords in named.items()}

    def evidence(self, terms: Sequence[str]) -> dict[str, TermEvidence]:
        """SKU -> the terms of ``terms`` naming it and the keywords they match."""
        found_terms: dict[str, list[str]] = defaultdict(list)
        found_keywords: dict[str, dict[str, None]] = defaultdict(dict)
        for term in terms:
            for sku, keywords in self.skus_named_by(term).items():
                found_terms[sku].append(term)
                found_keywords[sku].update(dict.fromkeys(keywords))
        return {
            sku: TermEvidence(tuple(sorted(set(found_terms[sku]))), tuple(sorted(found_keywords[sku])))
            for sku in found_terms
        }


@dataclass(frozen=True, slots=True)
class ProductLink:
    sku: str
    score: float
    matched_terms: tuple[str, ...]
    catalogue_keywords: tuple[str, ...]
    similarity: float | None


def link_products(
    terms: Sequence[str], index: ProductIndex, similarity: Mapping[str, float] | None = None
) -> list[ProductLink]:
    """The products a topic of ``terms`` touches, best first.

    ``similarity``: cosine similarity between the topic and each product (SKU -> value), when
    an embedder is available. A product named by one of the terms is linked with score
    ``1 - w + w * similarity`` (``w`` = :data:`SIMILARITY_WEIGHT`; 1 without an embedder); one
    named by none is linked only when its similarity reaches :data:`SIMILARITY_ALONE`, with that
    similarity as its score.
    """
    evidence = index.evidence(terms)
    similarity = similarity or {}
    links = [
        ProductLink(
            sku,
            round(1 - SIMILARITY_WEIGHT * (1 - similarity[sku]), 4) if sku in similarity else 1.0,
            found.terms,
            found.keywords,
            similarity.get(sku),
        )
        for sku, found in evidence.items()
    ]
    links += [
        ProductLink(sku, round(value, 4), (), (), value)
        for sku, value in similarity.items()
        if sku not in evidence and value >= SIMILARITY_ALONE
    ]
    return sorted(links, key=lambda link: (-link.score, link.sku))
