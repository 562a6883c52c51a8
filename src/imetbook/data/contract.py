"""The contract machinery: what a tidy table's columns are, checked and published.

A contract names each column, its kind, whether it may be null, and (for a few) the values it
may take. :func:`validate` checks a DataFrame against its contract and raises
:class:`~imetbook.errors.ContractError` naming the table, the column and an example row.
Validation is pandera's; the same declaration gives the data dictionary (:func:`dictionary`)
and the Frictionless Table Schema (:func:`table_schema`) published with the data. Every
numeric column declares its valid range (``bounds``). The tables themselves are declared in
:mod:`imetbook.data.schema` (and :mod:`imetbook.data.schema_fmtr`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

import pandas as pd
from pandas.api import types as ptypes

from imetbook.errors import ContractError

if TYPE_CHECKING:
    import pandera.pandas as pa

KINDS = ("str", "int", "float", "bool", "date")
NUMERIC = ("int", "float")
# Frictionless Table Schema field types of each kind.
FRICTIONLESS_TYPES = {
    "str": "string",
    "int": "integer",
    "float": "number",
    "bool": "boolean",
    "date": "date",
}
ANY = (None, None)  # an explicitly unbounded numeric column (differences)


@dataclass(frozen=True)
class Column:
    """One column: name, kind, meaning, and the values it may take.

    Every numeric column declares ``bounds`` (``(minimum, maximum)``, ``None`` for an open
    end, :data:`ANY` for a difference that may take any value) and may name its ``unit``.
    """

    name: str
    kind: str
    doc: str
    nullable: bool = True
    allowed: tuple[str, ...] | None = None
    bounds: tuple[float | None, float | None] | None = None
    unit: str | None = None
    blank: bool = False  # may be the empty string, which a CSV cannot tell from null

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"column {self.name}: unknown kind {self.kind!r}")
        if self.kind in NUMERIC and self.bounds is None:
            raise ValueError(f"column {self.name}: a numeric column must declare its bounds")

    @property
    def minimum(self) -> float | None:
        return self.bounds[0] if self.bounds else None

    @property
    def maximum(self) -> float | None:
        return self.bounds[1] if self.bounds else None

    def range_text(self) -> str:
        """The valid range in words ('0 or more', '1999 to 2021', 'any')."""
        lo, hi = self.minimum, self.maximum
        if lo is None and hi is None:
            return "any" if self.kind in NUMERIC else ""
        fmt = "{:g}".format
        if hi is None:
            return f"{fmt(lo)} or more"
        if lo is None:
            return f"{fmt(hi)} or less"
        return f"{fmt(lo)} to {fmt(hi)}"

    def check_value(self, value: float) -> float:
        """``value`` if it lies in the column's range; :class:`ContractError` if not (for
        parsers, which add the file and line)."""
        lo, hi = self.minimum, self.maximum
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            raise ContractError(
                f"{self.name} {value:g} is outside its valid range ({self.range_text()})"
            )
        return value


@dataclass(frozen=True)
class Contract:
    """A table: its meaning, its columns, its key, and the columns that say where a row came
    from (``where``: named in every error, e.g. the raw file and line)."""

    table: str
    doc: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = field(default_factory=tuple)
    where: tuple[str, ...] = field(default_factory=tuple)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.table} has no column {name!r}")


def _kind_ok(series: pd.Series, kind: str) -> bool:
    checks = {
        "str": lambda s: ptypes.is_string_dtype(s) or ptypes.is_object_dtype(s),
        "int": ptypes.is_integer_dtype,
        "float": ptypes.is_float_dtype,
        "bool": ptypes.is_bool_dtype,
        "date": ptypes.is_datetime64_any_dtype,
    }
    return bool(checks[kind](series))


def _checks(col: Column) -> list[pa.Check]:
    import pandera.pandas as pa

    kind = col.kind
    checks = [
        pa.Check(
            lambda s, kind=kind: _kind_ok(s, kind),
            name=f"kind_{kind}",
            error=f"expected {kind}",
        )
    ]
    if col.allowed is not None:
        checks.append(pa.Check.isin(list(col.allowed)))
    if col.minimum is not None:
        checks.append(pa.Check.ge(col.minimum))
    if col.maximum is not None:
        checks.append(pa.Check.le(col.maximum))
    return checks


@cache
def pandera_schema(contract: Contract) -> pa.DataFrameSchema:
    """The contract as a pandera schema (built once per contract). pandera is imported here,
    not with the module: every notebook kernel reads the contracts, none validates, and the
    import costs about 0.2 s per kernel and per command."""
    import pandera.pandas as pa

    columns = {
        c.name: pa.Column(None, checks=_checks(c), nullable=c.nullable, required=True)
        for c in contract.columns
    }
    key = list(contract.key) or None
    return pa.DataFrameSchema(columns, unique=key, report_duplicates="all", name=contract.table)


def _example(df: pd.DataFrame, index: object, contract: Contract) -> str:
    if index is None or pd.isna(index) or index not in df.index:
        return ""
    row = df.loc[index]
    if isinstance(row, pd.DataFrame):
        row = row.iloc[0]
    keys = dict.fromkeys(contract.where + contract.key or tuple(contract.names[:2]))
    shown = ", ".join(f"{k}={row[k]!r}" for k in keys if k in df.columns)
    return f" (e.g. {shown})" if shown else ""


def _message(df: pd.DataFrame, contract: Contract, failures: pd.DataFrame) -> str:
    t = contract.table
    order = {name: i for i, name in enumerate(contract.names)}
    failures = failures.assign(_order=failures["column"].map(order).fillna(len(order))).sort_values(
        ["_order", "check_number"], kind="stable", na_position="first"
    )
    first = failures.iloc[0]
    col, check, value = first["column"], str(first["check"]), first["failure_case"]
    value = value.item() if hasattr(value, "item") else value  # numpy scalar: plain repr
    where = _example(df, first["index"], contract)
    if check == "column_in_dataframe":
        missing = failures.loc[failures["check"] == check, "failure_case"]
        return f"{t}: missing column(s) {', '.join(map(str, missing))}"
    if check.startswith(("kind_", "expected ")):
        return f"{t}.{col}: expected {contract.column(col).kind}, got dtype {df[col].dtype}"
    if check == "not_nullable":
        return f"{t}.{col}: null in a non-null column{where}"
    if check.startswith("isin"):
        allowed = list(contract.column(col).allowed or ())
        return f"{t}.{col}: value {value!r} not in {allowed}{where}"
    if check.startswith(("greater_than_or_equal_to", "less_than_or_equal_to")):
        valid = contract.column(col).range_text()
        return f"{t}.{col}: value {value!r} outside its valid range ({valid}){where}"
    if check == "multiple_fields_uniqueness" or "unique" in check:
        return f"{t}: duplicate key {list(contract.key)}{where}"
    return f"{t}.{col}: {check} failed for {value!r}{where}"


def validate(df: pd.DataFrame, contract: Contract) -> pd.DataFrame:
    """Return ``df`` unchanged if it meets ``contract``; raise :class:`ContractError` naming
    the table, the column, the value and where the row came from if not (pandera checks)."""
    from pandera.errors import SchemaErrors

    try:
        pandera_schema(contract).validate(df, lazy=True, inplace=True)
    except SchemaErrors as exc:
        raise ContractError(_message(df, contract, exc.failure_cases)) from None
    return df


# --- publishing: the data dictionary and the Frictionless descriptor -------------------------


def dictionary(contract: Contract) -> pd.DataFrame:
    """The published data dictionary: one row per column, in the table's order."""
    key = set(contract.key)
    cols = contract.columns
    return pd.DataFrame(
        {
            "column": [c.name + (" (key)" if c.name in key else "") for c in cols],
            "type": [c.kind for c in cols],
            "unit": [c.unit or "" for c in cols],
            "nulls": ["allowed" if c.nullable else "never" for c in cols],
            "allowed values": [", ".join(c.allowed) if c.allowed else c.range_text() for c in cols],
            "meaning": [c.doc for c in cols],
        }
    )


def _field(col: Column) -> dict[str, object]:
    constraints: dict[str, object] = {}
    if not col.nullable and not col.blank:
        constraints["required"] = True
    if col.allowed is not None:
        constraints["enum"] = list(col.allowed)
    for name, value in (("minimum", col.minimum), ("maximum", col.maximum)):
        if value is not None:
            constraints[name] = int(value) if col.kind == "int" else value
    out: dict[str, object] = {
        "name": col.name,
        "type": FRICTIONLESS_TYPES[col.kind],
        "description": col.doc + (f" Unit: {col.unit}." if col.unit else ""),
    }
    if col.kind == "bool":
        out |= {"trueValues": ["True"], "falseValues": ["False"]}
    if constraints:
        out["constraints"] = constraints
    return out


def table_schema(contract: Contract) -> dict[str, object]:
    """The contract as a Frictionless Table Schema (empty cells are nulls)."""
    out: dict[str, object] = {
        "fields": [_field(c) for c in contract.columns],
        "missingValues": [""],
    }
    nullable = {c.name for c in contract.columns if c.nullable}
    if contract.key and not nullable & set(contract.key):
        out["primaryKey"] = list(contract.key)
    return out


def column(name: str, kind: str, doc: str, **kw) -> Column:
    """A :class:`Column` (short to write in a table's declaration)."""
    return Column(name, kind, doc, **kw)


# Valid ranges of the numeric columns. The FMTR reports cover fiscal years 1999 to 2021; other
# years are plausibility bounds, wide enough for every source series and any budget request.
FMTR_YEARS = (1999, 2021)
YEARS = (1900, 2100)
COUNT = (0, None)  # counts and dollar amounts: never negative
PAGE = (1, None)
USD = "US dollars (nominal)"
