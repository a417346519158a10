"""Rows of the daily feed files: one typed schema per feed kind, validated with readable reasons.

Feeds arrive as CSV (every value a string) or JSONL (values may already be numbers, lists or
null). Each kind's row is a msgspec Struct whose fields are its warehouse table's columns
(all but ``loaded_at``); the validators are derived from the field types, so each schema is
written once:

* a field with a default (``keywords``, ``delivered_at``, an order's ``location_id``) may be
  absent or empty; every other field is required and must not be blank;
* integers are whole numbers (``"12"`` or ``12``, never ``"1.5"`` or ``true``), prices finite
  numbers, both with the field's lower bound;
* dates are ``YYYY-MM-DD``; timestamps are ISO 8601, and one without an offset is taken as UTC;
* ``keywords`` is a ``|``-separated string (or a JSON list of strings).

Validation does not stop at the first problem: a rejected row carries every reason, so one
look at the quarantine tells what to fix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from typing import Annotated, Any, Literal

import msgspec
import msgspec.inspect as mi

from trendwatch.warehouse.schema import table

Count = Annotated[int, msgspec.Meta(ge=0)]
Price = Annotated[float, msgspec.Meta(ge=0)]
DeliveryStatus = Literal["planned", "in_transit", "delayed", "delivered", "cancelled"]


class ProductRow(msgspec.Struct, frozen=True):
    sku: str
    name: str
    category: str
    brand: str
    price: Price
    keywords: tuple[str, ...] = ()


class InventoryRow(msgspec.Struct, frozen=True):
    snapshot_date: date
    sku: str
    location_id: str
    on_hand: Count
    on_order: Count


class OrderRow(msgspec.Struct, frozen=True):
    order_id: str
    line_number: Count
    sku: str
    quantity: Count
    unit_price: Price
    ordered_at: datetime
    channel: str
    #: Empty for orders no store or warehouse is attached to (e.g. some web orders).
    location_id: str | None = None


class DeliveryRow(msgspec.Struct, frozen=True):
    delivery_id: str
    sku: str
    location_id: str
    quantity: Count
    expected_date: date
    status: DeliveryStatus
    delivered_at: datetime | None = None


FeedRow = ProductRow | InventoryRow | OrderRow | DeliveryRow


class RejectedRow(msgspec.Struct, frozen=True):
    """A row that was not loaded: where it was, what it said, and why it was refused."""

    #: Line of the file where the row ends (a CSV header is line 1).
    line: int
    #: The row as read: its fields, or the raw text of a line that was not a JSON object.
    row: dict[str, Any] | str
    reasons: tuple[str, ...]


class _FieldError(ValueError):
    """One field's value is unusable; the message is the reason shown to people."""


Parse = Callable[[object], object]


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise _FieldError(f"expected text, got {value!r}")
    return value.strip()


def _integer(value: object, *, minimum: int | None) -> int:
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value.strip()):
        number = int(value)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raise _FieldError(f"not an integer: {value!r}")
    if minimum is not None and number < minimum:
        raise _FieldError(f"must be >= {minimum}, got {number}")
    return number


def _number(value: object, *, minimum: float | None) -> float:
    try:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError
        number = float(value)
    except ValueError:
        raise _FieldError(f"not a number: {value!r}") from None
    if not math.isfinite(number):
        raise _FieldError(f"not a finite number: {value!r}")
    if minimum is not None and number < minimum:
        raise _FieldError(f"must be >= {minimum:g}, got {number:g}")
    return number


def _date(value: object) -> date:
    text = value.strip() if isinstance(value, str) else ""
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            pass
    raise _FieldError(f"not a date YYYY-MM-DD: {value!r}")


def _timestamp(value: object) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip()) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None:
        raise _FieldError(f"not an ISO 8601 timestamp: {value!r}")
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _one_of(allowed: Sequence[object], value: object) -> object:
    choice = value.strip() if isinstance(value, str) else value
    if choice not in allowed:
        raise _FieldError(f"must be one of {', '.join(map(str, allowed))}; got {value!r}")
    return choice


def _keywords(value: object) -> tuple[str, ...]:
    if isinstance(value, str):
        items: list[object] = list(value.split("|"))
    elif isinstance(value, list):
        items = value
    else:
        raise _FieldError(f"expected '|'-separated keywords, got {value!r}")
    if not all(isinstance(item, str) for item in items):
        raise _FieldError(f"keywords must be text, got {value!r}")
    return tuple(word for item in items if (word := str(item).strip()))


def _parser(info: mi.Type) -> Parse:
    """The validator of one field type; only the types feed rows use are supported."""
    match info:
        case mi.StrType():
            return _text
        case mi.IntType(ge=minimum):
            return partial(_integer, minimum=minimum)
        case mi.FloatType(ge=minimum):
            return partial(_number, minimum=minimum)
        case mi.DateType():
            return _date
        case mi.DateTimeType():
            return _timestamp
        case mi.LiteralType(values=values):
            return partial(_one_of, values)
        case mi.VarTupleType(item_type=mi.StrType()):
            return _keywords
        case mi.UnionType(types=(inner, mi.NoneType())):
            return _parser(inner)
    raise TypeError(f"no feed validator for {info!r}")


@dataclass(frozen=True)
class _Field:
    name: str
    parse: Parse
    required: bool
    default: object


@dataclass(frozen=True)
class FeedSpec:
    """What one feed kind's rows look like and where they are loaded."""

    kind: str
    table: str
    row_type: type[FeedRow]
    #: Rules across fields, checked once every field is valid: one reason per broken rule.
    check: Callable[[Any], list[str]] = lambda row: []
    fields: tuple[_Field, ...] = field(init=False)

    def __post_init__(self) -> None:
        info = mi.type_info(self.row_type)
        assert isinstance(info, mi.StructType)
        fields = tuple(_Field(f.name, _parser(f.type), f.required, f.default) for f in info.fields)
        object.__setattr__(self, "fields", fields)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields if f.required)

    @property
    def primary_key(self) -> tuple[str, ...]:
        return table(self.table).primary_key


def _delivery_rules(row: DeliveryRow) -> list[str]:
    if row.status == "delivered" and row.delivered_at is None:
        return ["delivered_at: required when status is delivered"]
    return []


FEEDS: dict[str, FeedSpec] = {
    spec.kind: spec
    for spec in (
        FeedSpec("products", "products", ProductRow),
        FeedSpec("inventory", "inventory_daily", InventoryRow),
        FeedSpec("orders", "orders", OrderRow),
        FeedSpec("deliveries", "deliveries", DeliveryRow, _delivery_rules),
    )
}


def missing_columns(kind: str, columns: Iterable[str]) -> tuple[str, ...]:
    """Required columns of ``kind`` that a file's header lacks, in schema order."""
    present = set(columns)
    return tuple(c for c in FEEDS[kind].required_columns if c not in present)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def validate_row(spec: FeedSpec, row: Mapping[str, object]) -> FeedRow | list[str]:
    """The typed row, or every reason it is refused."""
    values: dict[str, Any] = {}
    reasons: list[str] = []
    for f in spec.fields:
        raw = row.get(f.name)
        if _blank(raw):
            if f.required:
                reasons.append(f"{f.name}: missing")
            else:
                values[f.name] = f.default
            continue
        try:
            values[f.name] = f.parse(raw)
        except _FieldError as exc:
            reasons.append(f"{f.name}: {exc}")
    if reasons:
        return reasons
    typed = spec.row_type(**values)
    return spec.check(typed) or typed


def validate_rows(
    kind: str, rows: Iterable[tuple[int, Mapping[str, object]]]
) -> tuple[list[FeedRow], list[RejectedRow]]:
    """Split numbered rows (line, fields) of a ``kind`` feed into typed rows and rejections.

    Keys that are not columns of the feed are ignored.
    """
    spec = FEEDS[kind]
    good: list[FeedRow] = []
    rejected: list[RejectedRow] = []
    for line, row in rows:
        result = validate_row(spec, row)
        if isinstance(result, list):
            rejected.append(RejectedRow(line, dict(row), tuple(result)))
        else:
            good.append(result)
    return good, rejected


def table_rows(rows: Iterable[FeedRow], loaded_at: datetime) -> list[dict[str, Any]]:
    """Typed rows as rows of their warehouse table."""
    return [msgspec.structs.asdict(row) | {"loaded_at": loaded_at} for row in rows]


def duplicate_keys(kind: str, rows: Sequence[FeedRow]) -> int:
    """How many rows share their primary key with a later row of the same file."""
    key = FEEDS[kind].primary_key
    return len(rows) - len({tuple(getattr(row, k) for k in key) for row in rows})
