"""The one verdict scale and the record of a computed verdict.

Every computed verdict is on the scale :data:`imetbook.data.schema.VERDICTS`, read the same way
for every claim:

- **supported**: the records show what the claim says, in every respect they can check;
- **partly supported**: they bear out part of it (some years, some measures, a weaker kind of
  match) but not all of it, or a gap in the records leaves part of it unchecked;
- **contradicted**: the records show something else;
- **unverified**: the records hold nothing that bears on it (absence from incomplete records
  is never read as a contradiction).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pandas as pd

from imetbook.data import schema
from imetbook.errors import DataError

VERDICTS: tuple[str, ...] = schema.VERDICTS
SUPPORTED, PARTLY, CONTRADICTED, UNVERIFIED = VERDICTS
COMPUTED, SOURCED = "computed", "sourced"


@dataclass(frozen=True)
class Finding:
    """A computed verdict: the claim, the verdict, why, and the figures behind it.

    ``reason`` is plain text (it may quote data: a course title, a place); whoever shows it
    escapes it. ``figures`` has two text columns, ``figure`` and ``value``; ``facts`` holds
    short formatted strings (counts, years, amounts) that pages glue.
    """

    claim_id: str
    verdict: str
    reason: str
    figures: pd.DataFrame
    facts: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise DataError(f"{self.claim_id}: verdict {self.verdict!r} is not one of {VERDICTS}")


def figures_table(rows: Iterable[tuple[str, str]]) -> pd.DataFrame:
    """The ``figure``, ``value`` table of a :class:`Finding`."""
    return pd.DataFrame(list(rows), columns=["figure", "value"]).astype("str")
