"""The words the synthetic stream is made of: fictional brands, products, templates, topics.

Everything here is static data. Phrases used by planted topics and the decoy never occur
in the baseline vocabulary, so a topic's volume can be counted by plain substring match.
"""

from __future__ import annotations

from typing import Literal

import msgspec

Lang = Literal["en", "fr"]
LANGS: tuple[Lang, ...] = ("en", "fr")


class Item(msgspec.Struct, frozen=True):
    """A kind of product, named in both languages."""

    en: str
    fr: str

    def name(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.fr


class Category(msgspec.Struct, frozen=True):
    code: str
    name: str
    brands: tuple[str, ...]
    items: tuple[Item, ...]
    hashtags: tuple[str, ...]
    #: The stream rule that catches this category: (rule id, rule tag).
    rule: tuple[str, str]


CATEGORIES: tuple[Category, ...] = (
    Category(
        code="FAS",
        name="fashion",
        brands=("Maison Lumen", "Nordvik", "Atelier Sable"),
        items=(
            Item("linen shirt", "chemise en lin"),
            Item("denim jacket", "veste en jean"),
            Item("wool scarf", "écharpe en laine"),
            Item("leather boots", "bottines en cuir"),
            Item("knit sweater", "pull en maille"),
        ),
        hashtags=("fashion", "style", "mode", "outfit"),
        rule=("1587310000000000001", "fashion"),
    ),
    Category(
        code="HOM",
        name="home",
        brands=("Hearthly", "Casa Ondine", "Birchwood Home"),
        items=(
            Item("scented candle", "bougie parfumée"),
            Item("ceramic vase", "vase en céramique"),
            Item("throw blanket", "plaid douillet"),
            Item("table lamp", "lampe de table"),
        ),
        hashtags=("homedecor", "interiors", "déco", "cosy"),
        rule=("1587310000000000002", "home"),
    ),
    Category(
        code="BEA",
        name="beauty",
        brands=("Glowberry", "Peau Claire", "Velvet Fern"),
        items=(
            Item("face cream", "crème visage"),
            Item("lip balm", "baume à lèvres"),
            Item("hair oil", "huile pour cheveux"),
            Item("nail polish", "vernis à ongles"),
        ),
        hashtags=("skincare", "beauty", "beauté", "makeup"),
        rule=("1587310000000000003", "beauty"),
    ),
    Category(
        code="FOD",
        name="food_drink",
        brands=("Brewhaven", "Le Petit Moulin", "Citrus Grove"),
        items=(
            Item("cold brew", "café infusé à froid"),
            Item("herbal tea", "tisane"),
            Item("dark chocolate", "chocolat noir"),
            Item("granola", "granola maison"),
        ),
        hashtags=("foodie", "coffee", "brunch", "gourmand"),
        rule=("1587310000000000004", "food_drink"),
    ),
    Category(
        code="LIF",
        name="lifestyle",
        brands=("Trailmark", "Oakleaf", "Papeterie Nova"),
        items=(
            Item("yoga mat", "tapis de yoga"),
            Item("water bottle", "gourde"),
            Item("notebook", "carnet"),
            Item("tote bag", "sac cabas"),
        ),
        hashtags=("wellness", "lifestyle", "selfcare", "weekend"),
        rule=("1587310000000000005", "lifestyle"),
    ),
)

CATEGORY_BY_NAME: dict[str, Category] = {c.name: c for c in CATEGORIES}


class TopicSpec(msgspec.Struct, frozen=True):
    """A trend that can be planted (or, for the decoy, run steadily)."""

    topic_id: str
    label: str
    category: str
    brand: str
    phrases: Item
    hashtags_en: tuple[str, ...]
    hashtags_fr: tuple[str, ...]
    #: Names of the catalogue products this topic is about.
    products: tuple[str, ...]

    def hashtags(self, lang: Lang) -> tuple[str, ...]:
        return self.hashtags_en if lang == "en" else self.hashtags_fr

    @property
    def terms(self) -> tuple[str, ...]:
        """Hashtag and phrase variants in both languages, as an analyst would search them."""
        tags = tuple(f"#{t}" for t in (*self.hashtags_en, *self.hashtags_fr))
        return (*tags, self.phrases.en, self.phrases.fr)


TOPIC_POOL: tuple[TopicSpec, ...] = (
    TopicSpec(
        "summer-dress",
        "Summer dress",
        "fashion",
        "Atelier Sable",
        Item("summer dress", "robe d'été"),
        ("SummerDress",),
        ("RobeDEte",),
        ("Linen Summer Dress", "Floral Summer Dress"),
    ),
    TopicSpec(
        "matcha-latte",
        "Matcha latte",
        "food_drink",
        "Brewhaven",
        Item("matcha latte", "latte au matcha"),
        ("MatchaLatte", "MatchaTime"),
        ("MatchaLatte",),
        ("Ceremonial Matcha Latte Kit",),
    ),
    TopicSpec(
        "mushroom-lamp",
        "Mushroom lamp",
        "home",
        "Casa Ondine",
        Item("mushroom lamp", "lampe champignon"),
        ("MushroomLamp",),
        ("LampeChampignon",),
        ("Glass Mushroom Lamp", "Mini Mushroom Lamp"),
    ),
    TopicSpec(
        "glass-skin",
        "Glass skin serum",
        "beauty",
        "Glowberry",
        Item("glass skin serum", "sérum peau de verre"),
        ("GlassSkin",),
        ("PeauDeVerre", "GlassSkin"),
        ("Glass Skin Serum",),
    ),
    TopicSpec(
        "cargo-skirt",
        "Cargo skirt",
        "fashion",
        "Nordvik",
        Item("cargo skirt", "jupe cargo"),
        ("CargoSkirt",),
        ("JupeCargo",),
        ("Utility Cargo Skirt",),
    ),
    TopicSpec(
        "pickleball-paddle",
        "Pickleball paddle",
        "lifestyle",
        "Trailmark",
        Item("pickleball paddle", "raquette de pickleball"),
        ("Pickleball",),
        ("Pickleball",),
        ("Carbon Pickleball Paddle",),
    ),
)

#: A popular topic with steady volume: it is talked about all the time, so it is not emerging.
DECOY = TopicSpec(
    "outfit-of-the-day",
    "Outfit of the day",
    "fashion",
    "Maison Lumen",
    Item("outfit of the day", "tenue du jour"),
    ("OOTD",),
    ("OOTD", "TenueDuJour"),
    (),
)

#: ``{item}`` names the product, ``{brand}`` its brand, ``{adj}`` the verdict.
TEMPLATES: dict[Lang, tuple[str, ...]] = {
    "en": (
        "Just picked up the {item} from {brand} and it's {adj}",
        "Honestly the {item} by {brand} is {adj}",
        "New {item} day! {brand} never disappoints",
        "Is the {brand} {item} worth it? Thinking about getting one",
        "Loving my new {item}, {adj}",
        "The {item} from {brand} arrived today. Verdict: {adj}",
        "Looking for a good {item}, any recommendations?",
        "Third week with this {item} and still {adj}",
    ),
    "fr": (
        "Coup de cœur : {item} de {brand}, {adj} !",
        "Quelqu'un a testé {brand} ({item}) ? Ça vaut le coup ?",
        "Nouvel achat : {item} {brand}. Verdict : {adj}",
        "Franchement, {item} de chez {brand} : {adj}",
        "À la recherche de : {item}. Des idées ?",
        "Livraison reçue ! {item} de {brand}, {adj}",
        "Trois semaines d'essai : {item}, toujours {adj}",
    ),
}

#: Templates for the decoy: ``{item}`` is a fashion item worn in the outfit.
DECOY_TEMPLATES: dict[Lang, tuple[str, ...]] = {
    "en": (
        "Outfit of the day: {item} by {brand}",
        "Simple outfit of the day today, {item} and jeans",
        "Outfit of the day featuring my favourite {item}",
    ),
    "fr": (
        "Tenue du jour : {item} de {brand}",
        "Tenue du jour toute simple, {item} et jean",
        "Ma tenue du jour, {item} en vedette",
    ),
}

ADJECTIVES: dict[Lang, tuple[str, ...]] = {
    "en": ("gorgeous", "so comfy", "amazing", "overpriced", "disappointing", "perfect", "a game changer"),
    "fr": ("magnifique", "top", "trop cher", "décevant", "parfait", "une merveille", "pas terrible"),
}
#: The negative ones alone: a stream whose sentiment mix shifts (drift evaluations) draws from these.
NEGATIVE_ADJECTIVES: dict[Lang, tuple[str, ...]] = {
    "en": ("overpriced", "disappointing", "a letdown", "awful"),
    "fr": ("trop cher", "décevant", "pas terrible", "nul"),
}

REPLIES: dict[Lang, tuple[str, ...]] = {
    "en": (
        "So true!",
        "Where did you get it?",
        "Need this {item} in my life",
        "Not convinced tbh",
        "Link please?",
        "Same here, the {item} is {adj}",
    ),
    "fr": (
        "Trop vrai !",
        "Tu l'as trouvé où ?",
        "Besoin de ça : {item}",
        "Pas convaincue...",
        "Le lien stp ?",
        "Pareil, {item} {adj}",
    ),
}

QUOTES: dict[Lang, tuple[str, ...]] = {
    "en": (
        "This is the {item} everyone's talking about",
        "Told you so",
        "Adding this {item} to my wishlist",
        "Wow, look at this",
    ),
    "fr": (
        "Voilà : {item}, tout le monde en parle",
        "Je vous l'avais dit",
        "Direct dans ma wishlist : {item}",
        "Regardez-moi ça",
    ),
}

#: Near-identical bot posts: ``{pct}`` and the link change, the rest stays.
SPAM: dict[Lang, str] = {
    "en": "🔥 FLASH SALE {item} -{pct}% only today! Shop now",
    "fr": "🔥 PROMO {item} -{pct}% aujourd'hui seulement ! Fonce",
}
SPAM_HASHTAGS: dict[Lang, tuple[str, ...]] = {"en": ("deal", "sale", "promo"), "fr": ("bonplan", "promo")}
SPAM_DOMAIN = "deals-outlet.example"

EMOJIS: tuple[str, ...] = ("✨", "😍", "🔥", "💯", "🙌", "🌸", "☕", "👗", "🏡", "💄", "😅", "🛍")

FIRST_NAMES: tuple[str, ...] = (
    "Camille", "Léa", "Chloé", "Manon", "Hugo", "Lucas", "Inès", "Jules", "Emma", "Olivia",
    "Noah", "Liam", "Ava", "Mia", "Ethan", "Zoé", "Louis", "Sofia", "Nina", "Adam",
)  # fmt: skip
LAST_NAMES: tuple[str, ...] = (
    "Martin", "Bernard", "Dubois", "Moreau", "Laurent", "Smith", "Jones", "Taylor", "Brown",
    "Wilson", "Petit", "Roux", "Fournier", "Evans", "Walker", "Garnier", "Clarke", "Lambert",
)  # fmt: skip
HANDLE_WORDS: tuple[str, ...] = (
    "style", "home", "cafe", "glow", "daily", "looks", "finds", "life", "chic", "cosy", "vibes", "notes",
)  # fmt: skip

LOCATIONS: tuple[str, ...] = ("STORE-PAR-01", "STORE-LYS-01", "STORE-LON-01", "WH-EU-01")
