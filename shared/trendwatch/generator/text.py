"""Tweet text with X's entity annotations, whose offsets are kept right as the text is built."""

from __future__ import annotations

from typing import Any, Protocol

Entities = dict[str, list[dict[str, Any]]]


class Handle(Protocol):
    """An account as a mention names it."""

    @property
    def username(self) -> str: ...

    @property
    def user_id(self) -> str: ...


class TextBuilder:
    """Appends plain text, hashtags, mentions and links, recording each entity's ``[start, end)``.

    Offsets count Unicode code points, as X v2 does (and as Python indexes ``str``).
    """

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._length = 0
        self._entities: Entities = {}

    @property
    def length(self) -> int:
        return self._length

    def text(self, fragment: str) -> TextBuilder:
        self._parts.append(fragment)
        self._length += len(fragment)
        return self

    def _entity(self, kind: str, fragment: str, fields: dict[str, Any]) -> TextBuilder:
        if self._parts and not self._parts[-1].endswith(" "):
            self.text(" ")
        start = self._length
        self.text(fragment)
        self._entities.setdefault(kind, []).append({"start": start, "end": self._length, **fields})
        return self

    def hashtag(self, tag: str) -> TextBuilder:
        return self._entity("hashtags", f"#{tag}", {"tag": tag})

    def mention(self, account: Handle) -> TextBuilder:
        return self._entity(
            "mentions", f"@{account.username}", {"username": account.username, "id": account.user_id}
        )

    def url(self, short: str, expanded: str) -> TextBuilder:
        display = expanded.split("://", 1)[-1]
        return self._entity("urls", short, {"url": short, "expanded_url": expanded, "display_url": display})

    def build(self) -> tuple[str, Entities]:
        return "".join(self._parts), self._entities


def retweet_text(original_author: Handle, text: str, entities: Entities) -> tuple[str, Entities]:
    """``RT @user: <text>``, with the RT mention first and the original's entities shifted, as X does."""
    builder = TextBuilder().text("RT ").mention(original_author).text(": ")
    shift = builder.length
    rt_text, rt_entities = builder.text(text).build()
    for kind, items in entities.items():
        rt_entities.setdefault(kind, []).extend(
            {**item, "start": item["start"] + shift, "end": item["end"] + shift} for item in items
        )
    return rt_text, rt_entities
