"""The adversarial stream's own words, in English and French, kept apart from the demo generator's.

Background chatter names everyday products and wraps them in filler and sentiment words that
people use about anything ("obsessed", "everywhere", "incroyable"): a detector that alerts on
such words alerts on noise. Each planted trend's ``distinctive`` words occur nowhere else in this
module, so a topic that names one of them names that trend; a trend without distinctive words
is made only of words the background already uses.
"""

from __future__ import annotations

from typing import Literal

import msgspec

Lang = Literal["en", "fr"]
LANGS: tuple[Lang, ...] = ("en", "fr")


class Named(msgspec.Struct, frozen=True):
    """Something named in both languages."""

    en: str
    fr: str

    def name(self, lang: Lang) -> str:
        return self.en if lang == "en" else self.fr


class Good(msgspec.Struct, frozen=True):
    """A product of the background catalogue."""

    sku: str
    name: Named
    brand: str
    category: str
    price: float


BACKGROUND_GOODS: tuple[Good, ...] = (
    Good("ADV-001", Named("rain jacket", "veste de pluie"), "Fjordline", "outerwear", 89.0),
    Good("ADV-002", Named("running shoes", "chaussures de running"), "Stridewell", "footwear", 120.0),
    Good("ADV-003", Named("bamboo toothbrush", "brosse à dents en bambou"), "Pureroot", "bathroom", 4.5),
    Good("ADV-004", Named("cast iron pan", "poêle en fonte"), "Forgehaus", "kitchen", 45.0),
    Good("ADV-005", Named("espresso machine", "machine à expresso"), "Barrista Nove", "kitchen", 249.0),
    Good("ADV-006", Named("sourdough starter", "levain maison"), "Miche & Co", "pantry", 9.0),
    Good("ADV-007", Named("walnut cutting board", "planche en noyer"), "Forgehaus", "kitchen", 39.0),
    Good("ADV-008", Named("cotton sheets", "draps en coton"), "Dormeo Blanc", "bedroom", 79.0),
    Good("ADV-009", Named("wireless earbuds", "écouteurs sans fil"), "Sonique", "audio", 99.0),
    Good("ADV-010", Named("sunscreen", "écran solaire"), "Soleil Doux", "care", 14.0),
    Good("ADV-011", Named("backpack", "sac à dos"), "Stridewell", "bags", 65.0),
    Good("ADV-012", Named("houseplant", "plante verte"), "Serre Urbaine", "garden", 22.0),
    Good("ADV-013", Named("rice cooker", "cuiseur à riz"), "Kazan", "kitchen", 59.0),
    Good("ADV-014", Named("dog leash", "laisse pour chien"), "Pawtrail", "pets", 18.0),
    Good("ADV-015", Named("bike helmet", "casque de vélo"), "Velocita", "sport", 55.0),
    Good("ADV-016", Named("puffer vest", "doudoune sans manches"), "Fjordline", "outerwear", 95.0),
    Good("ADV-017", Named("bath towel", "serviette de bain"), "Dormeo Blanc", "bathroom", 25.0),
    Good("ADV-018", Named("oat milk", "lait d'avoine"), "Avena Fresca", "pantry", 2.9),
    Good("ADV-019", Named("velvet headband", "bandeau en velours"), "Ruban Rouge", "accessories", 12.0),
    Good("ADV-020", Named("reading glasses", "lunettes de lecture"), "Optika", "accessories", 29.0),
)


class TrendSubject(msgspec.Struct, frozen=True):
    """What a planted trend is about: the words that name it, and nothing else."""

    trend_id: str
    label: str
    sku: str
    brand: str
    category: str
    price: float
    name: Named
    #: Hashtags people use for it in each language; a bilingual trend shares one across both.
    hashtags_en: tuple[str, ...]
    hashtags_fr: tuple[str, ...]
    #: Words of its name that occur nowhere else in the stream (empty: all its words are common).
    distinctive: tuple[str, ...]

    def hashtags(self, lang: Lang) -> tuple[str, ...]:
        return self.hashtags_en if lang == "en" else self.hashtags_fr


def _subject(
    trend_id: str,
    sku: str,
    brand: str,
    name: Named,
    tags: tuple[tuple[str, ...], tuple[str, ...]],
    distinctive: tuple[str, ...],
) -> TrendSubject:
    return TrendSubject(
        trend_id, name.en.capitalize(), sku, brand, "trend", 35.0, name, tags[0], tags[1], distinctive
    )


#: Trends with a name of their own; each seed plants some of them with different shapes.
DISTINCT_TRENDS: tuple[TrendSubject, ...] = (
    _subject(
        "cloud-slides",
        "ADV-101",
        "Stridewell",
        Named("cloud slides", "claquettes nuage"),
        (("CloudSlides",), ("ClaquettesNuage",)),
        ("slides", "claquettes"),
    ),
    _subject(
        "tallow-balm",
        "ADV-102",
        "Pureroot",
        Named("tallow balm", "baume au suif"),
        (("TallowBalm",), ("BaumeAuSuif",)),
        ("tallow", "suif", "baume"),
    ),
    _subject(
        "pleated-lampshade",
        "ADV-103",
        "Dormeo Blanc",
        Named("pleated lampshade", "abat-jour plissé"),
        (("PleatedLamp",), ("AbatJourPlisse",)),
        ("pleated", "lampshade", "abat", "plissé"),
    ),
    _subject(
        "sleepy-mocktail",
        "ADV-104",
        "Avena Fresca",
        Named("sleepy girl mocktail", "mocktail sommeil"),
        (("SleepyGirlMocktail",), ("MocktailSommeil",)),
        ("mocktail", "sleepy"),
    ),
    _subject(
        "tinned-fish",
        "ADV-105",
        "Miche & Co",
        Named("tinned fish board", "plateau de sardines"),
        (("TinnedFish",), ("PlateauSardines",)),
        ("tinned", "sardines", "fish"),
    ),
    _subject(
        "barrel-jeans",
        "ADV-106",
        "Ruban Rouge",
        Named("barrel jeans", "jean tonneau"),
        (("BarrelJeans",), ("JeanTonneau",)),
        ("barrel", "tonneau"),
    ),
)

#: Trends named differently in each language, joined only by a hashtag both use.
BILINGUAL_TRENDS: tuple[TrendSubject, ...] = (
    _subject(
        "jelly-sandals",
        "ADV-201",
        "Stridewell",
        Named("jelly sandals", "méduses"),
        (("JellySandals",), ("JellySandals",)),
        ("jelly", "sandals", "méduses"),
    ),
    _subject(
        "gua-sha",
        "ADV-202",
        "Soleil Doux",
        Named("face sculpting stone", "pierre gua sha"),
        (("GuaSha",), ("GuaSha",)),
        ("sculpting", "stone", "pierre", "gua", "sha"),
    ),
)

#: Trends whose every word is already common in the background: only the combination is new.
COMMON_WORD_TRENDS: tuple[TrendSubject, ...] = (
    _subject("bamboo-backpack", "ADV-301", "Pureroot", Named("bamboo backpack", "sac à dos en bambou"),
             (("BambooBackpack",), ("SacBambou",)), ()),
    _subject("velvet-sheets", "ADV-302", "Dormeo Blanc", Named("velvet sheets", "draps en velours"),
             (("VelvetSheets",), ("DrapsVelours",)), ()),
)  # fmt: skip

#: Said about anything, in both languages: they rise with any trend and mean nothing alone.
FILLER: dict[Lang, tuple[str, ...]] = {
    "en": (
        "obsessed", "everywhere", "lowkey", "vibe", "honestly", "literally", "currently",
        "finally", "again", "today", "tonight", "this week", "must have", "on my list",
    ),
    "fr": (
        "obsession", "partout", "incroyable", "grave", "franchement", "en ce moment",
        "enfin", "encore", "aujourd'hui", "ce soir", "cette semaine", "indispensable", "sur ma liste",
    ),
}  # fmt: skip
SENTIMENT: dict[Lang, tuple[str, ...]] = {
    "en": ("love it", "hate it", "not worth it", "so good", "meh", "ten out of ten", "kinda mid", "a flop"),
    "fr": ("j'adore", "déçue", "bof", "trop bien", "pas ouf", "validé", "au top", "nul"),
}

#: ``{thing}`` names what is talked about, ``{filler}`` and ``{feel}`` wrap it.
ORIGINALS: dict[Lang, tuple[str, ...]] = {
    "en": (
        "{filler}, the {thing} {feel}",
        "my {thing} is {filler} {feel}",
        "anyone else {filler} with the {thing}? {feel}",
        "got the {thing} {filler}. {feel}",
        "{feel}: {thing}",
        "seeing the {thing} {filler}",
    ),
    "fr": (
        "{filler}, {thing} : {feel}",
        "mon {thing} {filler}, {feel}",
        "qui a testé {thing} ? {feel}",
        "{thing} {filler}. {feel}",
        "{feel} : {thing}",
        "on voit {thing} {filler}",
    ),
}
REPLIES: dict[Lang, tuple[str, ...]] = {
    "en": ("same", "where from?", "{feel} tbh", "need it", "{filler} me too"),
    "fr": ("pareil", "c'est où ?", "{feel} perso", "je veux", "{filler} moi aussi"),
}
QUOTES: dict[Lang, tuple[str, ...]] = {
    "en": ("{filler} this", "this is {feel}", "{thing} again"),
    "fr": ("{filler} ça", "c'est {feel}", "encore {thing}"),
}

#: Hashtags people add to background posts.
BACKGROUND_HASHTAGS: dict[Lang, tuple[str, ...]] = {
    "en": ("haul", "newin", "treatyourself", "dailyfinds"),
    "fr": ("achat", "nouveauté", "petitplaisir", "trouvaille"),
}
#: One of these is popular the whole time in each stream: talked about steadily, never emerging.
STEADY_HASHTAGS: tuple[str, ...] = ("PlantParent", "DeskSetup", "SundayReset")
STEADY_TEXT: dict[Lang, tuple[str, ...]] = {
    "en": ("my corner this morning {filler}", "{feel}, new week same routine", "{filler} tidy again"),
    "fr": ("mon coin ce matin {filler}", "{feel}, nouvelle semaine", "{filler} tout rangé"),
}

#: A bot ring's own hashtag, one per stream, and what its posts say around it.
RING_HASHTAGS: tuple[str, ...] = ("GlowDropz", "LuxeHaulNow", "VitaBoostClub")
RING_TEXT: dict[Lang, tuple[str, ...]] = {
    "en": ("{filler} {feel}", "can't stop {filler}", "the {thing} and {filler}", "{feel} {feel}"),
    "fr": ("{filler} {feel}", "{thing} et {filler}", "{feel} franchement"),
}


class Repeated(msgspec.Struct, frozen=True):
    """A text posted word for word by many accounts, and the words that name it."""

    text: Named
    marks: tuple[str, ...]


#: One of these is posted word for word by many accounts in each stream.
COPY_PASTE: tuple[Repeated, ...] = (
    Repeated(
        Named(
            "I just got my free Lumora skin kit, claim yours before midnight",
            "J'ai reçu mon coffret Lumora gratuit, réclame le tien avant minuit",
        ),
        ("Lumora", "skin kit", "coffret", "claim", "réclame"),
    ),
    Repeated(
        Named(
            "Best giveaway ever: Zentri smartwatch for the first 500, just follow",
            "Meilleur concours : montre Zentri pour les 500 premiers, suivez",
        ),
        ("Zentri", "smartwatch", "giveaway", "concours"),
    ),
)
#: What promotion accounts push (one per stream): a product, a code, a link.
PROMO_PRODUCTS: tuple[tuple[str, str], ...] = (
    ("Kestrel smart kettle", "KETTLE40"),
    ("Orbix air purifier", "ORBIX50"),
)
PROMO_TEXT: dict[Lang, tuple[str, ...]] = {
    "en": (
        "FLASH SALE {product} -{pct}% with code {code}",
        "Last hours! {product} at -{pct}%, code {code}",
        "{product} restocked, discount code {code}",
    ),
    "fr": (
        "VENTE FLASH {product} -{pct}% avec le code {code}",
        "Dernières heures ! {product} à -{pct}%, code {code}",
    ),
}
PROMO_DOMAIN = "shop-kestrel-orbix.example"
COPY_DOMAIN = "claim-now.example"

FIRST_NAMES: tuple[str, ...] = (
    "Maelle", "Yanis", "Oceane", "Bastien", "Priya", "Tariq", "Greta", "Soren", "Ines", "Malik",
    "Harper", "Declan", "Rosalie", "Theo", "Anouk", "Kenji", "Lila", "Ruben", "Solene", "Farah",
)  # fmt: skip
HANDLE_WORDS: tuple[str, ...] = ("xo", "irl", "diary", "picks", "corner", "world", "mood", "journal")
EMOJIS: tuple[str, ...] = ("💫", "🤍", "😭", "👀", "🫶", "✅", "🧡")
