"""Value types the contracts share, so that what decodes also fits where it is written.

The warehouse's integers are INT64: a larger number decoded from a message would fail the
statement that writes it, for every row of the batch. A time without an offset is ambiguous
once it leaves its writer: the pipeline's own events carry an offset (aware times), and one
without is refused at decoding instead of failing a comparison later.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

#: The largest warehouse integer (INT64).
INT64_MAX = 2**63 - 1

#: A count or size: a whole number from 0 to INT64's maximum.
Count = Annotated[int, msgspec.Meta(ge=0, le=INT64_MAX)]
#: A signed whole number the warehouse's INT64 holds.
Int64 = Annotated[int, msgspec.Meta(ge=-INT64_MAX - 1, le=INT64_MAX)]
#: A time with its offset (refused without one when decoded).
AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True)]
