"""Small frame helpers shared by the forecasting modules."""

from __future__ import annotations

from datetime import date
from typing import Any

import pandas as pd  # type: ignore[import-untyped]  # no pandas-stubs in the environment


def to_days(value: Any) -> Any:
    """A date, string, timestamp or a Series of them as naive midnight ``datetime64[ns]`` (UTC days).

    Timezone-aware values are converted to UTC first.
    """
    if isinstance(value, pd.Series):
        stamps = pd.to_datetime(value)
        if stamps.dt.tz is not None:
            stamps = stamps.dt.tz_convert("UTC").dt.tz_localize(None)
        return stamps.dt.floor("D").astype("datetime64[ns]")
    stamp = pd.Timestamp(value if not isinstance(value, date) else value.isoformat())
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.floor("D").as_unit("ns")
