"""Chapter parameters: typed specs, validation, and the registry of chapter specs.

Papermill silently ignores parameter names a notebook does not define and never checks
types, so every chapter declares a :class:`Spec` and both the command line (before any kernel
starts) and the notebook itself (in the cell right after its ``parameters`` cell, through
:func:`bind`) validate against it. A bad value raises one :class:`ParameterError` naming the
chapter, the parameter and the problem (with suggestions where there are close valid values).

Rules across parameters (a span runs forward, a reference country differs from the country)
are declared in the spec too (:class:`Ordered`, :class:`Distinct`). For ``run``,
:func:`validate_run` checks the values given *together with the notebook's defaults*, so that
``-p fy_start 2021`` against a default ``fy_end = 2020`` fails before any kernel starts.

Each parameter is declared once, as a :class:`Param` of its chapter's spec: its name (the
keyword), its type (what the validator accepts, :func:`type_of`), its default, its help and
its rule (the validator, and the spec's rules across parameters). The command line
(``python -m imetbook run CHAPTER --list`` prints them: :func:`listing`), the run
(:func:`validate_run`) and the notebook (:func:`bind`) all read it; the notebook's
parameters cell holds the same defaults (``tests/test_params.py`` checks every chapter).

A chapter's spec is ``imetbook.chapters.<stem>.PARAMS`` (the notebook's file stem); until a
chapter has that module, the :data:`SPECS` registry maps its name to the module holding
``PARAMS``. Specs are resolved lazily, so importing this module never loads the data.
"""

from __future__ import annotations

import ast
import difflib
import importlib
import importlib.util
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from imetbook import vocab
from imetbook.data import countries
from imetbook.errors import ParameterError, UnknownCountryError

# Chapter name (notebook stem) -> module defining ``PARAMS``, or a Spec for chapters without a
# module of their own. A chapter not listed uses ``imetbook.analysis.<chapter>`` if that
# module exists; list a chapter here (or call :func:`register`) when its module is named
# differently.
SPECS: dict[str, str | Spec] = {}

# Values a parameters cell may hold: what papermill can inject and YAML can spell.
LITERAL_TYPES = (str, int, float, bool, list, tuple, dict, type(None))
# Names every IPython namespace holds; never parameters.
_IPYTHON_NAMES = frozenset({"In", "Out", "get_ipython", "exit", "quit", "open"})


class Invalid(ValueError):
    """Raised by a validator; :meth:`Spec.validate` adds the chapter and parameter name."""


def _type_name(value: object) -> str:
    return f"{type(value).__name__} {value!r}"


def _closest(value: str, valid: Iterable[str], n: int = 3) -> str:
    """' (closest: a, b)' for error messages, or '' when nothing is close."""
    options = list(valid)
    lowered = {o.lower(): o for o in options}
    hits = difflib.get_close_matches(value.lower(), list(lowered), n=n, cutoff=0.5)
    return f" (closest: {', '.join(lowered[h] for h in hits)})" if hits else ""


def _require_int(value: object, what: str) -> int:
    # bool is an int subclass; ``true`` is never a year.
    if isinstance(value, bool) or not isinstance(value, int):
        raise Invalid(f"expected {what} (an integer), got {_type_name(value)}")
    return value


Bounds = tuple[int, int] | Callable[[], tuple[int, int]]


def _bounds(bounds: Bounds) -> tuple[int, int]:
    return bounds() if callable(bounds) else bounds


def data_years(
    table: str = "training", column: str = "fiscal_year"
) -> Callable[[], tuple[int, int]]:
    """Bounds read lazily from a table: the first and last fiscal year present in the data."""

    def read() -> tuple[int, int]:
        return _table_years(table, column)

    return read


@cache
def _table_years(table: str, column: str) -> tuple[int, int]:
    from imetbook.data import datasets

    years = datasets.load(table)[column].dropna()
    return int(years.min()), int(years.max())


def data_values(table: str, column: str) -> Callable[[], tuple[str, ...]]:
    """The distinct non-null values of a table column, read lazily (valid choices)."""

    def read() -> tuple[str, ...]:
        return _table_values(table, column)

    return read


@cache
def _table_values(table: str, column: str) -> tuple[str, ...]:
    from imetbook.data import datasets

    return tuple(sorted(str(v) for v in datasets.load(table)[column].dropna().unique()))


def forget_data() -> None:
    """Drop the bounds and choices read from the tables (after the tables were rebuilt)."""
    _table_years.cache_clear()
    _table_values.cache_clear()


# --- validators: each is a callable ``value -> normalised value`` with a ``describe`` -------


@cache
def _canonical_names() -> dict[str, str]:
    """The book's own country names (casefolded) -> canonical name.

    The book passes canonical names back as parameters (one page per country), so they must
    be accepted even where :func:`countries.name_and_code` cannot read one back.
    """
    import pycountry

    codes = set(countries.OVERRIDES.values()) | set(countries.DISPLAY)
    codes |= {c.alpha_3 for c in pycountry.countries}
    names = (countries.canonical_name(code) for code in codes)
    return {name.casefold(): name for name in names}


@dataclass(frozen=True)
class Country:
    """A country name, resolved through :mod:`imetbook.data.countries` to its canonical name."""

    describe: str = "a country name"

    def __call__(self, value: object) -> str:
        if not isinstance(value, str):
            raise Invalid(f"expected a country name (text), got {_type_name(value)}")
        canonical = _canonical_names().get(countries.clean_text(value).casefold())
        if canonical is not None:
            return canonical
        try:
            name, iso3 = countries.name_and_code(value)
        except UnknownCountryError:
            raise Invalid(
                f"unknown country {value!r}; closest known: {', '.join(countries.suggest(value))}"
            ) from None
        if iso3 is None:
            raise Invalid(f"{value!r} is not a country: {name}")
        return name


@dataclass(frozen=True)
class Countries:
    """A list of at least ``minimum`` distinct country names (canonical, in the order given)."""

    minimum: int = 1
    describe: str = 'a list of country names, e.g. ["India", "Nepal"]'

    def __call__(self, value: object) -> list[str]:
        if not isinstance(value, (list, tuple)):
            raise Invalid(
                f'expected a list of country names, e.g. ["India", "Nepal"], got '
                f"{_type_name(value)}"
            )
        if len(value) < self.minimum:
            noun = "country" if self.minimum == 1 else "countries"
            raise Invalid(f"expected at least {self.minimum} {noun}, got {len(value)}")
        names = [Country()(v) for v in value]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise Invalid(f"country listed twice: {', '.join(dupes)}")
        return names


@dataclass(frozen=True)
class FiscalYear:
    """A US fiscal year within the data's range."""

    bounds: Bounds = data_years()
    describe: str = "a fiscal year"

    def __call__(self, value: object) -> int:
        year = _require_int(value, "a fiscal year")
        lo, hi = _bounds(self.bounds)
        if not lo <= year <= hi:
            raise Invalid(f"fiscal year {year} is outside the data's range {lo}-{hi}")
        return year


@dataclass(frozen=True)
class FiscalYearSpan:
    """``[first, last]`` fiscal years, inclusive, in order and within the data's range."""

    bounds: Bounds = data_years()
    describe: str = "a fiscal-year span [first, last]"

    def __call__(self, value: object) -> list[int]:
        if not isinstance(value, (list, tuple)) or len(value) != 2:
            raise Invalid(
                f"expected a span [first, last] of two fiscal years, got {_type_name(value)}"
            )
        first, last = (_require_int(v, "a fiscal year") for v in value)
        if first > last:
            raise Invalid(f"inverted span [{first}, {last}]: the first year is after the last")
        lo, hi = _bounds(self.bounds)
        if first < lo or last > hi:
            raise Invalid(f"span [{first}, {last}] is outside the data's range {lo}-{hi}")
        return [first, last]


Options = Sequence[str] | Callable[[], Sequence[str]]


def _options(options: Options) -> tuple[str, ...]:
    return tuple(options() if callable(options) else options)


@dataclass(frozen=True)
class Choice:
    """One of a fixed (or lazily computed) set of strings, matched exactly."""

    options: Options
    describe: str = ""  # empty: "one of " and the options

    def __call__(self, value: object) -> str:
        valid = _options(self.options)
        if not isinstance(value, str):
            raise Invalid(f"expected one of {', '.join(valid)}, got {_type_name(value)}")
        if value not in valid:
            raise Invalid(f"{value!r} is not one of {', '.join(valid)}{_closest(value, valid)}")
        return value


def _match_folded(value: str, valid: Sequence[str], what: str) -> str:
    """Case-insensitive match against ``valid``, returning the valid spelling."""
    folded = {v.casefold(): v for v in valid}
    hit = folded.get(value.strip().casefold())
    if hit is None:
        raise Invalid(f"unknown {what} {value!r}{_closest(value, valid)}")
    return hit


@dataclass(frozen=True)
class Program:
    """``"IMET"`` (every IMET variant), ``"all"``, or one program family in the data."""

    families: Options = data_values("training", "program")
    describe: str = 'a program: "IMET", "all" or a program family'

    def __call__(self, value: object) -> str:
        if not isinstance(value, str):
            raise Invalid(f"expected a program name (text), got {_type_name(value)}")
        valid = ("IMET", "all", *[f for f in _options(self.families) if f not in ("IMET", "all")])
        return _match_folded(value, valid, "program")


@dataclass(frozen=True)
class Region:
    """A region (report section) present in the data, matched case-insensitively."""

    regions: Options = data_values("training", "region")
    describe: str = "a region"

    def __call__(self, value: object) -> str:
        if not isinstance(value, str):
            raise Invalid(f"expected a region name (text), got {_type_name(value)}")
        return _match_folded(value, _options(self.regions), "region")


@dataclass(frozen=True)
class Integer:
    """An integer within ``[minimum, maximum]`` (e.g. how many rows a top-N table shows)."""

    minimum: int | None = None
    maximum: int | None = None
    describe: str = "an integer"

    def __call__(self, value: object) -> int:
        number = _require_int(value, "a whole number")
        if self.minimum is not None and number < self.minimum:
            raise Invalid(f"{number} is below the minimum {self.minimum}")
        if self.maximum is not None and number > self.maximum:
            raise Invalid(f"{number} is above the maximum {self.maximum}")
        return number


Validator = Callable[[object], Any]


@dataclass(frozen=True)
class OrNone:
    """``None`` (meaning ``none``, e.g. "computed from the data") or a value ``validator``
    accepts."""

    validator: Validator
    none: str = "computed from the data"

    @property
    def describe(self) -> str:
        return f"{type_of(self.validator)}, or None ({self.none})"

    def __call__(self, value: object) -> Any:
        return None if value is None else self.validator(value)


@dataclass(frozen=True)
class Amount:
    """A positive, finite amount of US dollars (an integer or a float; never a bool)."""

    describe: str = "an amount in US dollars"

    def __call__(self, value: object) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise Invalid(f"expected an amount in US dollars (a number), got {_type_name(value)}")
        if not math.isfinite(value) or value <= 0:
            raise Invalid(f"expected a positive amount in US dollars, got {value!r}")
        return float(value)


def type_of(validator: Validator) -> str:
    """What a validator accepts, in words: its ``describe``, else its docstring's first line."""
    if isinstance(validator, Choice) and not validator.describe:
        return f"one of {', '.join(_options(validator.options))}"
    described = getattr(validator, "describe", None)
    if isinstance(described, str):
        return described
    # A plain function: its docstring's first line, without reST markup.
    doc = (getattr(validator, "__doc__", None) or "").strip()
    return doc.splitlines()[0].rstrip(".").replace("``", "") if doc else "a value"


class _NoDefault:
    def __repr__(self) -> str:
        return "NO_DEFAULT"


# Marks a parameter whose default is not declared (only the notebook's parameters cell has it).
NO_DEFAULT: Any = _NoDefault()


# --- specs ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Param:
    """One parameter, declared once: its rule (``validator``), its help (``doc``) and its
    ``default``. Its name is its keyword in :class:`Spec`; its type is what the validator
    accepts (:func:`type_of`). The chapter's parameters cell must hold the same default
    (``tests/test_params.py`` checks every chapter)."""

    validator: Validator
    doc: str = ""
    default: Any = NO_DEFAULT

    @property
    def help(self) -> str:
        return self.doc

    @property
    def type(self) -> str:
        return type_of(self.validator)

    @property
    def has_default(self) -> bool:
        return self.default is not NO_DEFAULT


@dataclass(frozen=True)
class Ordered:
    """A rule across parameters: ``first`` is not after ``last`` (when both are given)."""

    first: str = "fy_start"
    last: str = "fy_end"

    @property
    def names(self) -> tuple[str, ...]:
        return (self.first, self.last)

    def __call__(self, values: Mapping[str, Any]) -> None:
        problem = vocab.span_backwards(
            values[self.first], values[self.last], (self.first, self.last)
        )
        if problem:
            raise Invalid(problem)

    @property
    def describe(self) -> str:
        return f"{self.first} is not after {self.last}"


@dataclass(frozen=True)
class Distinct:
    """A rule across parameters: ``a`` and ``b`` differ (e.g. a country and its reference)."""

    a: str
    b: str

    @property
    def names(self) -> tuple[str, ...]:
        return (self.a, self.b)

    def __call__(self, values: Mapping[str, Any]) -> None:
        if values[self.a] is not None and values[self.a] == values[self.b]:
            raise Invalid(f"{self.b} is the same as {self.a} ({values[self.a]}); choose another")

    @property
    def describe(self) -> str:
        return f"{self.b} differs from {self.a}"


Rule = Ordered | Distinct


class Spec:
    """The parameters a chapter accepts, and the rules across them; validates a mapping of
    values against both. A rule is checked whenever all the parameters it names are given."""

    def __init__(self, *rules: Rule, **params: Param) -> None:
        self.params: dict[str, Param] = dict(params)
        self.rules: tuple[Rule, ...] = rules
        for rule in rules:
            unknown = [n for n in rule.names if n not in self.params]
            if unknown:
                raise ValueError(f"rule {rule} names unknown parameter(s) {', '.join(unknown)}")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.params)

    @property
    def defaults(self) -> dict[str, Any]:
        """The declared defaults (parameters without one are left out)."""
        return {n: p.default for n, p in self.params.items() if p.has_default}

    def validate(self, values: Mapping[str, object], chapter: str = "") -> dict[str, Any]:
        """Normalised values; :class:`ParameterError` on the first unknown name, bad value or
        broken rule.

        Unknown names are checked first, in sorted order, so the message is deterministic.
        """
        where = f" of chapter {chapter!r}" if chapter else ""
        unknown = sorted(set(values) - set(self.params))
        if unknown:
            name = unknown[0]
            known = ", ".join(self.names) if self.names else "(none)"
            raise ParameterError(
                f"unknown parameter {name!r}{where}{_closest(name, self.names)}; "
                f"parameters are: {known}"
            )
        out = {}
        for name, value in values.items():
            try:
                out[name] = self.params[name].validator(value)
            except Invalid as exc:
                raise ParameterError(f"parameter {name!r}{where}: {exc}") from None
        for rule in self.rules:
            if all(n in out for n in rule.names):
                try:
                    rule(out)
                except Invalid as exc:
                    raise ParameterError(f"parameters{where}: {exc}") from None
        return out


def register(chapter: str, target: str | Spec) -> None:
    """Add a chapter's spec: a module path (holding ``PARAMS``) or a :class:`Spec`."""
    SPECS[chapter] = target
    spec_for.cache_clear()


@cache
def spec_for(chapter: str) -> Spec:
    """The spec of ``chapter`` (a notebook stem); :class:`ParameterError` if none exists."""
    target = None
    if re.fullmatch(r"[a-z_][a-z0-9_]*", chapter):
        # The chapter's own module (same stem as the notebook) declares its parameters.
        own = f"imetbook.chapters.{chapter}"
        if importlib.util.find_spec(own) and hasattr(importlib.import_module(own), "PARAMS"):
            target = own
    target = target or SPECS.get(chapter)
    if target is None:
        raise ParameterError(
            f"no parameter spec for chapter {chapter!r}{_closest(chapter, SPECS)}; "
            f"chapters with specs: {', '.join(sorted(SPECS))}"
        )
    if isinstance(target, Spec):
        return target
    spec = getattr(importlib.import_module(target), "PARAMS", None)
    if not isinstance(spec, Spec):
        raise ParameterError(f"{target}.PARAMS is missing or not a params.Spec")
    return spec


def validate(chapter: str, values: Mapping[str, object]) -> dict[str, Any]:
    """Validate ``values`` against the spec of ``chapter``."""
    return spec_for(chapter).validate(values, chapter)


def notebook_defaults(notebook: Path) -> dict[str, object]:
    """The values the cell tagged ``parameters`` of ``notebook`` assigns (literals only: the
    cell is read, never run)."""
    import nbformat

    nb = nbformat.read(str(notebook), as_version=4)
    cell = next((c for c in nb.cells if "parameters" in c.metadata.get("tags", [])), None)
    out: dict[str, object] = {}
    if cell is None:
        return out
    for node in ast.parse(cell.source).body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                try:
                    out[target.id] = ast.literal_eval(node.value)
                except ValueError:
                    continue  # not a literal: left to the kernel's own check
    return out


def validate_run(chapter: str, notebook: Path, values: Mapping[str, object]) -> dict[str, Any]:
    """Validate ``values`` for a run of ``notebook``: each value, then every rule of the spec
    on the values merged over the notebook's defaults (what the kernel will see). Returns
    the normalised ``values`` (the defaults are not added)."""
    spec = spec_for(chapter)
    given = spec.validate(values, chapter)
    spec.validate({**defaults_of(chapter, notebook), **values}, chapter)
    return given


def defaults_of(chapter: str, notebook: Path) -> dict[str, object]:
    """Each parameter's default: the declared one, else (not declared yet) the notebook's."""
    spec = spec_for(chapter)
    cell = notebook_defaults(notebook)
    return {
        name: param.default if param.has_default else cell[name]
        for name, param in spec.params.items()
        if param.has_default or name in cell
    }


def _yaml_literal(value: object) -> str:
    """``value`` as ``-p NAME VALUE`` takes it (a YAML literal, in JSON's flow style)."""
    import json

    return json.dumps(value, ensure_ascii=False)


def listing(chapter: str, notebook: Path) -> str:
    """The parameters of ``chapter``, one block each (name, type, default, help), then its
    rules across parameters: what ``python -m imetbook run CHAPTER --list`` prints."""
    spec = spec_for(chapter)
    defaults = defaults_of(chapter, notebook)
    if not spec.params:
        return f"{chapter}: no parameters"
    lines = [
        f"{chapter}: parameters (python -m imetbook run {chapter} -p NAME VALUE; "
        "VALUE is a YAML literal, null for None)"
    ]
    width = max(len(n) for n in spec.names)
    for name, param in spec.params.items():
        default = _yaml_literal(defaults[name]) if name in defaults else "(none)"
        lines.append(f"  {name:<{width}}  {param.type}; default {default}")
        if param.help:
            lines.append(f"  {'':<{width}}  {param.help}")
    if spec.rules:
        lines.append("rules: " + "; ".join(rule.describe for rule in spec.rules))
    return "\n".join(lines)


def parameter_like(namespace: Mapping[str, object]) -> dict[str, object]:
    """Names in a notebook namespace that look like parameters: public, literal-valued.

    Right after the parameters cell (and papermill's injected cell) these are exactly the
    parameters, including any name papermill injected that the chapter does not know.
    """
    return {
        k: v
        for k, v in namespace.items()
        if not k.startswith("_") and k not in _IPYTHON_NAMES and isinstance(v, LITERAL_TYPES)
    }


def bind(chapter: str, namespace: Mapping[str, object]) -> dict[str, Any]:
    """Validate a notebook's parameters in place of papermill; call it right after them.

    Usage in the cell after the ``parameters`` cell::

        P = params.bind("sources", globals())

    Raises :class:`ParameterError` for a name the spec does not know (papermill injects those
    silently), for a spec parameter the cell does not define, and for any bad value.
    """
    spec = spec_for(chapter)
    found = parameter_like(namespace)
    missing = [n for n in spec.names if n not in namespace]
    if missing:
        raise ParameterError(
            f"chapter {chapter!r}: the parameters cell does not define {', '.join(missing)}"
        )
    return spec.validate(found, chapter)
