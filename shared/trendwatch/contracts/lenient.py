"""Lenient decoding of X payloads that a strict decode rejects.

Real producers differ from X's documentation in harmless ways: capture tools write ids as
JSON numbers (``"matching_rules": [{"id": 1377649934414049282}]``), counts as strings, or a
field of an unexpected type the pipeline never needed. Such a payload is repaired step by
step until it fits the model, and only a value the pipeline cannot do without (an
``essential`` path) makes it fail. The caller keeps the exact bytes; only the decoded view
is repaired.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

import msgspec

#: How many fields may be dropped from one payload before it is given up on.
_MAX_DROPS = 32
_ERROR_PATH = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_PATH_STEP = re.compile(r"\.(?P<key>[^.\[]+)|\[(?P<index>\d+)\]")

T = TypeVar("T")
Step = str | int


def decode_leniently(payload: bytes, type_: type[T], essential: frozenset[str]) -> T:
    """Decode ``payload`` as ``type_``, repairing what is not essential.

    Integer ids become strings, strings holding numbers or booleans are read as such, and a
    value still of the wrong type is dropped (so its default applies) unless its path, such
    as ``.data.id``, is in ``essential`` or leads to one. Raises :class:`msgspec.DecodeError`
    for malformed JSON and :class:`msgspec.ValidationError` when an essential value is
    missing or unusable.
    """
    obj = stringify_ids(msgspec.json.decode(payload))
    for _ in range(_MAX_DROPS):
        try:
            return msgspec.convert(obj, type_, strict=False)
        except msgspec.ValidationError as exc:
            path = error_path(exc)
            if path is None or any(_leads_to(path, keep) for keep in essential):
                raise
            obj = drop_at(obj, path)
    return msgspec.convert(obj, type_, strict=False)


def _leads_to(path: str, essential: str) -> bool:
    """Whether ``path`` is ``essential`` or one of its parents (``""`` is the whole payload)."""
    return essential == path or essential.startswith((path + ".", path + "["))


def stringify_ids(value: Any) -> Any:
    """A copy of a JSON value where integers under ``id``, ``*_id`` and ``*_ids`` keys are strings.

    X's ids are strings; in every X object a key so named holds an id.
    """
    if isinstance(value, list):
        return [stringify_ids(item) for item in value]
    if not isinstance(value, dict):
        return value
    result = {}
    for key, item in value.items():
        if key == "id" or key.endswith("_id"):
            result[key] = _id_text(item)
        elif key.endswith("_ids") and isinstance(item, list):
            result[key] = [_id_text(element) for element in item]
        else:
            result[key] = stringify_ids(item)
    return result


def _id_text(value: Any) -> Any:
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else stringify_ids(value)


def error_path(error: msgspec.ValidationError) -> str | None:
    """The path msgspec names in a validation error (``.data.entities.hashtags[0]``), if any."""
    match = _ERROR_PATH.search(str(error))
    return match["path"] if match else None


def drop_at(value: Any, path: str) -> Any:
    """A copy of ``value`` without the dict entry or list item that ``path`` names."""
    steps: list[Step] = [
        m["key"] if m["key"] is not None else int(m["index"]) for m in _PATH_STEP.finditer(path)
    ]
    return _drop(value, steps)


def _drop(value: Any, steps: list[Step]) -> Any:
    if not steps:
        return value
    step, rest = steps[0], steps[1:]
    if isinstance(step, str) and isinstance(value, dict) and step in value:
        if not rest:
            return {key: item for key, item in value.items() if key != step}
        return {**value, step: _drop(value[step], rest)}
    if isinstance(step, int) and isinstance(value, list) and step < len(value):
        if not rest:
            return value[:step] + value[step + 1 :]
        return [*value[:step], _drop(value[step], rest), *value[step + 1 :]]
    return value
