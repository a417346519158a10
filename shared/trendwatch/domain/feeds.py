"""Rows of the daily feed files: one typed schema per feed kind, validated with readable reasons.

Feeds arrive as CSV (every value a string) or JSONL (values may already be numbers, lists or
null). Each kind's row is a msgspec Struct whose fields are its warehouse table's columns
(all but ``loaded_at``); the validators are derived from the field types, so each schema is
written once:

* a field with a default (``keywords``, ``delivered_at``, an order's ``location_id``) may be
  absent or empty; every other field is required and must not be blank;
* integers are whole numbers (``"12"`` or ``12``, never ``"1.5"`` or ``true``) that fit a
  64-bit integer, prices finite numbers, both within the field's bounds: quantities are never
  negative, and never absurd (:data:`MAX_ORDER_LINE_QUANTITY`, :data:`MAX_DELIVERY_QUANTITY`,
  :data:`MAX_STOCK_COUNT`);
* dates are ``YYYY-MM-DD``; timestamps are ISO 8601, and one without an offset is taken as UTC;
* ``keywords`` is a ``|``-separated string (or a JSON list of strings).

Validation does not stop at the first problem: a rejected row carries every reason, so one
look at the quarantine tells what to fix.

Rules across rows, once each row is valid on its own (the loader applies them, in this order,
with what the warehouse already holds):

* :func:`refuse_unknown_skus`: inventory, order and delivery rows name a SKU of the product
  catalogue. An empty catalogue (no products feed loaded yet) knows no SKU, so every row is
  refused, saying so: nothing is lost, the rows wait in quarantine and load when the file is
  loaded again after the catalogue.
* :func:`refuse_duplicates`: rows of one file sharing a primary key. The first one (in file
  order) is loaded; a later identical one is refused as a repeat (the line is loaded once, the
  repeat is visible and counted), a later different one as a conflict naming what differs.
* :func:`refuse_conflicts`: order lines and stock snapshots are facts that do not change: one
  already loaded from another file with other values is kept, and the new row is refused,
  naming the file it was loaded from. Products and deliveries change (a new price, a delivery
  delayed then delivered): a later file updates them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from functools import partial
from typing import Annotated, Any, Literal, NamedTuple

import msgspec
import msgspec.inspect as mi

from trendwatch.contracts.values import INT64_MAX, Count
from trendwatch.warehouse.schema import table

#: Units of one SKU in one customer order line. Shoppers buy a few; a thousand is no retail
#: order line but a typo (a barcode or a price in the quantity column) or a wholesale order,
#: which does not belong in this feed and would swamp a SKU's demand history.
MAX_ORDER_LINE_QUANTITY = 1_000
#: Units of one SKU in one delivery to one store or warehouse: a few pallets at most; more is
#: an extra digit, and would project stock that never comes.
MAX_DELIVERY_QUANTITY = 2_000
#: Units of one SKU on hand (or on order) at one store or warehouse.
MAX_STOCK_COUNT = 100_000

OrderQuantity = Annotated[int, msgspec.Meta(ge=0, le=MAX_ORDER_LINE_QUANTITY)]
DeliveryQuantity = Annotated[int, msgspec.Meta(ge=0, le=MAX_DELIVERY_QUANTITY)]
StockCount = Annotated[int, msgspec.Meta(ge=0, le=MAX_STOCK_COUNT)]
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
    on_hand: StockCount
    on_order: StockCount


class OrderRow(msgspec.Struct, frozen=True):
    order_id: str
    line_number: Count
    sku: str
    quantity: OrderQuantity
    unit_price: Price
    ordered_at: datetime
    channel: str
    #: Empty for orders no store or warehouse is attached to (e.g. some web orders).
    location_id: str | None = None


class DeliveryRow(msgspec.Struct, frozen=True):
    delivery_id: str
    sku: str
    location_id: str
    quantity: DeliveryQuantity
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


def _integer(value: object, *, minimum: int | None, maximum: int | None) -> int:
    if isinstance(value, str) and re.fullmatch(r"[+-]?\d+", text := value.strip()):
        if len(text) > 20:  # longer than any 64-bit integer; int() of thousands of digits is refused
            raise _FieldError(f"out of range of a 64-bit integer: {text[:20]}... ({len(text)} digits)")
        number = int(text)
    elif isinstance(value, int) and not isinstance(value, bool):
        number = value
    else:
        raise _FieldError(f"not an integer: {value!r}")
    if not -INT64_MAX - 1 <= number <= INT64_MAX:
        raise _FieldError(f"out of range of a 64-bit integer: {number}")
    if minimum is not None and number < minimum:
        raise _FieldError(f"must be >= {minimum}, got {number}")
    if maximum is not None and number > maximum:
        raise _FieldError(f"must be <= {maximum:,}, got {number:,}")
    return number


def _number(value: object, *, minimum: float | None) -> float:
    try:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise ValueError
        number = float(value)
    except ValueError:
        raise _FieldError(f"not a number: {value!r}") from None
    except OverflowError:  # an integer of hundreds of digits
        raise _FieldError(f"not a finite number: {str(value)[:20]}...") from None
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
    try:
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except OverflowError:
        raise _FieldError(f"out of range of a timestamp: {value!r}") from None


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
        case mi.IntType(ge=minimum, le=maximum):
            return partial(_integer, minimum=minimum, maximum=maximum)
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
        except Exception as exc:  # a value no rule foresaw still refuses its row alone
            reasons.append(f"{f.name}: {type(exc).__name__}: {exc}")
    if reasons:
        return reasons
    typed = spec.row_type(**values)
    return spec.check(typed) or typed


class ValidRow(NamedTuple):
    """A row valid on its own: where it was, what it said, and its typed values."""

    line: int
    fields: dict[str, Any]
    row: FeedRow


def check_rows(
    kind: str, rows: Iterable[tuple[int, Mapping[str, object]]]
) -> tuple[list[ValidRow], list[RejectedRow]]:
    """Split numbered rows (line, fields) of a ``kind`` feed into valid rows and rejections.

    Keys that are not columns of the feed are ignored.
    """
    spec = FEEDS[kind]
    good: list[ValidRow] = []
    rejected: list[RejectedRow] = []
    for line, row in rows:
        result = validate_row(spec, row)
        if isinstance(result, list):
            rejected.append(RejectedRow(line, dict(row), tuple(result)))
        else:
            good.append(ValidRow(line, dict(row), result))
    return good, rejected


def validate_rows(
    kind: str, rows: Iterable[tuple[int, Mapping[str, object]]]
) -> tuple[list[FeedRow], list[RejectedRow]]:
    """:func:`check_rows`, with the typed rows alone."""
    good, rejected = check_rows(kind, rows)
    return [v.row for v in good], rejected


#: Feeds whose rows are facts that never change once loaded (see the module docstring).
IMMUTABLE_KINDS = frozenset({"inventory", "orders"})
#: The column recording which feed file a row's current values came from.
SOURCE_COLUMN = "source_object"

_SPEC_OF_TYPE: dict[type[FeedRow], FeedSpec] = {spec.row_type: spec for spec in FEEDS.values()}


def row_key(row: FeedRow) -> tuple[Any, ...]:
    """The row's primary key in its table."""
    return tuple(getattr(row, k) for k in _SPEC_OF_TYPE[type(row)].primary_key)


def describe(row: FeedRow) -> str:
    """The row's key, as people name it."""
    match row:
        case InventoryRow():
            return f"snapshot {row.snapshot_date} {row.sku}@{row.location_id}"
        case OrderRow():
            return f"order line {row.order_id} #{row.line_number}"
        case DeliveryRow():
            return f"delivery {row.delivery_id} of {row.sku}"
    return f"product {row.sku}"


def _shown(value: object) -> str:
    if isinstance(value, date):  # datetimes too
        return value.isoformat()
    if isinstance(value, tuple):
        return "|".join(map(str, value)) or "none"
    return "none" if value is None else str(value)


def _differences(first: FeedRow, then: FeedRow) -> tuple[str, str]:
    """What ``first`` says and what ``then`` says instead, on the non-key fields that differ."""
    spec = _SPEC_OF_TYPE[type(first)]
    fields = [
        f.name
        for f in spec.fields
        if f.name not in spec.primary_key and getattr(first, f.name) != getattr(then, f.name)
    ]
    said = " and ".join(f"{name} {_shown(getattr(first, name))}" for name in fields)
    if len(fields) == 1:  # "with on_hand 12; this file says 30"
        return said, _shown(getattr(then, fields[0]))
    return said, " and ".join(f"{name} {_shown(getattr(then, name))}" for name in fields)


def _refused(valid: ValidRow, reason: str) -> RejectedRow:
    return RejectedRow(valid.line, valid.fields, (reason,))


def refuse_unknown_skus(
    kind: str, rows: Sequence[ValidRow], known: Collection[str], *, catalogue_loaded: bool
) -> tuple[list[ValidRow], list[RejectedRow]]:
    """Keep the rows whose SKU is in the catalogue (``known``: at least the known SKUs among
    ``rows``; ``catalogue_loaded``: whether the catalogue has any product at all)."""
    if kind == "products":
        return list(rows), []
    hint = (
        "" if catalogue_loaded else " (the catalogue is empty: load the products feed, then this file again)"
    )
    kept: list[ValidRow] = []
    refused: list[RejectedRow] = []
    for valid in rows:
        sku = valid.row.sku
        if sku in known:
            kept.append(valid)
        else:
            refused.append(_refused(valid, f"sku {sku} is not in the product catalogue{hint}"))
    return kept, refused


def refuse_duplicates(rows: Sequence[ValidRow]) -> tuple[list[ValidRow], list[RejectedRow]]:
    """Keep the first row of each primary key (in file order); refuse the later ones, saying
    whether each repeats the first exactly (loaded once) or contradicts it."""
    first: dict[tuple[Any, ...], ValidRow] = {}
    kept: list[ValidRow] = []
    refused: list[RejectedRow] = []
    for valid in rows:
        key = row_key(valid.row)
        earlier = first.setdefault(key, valid)
        if earlier is valid:
            kept.append(valid)
        elif earlier.row == valid.row:
            refused.append(
                _refused(valid, f"{describe(valid.row)} repeats line {earlier.line} exactly: loaded once")
            )
        else:
            said, says = _differences(earlier.row, valid.row)
            refused.append(
                _refused(
                    valid,
                    f"{describe(valid.row)} is also at line {earlier.line} with {said};"
                    f" this line says {says}: the first one is loaded",
                )
            )
    return kept, refused


class LoadedRow(NamedTuple):
    """A row as the warehouse holds it, and the feed file its values came from."""

    row: FeedRow
    #: ``None`` for rows loaded before files were recorded.
    source_object: str | None


def loaded_row(kind: str, record: Mapping[str, Any]) -> LoadedRow | None:
    """A stored row (a warehouse query's record of the feed's table) read back as a feed row;
    ``None`` if it is not one any more (stored before today's rules)."""
    values = {k: v.isoformat() if isinstance(v, date) else v for k, v in record.items()}
    typed = validate_row(FEEDS[kind], values)
    return None if isinstance(typed, list) else LoadedRow(typed, record.get(SOURCE_COLUMN))


def refuse_conflicts(
    kind: str, rows: Sequence[ValidRow], loaded: Mapping[tuple[Any, ...], LoadedRow], source: str
) -> tuple[list[ValidRow], list[RejectedRow]]:
    """For the feeds of facts (:data:`IMMUTABLE_KINDS`): refuse a row whose key was loaded from
    another file with other values (``loaded``: the stored rows of the keys of ``rows``). A file
    loaded again under its own name may change its own rows: it replaces its earlier version."""
    if kind not in IMMUTABLE_KINDS:
        return list(rows), []
    kept: list[ValidRow] = []
    refused: list[RejectedRow] = []
    for valid in rows:
        stored = loaded.get(row_key(valid.row))
        if stored is None or stored.source_object == source or stored.row == valid.row:
            kept.append(valid)
            continue
        origin = stored.source_object or "an earlier load (its file was not recorded)"
        said, says = _differences(stored.row, valid.row)
        refused.append(
            _refused(
                valid,
                f"{describe(valid.row)} already loaded from {origin} with {said}; this file says {says}",
            )
        )
    return kept, refused


def table_rows(
    rows: Iterable[FeedRow], loaded_at: datetime, *, source: str | None = None
) -> list[dict[str, Any]]:
    """Typed rows as rows of their warehouse table; ``source`` is recorded where the table has
    a :data:`SOURCE_COLUMN`."""
    result = []
    for row in rows:
        values = msgspec.structs.asdict(row) | {"loaded_at": loaded_at}
        if source is not None and SOURCE_COLUMN in table(_SPEC_OF_TYPE[type(row)].table).column_names:
            values[SOURCE_COLUMN] = source
        result.append(values)
    return result
