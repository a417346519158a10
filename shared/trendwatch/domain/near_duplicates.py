"""Near-duplicate groups of images by the Hamming distance of their 64-bit perceptual hashes.

A repost of a photo (resized, slightly cropped, recompressed, with a small overlay) keeps
most bits of its pHash; a different photo differs in about half of them. An image joins
the group of its nearest earlier image within :data:`MAX_DISTANCE` bits, or founds a new
group whose id is its own media key. Groups are never merged or renamed afterwards, so an
id once published stays valid; the lookup is a BK-tree, so adding an image costs far less
than comparing it with every image seen.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

#: Largest Hamming distance (of 64 bits) between two pHashes of the same picture. On the
#: reposts of ``benchmarks/eval_images.py`` (resize, 5 % crop, JPEG, overlay) three quarters
#: of same-picture pairs are within 10 bits, but so are about 1 % of pairs of distinct, plain
#: generated pictures; a larger distance merges groups faster than it finds reposts (see the
#: sweep in ``docs/evaluation.md``).
MAX_DISTANCE = 10


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hex-encoded hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


@dataclass(frozen=True, slots=True)
class Member:
    """An image already placed in a group."""

    media_key: str
    phash: str
    group: str


@dataclass(slots=True)
class _Node:
    member: Member
    children: dict[int, _Node] = field(default_factory=dict)


class NearDuplicateIndex:
    """Incremental grouping: :meth:`add` places one image, :meth:`near` finds close ones."""

    def __init__(self, max_distance: int = MAX_DISTANCE) -> None:
        self.max_distance = max_distance
        self._root: _Node | None = None
        self._groups: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._groups)

    def near(self, phash: str) -> Iterator[tuple[int, Member]]:
        """Every member within ``max_distance`` of ``phash``, with its distance (in no order)."""
        pending = [self._root] if self._root is not None else []
        while pending:
            node = pending.pop()
            distance = hamming(phash, node.member.phash)
            if distance <= self.max_distance:
                yield distance, node.member
            # Triangle inequality: only children at distance d from the node can hold a match.
            low, high = distance - self.max_distance, distance + self.max_distance
            pending.extend(child for d, child in node.children.items() if low <= d <= high)

    def group_of(self, media_key: str) -> str | None:
        return self._groups.get(media_key)

    def place(self, member: Member) -> None:
        """Insert an image whose group is already known (e.g. read back from the warehouse)."""
        if member.media_key in self._groups:
            return
        self._groups[member.media_key] = member.group
        if self._root is None:
            self._root = _Node(member)
            return
        node = self._root
        while True:
            distance = hamming(member.phash, node.member.phash)
            child = node.children.get(distance)
            if child is None:
                node.children[distance] = _Node(member)
                return
            node = child

    def add(self, media_key: str, phash: str) -> str:
        """Group of a new image: its nearest member's (ties: smallest group id), else its own key.

        Adding a media key that is already present returns its group unchanged.
        """
        if (known := self._groups.get(media_key)) is not None:
            return known
        nearest = min(((d, m.group) for d, m in self.near(phash)), default=None)
        group = media_key if nearest is None else nearest[1]
        self.place(Member(media_key, phash, group))
        return group


def group_images(images: Iterable[tuple[str, str]], max_distance: int = MAX_DISTANCE) -> dict[str, str]:
    """Group ``(media_key, phash)`` pairs, taken in the given order; returns media key -> group id."""
    index = NearDuplicateIndex(max_distance)
    return {key: index.add(key, phash) for key, phash in images}
