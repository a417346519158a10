"""A publisher that records what it is given (for tests of one service alone)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field


@dataclass
class Published:
    topic: str
    data: bytes
    attributes: dict[str, str]


@dataclass
class RecordingPublisher:
    messages: list[Published] = field(default_factory=list)

    def publish(self, topic: str, data: bytes, attributes: Mapping[str, str] | None = None) -> str:
        self.messages.append(Published(topic, data, dict(attributes or {})))
        return str(len(self.messages))

    def publish_many(self, topic: str, messages: Sequence[tuple[bytes, Mapping[str, str]]]) -> list[str]:
        return [self.publish(topic, data, attributes) for data, attributes in messages]

    def on(self, topic: str) -> list[Published]:
        return [m for m in self.messages if m.topic == topic]
