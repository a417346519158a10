"""Personal data in answers: fields marked :data:`PERSONAL` in :mod:`trendwatch.api.models`
(people's names, profile text, location) are withheld from roles that may not see them.

The filter sits between the read layer and everything that shows its answers (the JSON API
and the dashboard alike, see :func:`trendwatch.api.routes.reads`): a reader for such a role
returns every answer with its personal fields set to ``None``, so a new endpoint or page is
covered as soon as its model marks the field.
"""

from __future__ import annotations

import functools
from typing import Any, TypeVar

from pydantic import BaseModel

T = TypeVar("T")

#: ``json_schema_extra`` of a personal field; OpenAPI shows it as ``"x-personal": true``.
PERSONAL: dict[str, Any] = {"x-personal": True}


def _is_personal(model: type[BaseModel], name: str) -> bool:
    extra = model.model_fields[name].json_schema_extra
    return isinstance(extra, dict) and extra.get("x-personal") is True


def withhold_personal(value: T) -> T:
    """``value`` with every personal field of every model in it (however nested) set to ``None``."""
    if isinstance(value, BaseModel):
        model = type(value)
        changes = {
            name: None if _is_personal(model, name) else withhold_personal(getattr(value, name))
            for name in model.model_fields
        }
        return value.model_copy(update=changes)
    if isinstance(value, list):
        return [withhold_personal(v) for v in value]  # type: ignore[return-value]
    if isinstance(value, tuple):
        return tuple(withhold_personal(v) for v in value)  # type: ignore[return-value]
    if isinstance(value, dict):
        return {k: withhold_personal(v) for k, v in value.items()}  # type: ignore[return-value]
    return value


class PersonalDataWithheld:
    """A read layer whose every method's answer goes through :func:`withhold_personal`."""

    def __init__(self, reads: object) -> None:
        self._reads = reads

    def __getattr__(self, name: str) -> Any:
        found = getattr(self._reads, name)
        if not callable(found):
            return found

        @functools.wraps(found)
        def withholding(*args: Any, **kwargs: Any) -> Any:
            return withhold_personal(found(*args, **kwargs))

        return withholding
