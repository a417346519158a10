"""Near-duplicate groups of images: the same picture reposted, resized, cropped, recompressed
or with a small overlay, told apart from different pictures that merely look alike.

Each image has a :class:`Fingerprint` of two parts, used in two steps:

1. **Candidates** by 64-bit difference hashes (dHash) of the whole picture and of its centre
   (5 % trimmed from each side). Resizing and recompression move few bits; a crop moves many
   bits of the whole-picture hash, but the centre of the original and the whole of the crop
   (or the other way round) still agree. Candidates are the images within
   :data:`CANDIDATE_BITS` bits on the best-matching pair of views, found with BK-trees.
2. **Verification** on a 16x16 grid of mean CIELAB colours. The grid of one image is
   re-sampled over windows a crop could have kept (90-100 % of each side, at the edges or
   centred) and compared with the other's 8x8 grid; the distance is a percentile of the
   per-cell colour differences (so an overlay over a few cells does not count) at the best
   window, and must be smaller the more hash bits differ. Different pictures with similar
   hashes (the same kind of product on a similar backdrop) differ in colour layout and are
   kept apart.

Pure hash thresholds were measured first and fail (``docs/evaluation.md``): at 10 pHash bits
precision was 0.16 and recall 0.77, because a 5 % crop or a caption band moves 10-30 bits
while unrelated pictures of one kind of product come within 6-10 bits.

Groups are assigned online: an image joins the group of its closest verified match (smallest
grid distance, then smallest group id), or founds a group whose id is its own media key. A
group is never merged or renamed afterwards, so an id once published stays valid.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import numpy.typing as npt

#: Side of the stored colour grid, and of the grid windows are compared on.
GRID = 16
_COMPARED = 8
#: Largest dHash distance (of 64 bits, best pair of views) for an image to be verified.
CANDIDATE_BITS = 20
#: Largest grid distance (CIELAB units, :data:`_PERCENTILE` of cells) of the same picture when
#: the hashes are within :data:`CONFIDENT_BITS`; it shrinks by one unit per bit beyond. On the
#: evaluation set reposts stay within 11 units at up to 16 bits and within 8 beyond, while
#: different pictures come within 13 units only at 16 bits and more.
MAX_GRID_DISTANCE = 12.0
CONFIDENT_BITS = 16
#: Percentile of per-cell colour differences taken as the distance: the worst 30 % of cells
#: (an overlay, a caption, the strip a crop removed) are ignored.
_PERCENTILE = 70.0
#: Windows of a picture a crop may have kept, per axis: (start, length) in [0, 1].
_WINDOWS: tuple[tuple[float, float], ...] = (
    (0.0, 1.0),
    *((start, length) for length in (0.95, 0.9) for start in (0.0, (1 - length) / 2, 1 - length)),
)
#: Fingerprint text: two 16-hex-digit hashes, then the grid as bytes (L*, a*, b* scaled).
_HASH_DIGITS = 16
FINGERPRINT_LENGTH = 2 * _HASH_DIGITS + GRID * GRID * 3 * 2
#: CIELAB to bytes: L* in [0, 100] to [0, 255], a* and b* shifted by 128.
_BYTE_SCALE = np.array([2.55, 1.0, 1.0])
_BYTE_OFFSET = np.array([0.0, 128.0, 128.0])

Grid = npt.NDArray[np.float64]


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two hashes."""
    return (a ^ b).bit_count()


@dataclass(frozen=True, slots=True, eq=False)
class Fingerprint:
    """What near-duplicate detection keeps of an image (see the module docstring)."""

    #: dHash of the whole picture and of its centre.
    hashes: tuple[int, int]
    #: ``GRID x GRID x 3`` mean CIELAB colours, row by row.
    grid: Grid
    #: The grid re-sampled over every window a crop may have kept (computed once, for comparisons).
    windows: Grid = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "windows", _windows(self.grid))

    def encode(self) -> str:
        """Hex text for storage: hashes, then L* x 2.55 and a*, b* + 128 as bytes."""
        scaled = self.grid.reshape(-1, 3) * _BYTE_SCALE + _BYTE_OFFSET
        grid = np.clip(np.rint(scaled), 0, 255).astype(np.uint8).tobytes().hex()
        return f"{self.hashes[0]:016x}{self.hashes[1]:016x}{grid}"

    @classmethod
    def decode(cls, text: str) -> Fingerprint:
        """Inverse of :meth:`encode`; :class:`ValueError` if ``text`` is not a fingerprint."""
        if len(text) != FINGERPRINT_LENGTH:
            raise ValueError(f"a fingerprint has {FINGERPRINT_LENGTH} hex digits, not {len(text)}")
        stored = np.frombuffer(bytes.fromhex(text[2 * _HASH_DIGITS :]), np.uint8).astype(np.float64)
        lab = (stored.reshape(-1, 3) - _BYTE_OFFSET) / _BYTE_SCALE
        hashes = (int(text[:_HASH_DIGITS], 16), int(text[_HASH_DIGITS : 2 * _HASH_DIGITS], 16))
        return cls(hashes, lab.reshape(GRID, GRID, 3))


def candidate_bits(a: Fingerprint, b: Fingerprint) -> int:
    """dHash distance on the best pair of views (whole/whole, whole/centre, centre/whole)."""
    (a0, a1), (b0, b1) = a.hashes, b.hashes
    return min(hamming(a0, b0), hamming(a0, b1), hamming(a1, b0))


@cache
def _window_weights() -> npt.NDArray[np.float64]:
    """Per window, the share of each grid cell in each compared cell: ``(windows, 8, 16)``."""
    edges = np.linspace(0.0, 1.0, GRID + 1)
    weights = np.zeros((len(_WINDOWS), _COMPARED, GRID))
    for w, (start, length) in enumerate(_WINDOWS):
        bounds = start + length * np.linspace(0.0, 1.0, _COMPARED + 1)
        low = np.maximum(bounds[:-1, None], edges[None, :-1])
        high = np.minimum(bounds[1:, None], edges[None, 1:])
        overlap = np.clip(high - low, 0.0, None)
        weights[w] = overlap / overlap.sum(axis=1, keepdims=True)
    return weights


def _windows(grid: Grid) -> Grid:
    """Every window of ``grid`` re-sampled to 8x8, flattened: ``(windows_y * windows_x, 64, 3)``."""
    weights = _window_weights()
    rows = np.tensordot(weights, grid, axes=([2], [0]))  # (windows_y, 8, GRID, 3)
    cells = np.tensordot(rows, weights, axes=([2], [2]))  # (windows_y, 8, 3, windows_x, 8)
    return cells.transpose(0, 3, 1, 4, 2).reshape(len(_WINDOWS) ** 2, _COMPARED**2, 3)


#: Rank of the percentile among the per-cell differences of one window.
_RANK = round(_PERCENTILE / 100 * (_COMPARED**2 - 1))


def grid_distance(a: Fingerprint, b: Fingerprint) -> float:
    """Colour-layout distance at the best alignment, in either direction (one may be a crop)."""
    # Window 0 is the whole picture; compare every window of each with the whole of the other.
    pairs = np.concatenate([a.windows - b.windows[0], b.windows - a.windows[0]])
    cells = np.sqrt(np.einsum("wkc,wkc->wk", pairs, pairs))
    return float(np.partition(cells, _RANK, axis=1)[:, _RANK].min())


def allowed_grid_distance(bits: int) -> float:
    """Largest grid distance of the same picture for fingerprints ``bits`` apart (negative: none)."""
    if bits > CANDIDATE_BITS:
        return -1.0
    return MAX_GRID_DISTANCE - max(0, bits - CONFIDENT_BITS)


def match_distance(a: Fingerprint, b: Fingerprint) -> float | None:
    """Grid distance of two fingerprints of the same picture; ``None`` if they show different ones."""
    allowed = allowed_grid_distance(candidate_bits(a, b))
    if allowed < 0:
        return None
    distance = grid_distance(a, b)
    return distance if distance <= allowed else None


@dataclass(frozen=True, slots=True)
class Member:
    """An image already placed in a group."""

    media_key: str
    fingerprint: Fingerprint
    group: str


@dataclass(slots=True)
class _Node:
    key: int
    member: Member
    children: dict[int, _Node] = field(default_factory=dict)


class _BKTree:
    """Members by one 64-bit hash; finds those within a Hamming radius without a full scan."""

    def __init__(self) -> None:
        self._root: _Node | None = None

    def insert(self, key: int, member: Member) -> None:
        if self._root is None:
            self._root = _Node(key, member)
            return
        node = self._root
        while (child := node.children.get(distance := hamming(key, node.key))) is not None:
            node = child
        node.children[distance] = _Node(key, member)

    def within(self, key: int, radius: int) -> Iterator[Member]:
        pending = [self._root] if self._root is not None else []
        while pending:
            node = pending.pop()
            distance = hamming(key, node.key)
            if distance <= radius:
                yield node.member
            # Triangle inequality: only children at distance d from the node can hold a match.
            low, high = distance - radius, distance + radius
            pending.extend(child for d, child in node.children.items() if low <= d <= high)


class NearDuplicateIndex:
    """Online grouping: :meth:`add` places one image, :meth:`matches` lists its verified matches."""

    def __init__(self) -> None:
        self._whole = _BKTree()
        self._centre = _BKTree()
        self._groups: dict[str, str] = {}

    def __len__(self) -> int:
        return len(self._groups)

    def group_of(self, media_key: str) -> str | None:
        return self._groups.get(media_key)

    def matches(self, fingerprint: Fingerprint) -> list[tuple[float, Member]]:
        """Members showing the same picture, with their grid distance, closest first."""
        whole, centre = fingerprint.hashes
        candidates = {
            m.media_key: m
            for m in (
                *self._whole.within(whole, CANDIDATE_BITS),
                *self._whole.within(centre, CANDIDATE_BITS),
                *self._centre.within(whole, CANDIDATE_BITS),
            )
        }
        found = [(match_distance(fingerprint, m.fingerprint), m) for m in candidates.values()]
        return sorted(((d, m) for d, m in found if d is not None), key=lambda dm: (dm[0], dm[1].group))

    def place(self, member: Member) -> None:
        """Insert an image whose group is already known (e.g. read back from the warehouse)."""
        if member.media_key in self._groups:
            return
        self._groups[member.media_key] = member.group
        self._whole.insert(member.fingerprint.hashes[0], member)
        self._centre.insert(member.fingerprint.hashes[1], member)

    def add(self, media_key: str, fingerprint: Fingerprint) -> str:
        """Group of a new image: its closest match's, else its own key. A known key keeps its group."""
        if (known := self._groups.get(media_key)) is not None:
            return known
        found = self.matches(fingerprint)
        group = found[0][1].group if found else media_key
        self.place(Member(media_key, fingerprint, group))
        return group


def group_images(images: Iterable[tuple[str, Fingerprint]]) -> dict[str, str]:
    """Group ``(media_key, fingerprint)`` pairs, taken in the given order: media key -> group id."""
    index = NearDuplicateIndex()
    return {key: index.add(key, fingerprint) for key, fingerprint in images}


def pair_scores(truth: dict[str, int], predicted: dict[str, str]) -> tuple[float, float]:
    """Pairwise precision and recall of a grouping: pairs put together, pairs that belong together."""
    true_groups = _sizes(truth.values())
    predicted_groups = _sizes(predicted.values())
    both = _sizes((truth[key], predicted[key]) for key in truth)
    hits = sum(_pairs(n) for n in both)
    return hits / max(sum(map(_pairs, predicted_groups)), 1), hits / max(sum(map(_pairs, true_groups)), 1)


def _sizes(labels: Iterable[object]) -> Sequence[int]:
    counts: dict[object, int] = {}
    for label in labels:
        counts[label] = counts.get(label, 0) + 1
    return list(counts.values())


def _pairs(n: int) -> int:
    return n * (n - 1) // 2
