"""Parameter validation (imetbook.chapters.params): validators, specs, the registry, bind()."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from imetbook.chapters import params
from imetbook.chapters.params import Invalid
from imetbook.data import countries
from imetbook.errors import ParameterError

REPO = Path(__file__).resolve().parents[2]


def one_line(exc: pytest.ExceptionInfo) -> str:
    message = str(exc.value)
    assert message and "\n" not in message
    return message


# --- validators ------------------------------------------------------------------------------


def test_country_resolves_any_spelling_to_the_canonical_name() -> None:
    assert params.Country()("Korea, Republic of South") == "South Korea"
    assert params.Country()("Burma ") == "Burma"


def test_every_canonical_country_name_is_accepted_as_itself() -> None:
    # Country pages pass canonical names back in; each must validate to itself.
    codes = set(countries.OVERRIDES.values()) | set(countries.DISPLAY)
    for name in sorted(countries.canonical_name(code) for code in codes):
        assert params.Country()(name) == name


def test_unknown_country_suggests_close_names() -> None:
    with pytest.raises(Invalid, match=r"unknown country 'Indai'; closest known: .*India"):
        params.Country()("Indai")


@pytest.mark.parametrize("value", [5, None, ["India"]])
def test_country_must_be_text(value) -> None:
    with pytest.raises(Invalid, match="expected a country name"):
        params.Country()(value)


def test_a_heading_that_is_not_a_country_is_refused() -> None:
    with pytest.raises(Invalid, match="is not a country"):
        params.Country()("Indochina")


def test_countries_normalise_and_refuse_duplicates_and_short_lists() -> None:
    assert params.Countries()(["india", "Nepal"]) == ["India", "Nepal"]
    with pytest.raises(Invalid, match="country listed twice: India"):
        params.Countries()(["India", "india"])
    with pytest.raises(Invalid, match="at least 2 countries, got 1"):
        params.Countries(minimum=2)(["India"])
    with pytest.raises(Invalid, match="expected a list of country names"):
        params.Countries()("India")


def test_fiscal_year_is_an_integer_within_the_bounds() -> None:
    year = params.FiscalYear(bounds=(2000, 2010))
    assert year(2005) == 2005
    with pytest.raises(Invalid, match="outside the data's range 2000-2010"):
        year(2011)
    for bad in ("2005", 2005.0, True):
        with pytest.raises(Invalid, match="expected a fiscal year"):
            year(bad)


def test_fiscal_year_bounds_may_be_computed_lazily() -> None:
    calls = []

    def bounds() -> tuple[int, int]:
        calls.append(1)
        return 1999, 2020

    validator = params.FiscalYear(bounds=bounds)
    assert calls == []
    assert validator(1999) == 1999 and calls == [1]


def test_fiscal_year_span() -> None:
    span = params.FiscalYearSpan(bounds=(2000, 2010))
    assert span([2001, 2004]) == [2001, 2004]
    assert span((2003, 2003)) == [2003, 2003]
    with pytest.raises(Invalid, match=r"inverted span \[2008, 2002\]"):
        span([2008, 2002])
    with pytest.raises(Invalid, match="outside the data's range 2000-2010"):
        span([1995, 2002])
    with pytest.raises(Invalid, match="expected a span"):
        span([2001])


def test_choice_is_exact_and_suggests() -> None:
    choice = params.Choice(("class", "course-year"))
    assert choice("class") == "class"
    with pytest.raises(
        Invalid, match=r"'clas' is not one of class, course-year \(closest: class\)"
    ):
        choice("clas")
    with pytest.raises(Invalid, match="got int 1"):
        choice(1)


def test_program_accepts_imet_all_and_families_in_any_case() -> None:
    program = params.Program(families=("CTFP", "FMF", "IMET"))
    assert [program(v) for v in ("imet", "ALL", "ctfp")] == ["IMET", "all", "CTFP"]
    with pytest.raises(Invalid, match=r"unknown program 'CTPF' \(closest: CTFP\)"):
        program("CTPF")


def test_region_matches_the_regions_in_the_data() -> None:
    region = params.Region(regions=("Africa", "South Central Asia"))
    assert region("south central asia") == "South Central Asia"
    with pytest.raises(Invalid, match="unknown region 'South Asia'"):
        region("South Asia")


def test_integer_bounds() -> None:
    assert params.Integer(1, 50)(10) == 10
    with pytest.raises(Invalid, match="above the maximum 50"):
        params.Integer(1, 50)(51)


# --- specs and the registry ------------------------------------------------------------------

SPEC = params.Spec(
    country=params.Param(params.Country()),
    years=params.Param(params.FiscalYearSpan(bounds=(2000, 2020))),
)


def test_spec_validates_and_normalises() -> None:
    assert SPEC.validate({"country": "nepal", "years": [2001, 2002]}) == {
        "country": "Nepal",
        "years": [2001, 2002],
    }


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"contry": "Nepal"},
            "unknown parameter 'contry' of chapter 'demo' (closest: country); "
            "parameters are: country, years",
        ),
        (
            {"years": "2001-2005"},
            "parameter 'years' of chapter 'demo': expected a span [first, "
            "last] of two fiscal years, got str '2001-2005'",
        ),
        (
            {"years": [2010, 2005]},
            "parameter 'years' of chapter 'demo': inverted span "
            "[2010, 2005]: the first year is after the last",
        ),
    ],
    ids=["unknown name", "wrong type", "inverted span"],
)
def test_spec_errors_are_one_line(values, expected) -> None:
    with pytest.raises(ParameterError) as exc:
        SPEC.validate(values, "demo")
    assert one_line(exc) == expected


def test_registry_resolves_modules_lazily_and_by_default_name(monkeypatch) -> None:
    monkeypatch.setattr(params, "SPECS", {"pages": "imetbook.chapters.profile"})
    params.spec_for.cache_clear()
    try:
        assert params.spec_for("pages").names == ("country",)
        assert params.spec_for("sources").names[0] == "source"  # imetbook.chapters.sources.PARAMS
        with pytest.raises(ParameterError, match="no parameter spec for chapter 'nosuch'"):
            params.spec_for("nosuch")
    finally:
        params.spec_for.cache_clear()


def test_bind_flags_names_papermill_injected_silently() -> None:
    namespace = {"country": "India", "countrry": "Nepal", "In": [], "_": None, "pd": params}
    with pytest.raises(ParameterError, match="unknown parameter 'countrry' of chapter 'profile'"):
        params.bind("profile", namespace)
    assert params.bind("profile", {"country": "india", "Out": {}}) == {"country": "India"}


def test_bind_requires_every_spec_parameter() -> None:
    with pytest.raises(ParameterError, match="parameters cell does not define country"):
        params.bind("profile", {})


# --- every chapter notebook agrees with its spec ---------------------------------------------


def parameters_cell_names(path: Path) -> tuple[str, ...] | None:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    tagged = [c for c in cells if "parameters" in c.get("metadata", {}).get("tags", [])]
    if not tagged:
        return None
    source = "".join(tagged[0]["source"])
    return tuple(
        t.id
        for node in ast.parse(source).body
        if isinstance(node, (ast.Assign, ast.AnnAssign))
        for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        if isinstance(t, ast.Name)
    )


NOTEBOOKS = sorted((REPO / "chapters").glob("*.ipynb")) + [
    REPO / "chapters" / "country" / "profile.ipynb"
]


@pytest.mark.parametrize("path", [p for p in NOTEBOOKS if p.is_file()], ids=lambda p: p.stem)
def test_parameters_cell_matches_the_chapter_spec(path: Path) -> None:
    names = parameters_cell_names(path)
    if names is None:
        pytest.skip(f"{path.name} has no parameters cell")
    assert sorted(names) == sorted(params.spec_for(path.stem).names)


# --- each parameter declared once: type, default, help, rule ---------------------------------

CHAPTERS = {p.stem: p for p in NOTEBOOKS if p.is_file()}


def test_param_type_default_and_help() -> None:
    spec = params.Spec(
        params.Ordered("fy_start", "fy_end"),
        fy_start=params.Param(params.FiscalYear(bounds=(2000, 2020)), "First year.", 2001),
        fy_end=params.Param(params.OrNone(params.FiscalYear(bounds=(2000, 2020)), "the last")),
        match=params.Param(params.Choice(("class", "course-year")), "How.", default="class"),
    )
    assert spec.defaults == {"fy_start": 2001, "match": "class"}
    assert [p.type for p in spec.params.values()] == [
        "a fiscal year",
        "a fiscal year, or None (the last)",
        "one of class, course-year",
    ]
    assert spec.params["fy_start"].help == "First year."
    assert not spec.params["fy_end"].has_default
    assert spec.params["fy_end"].validator(None) is None


def test_amount_is_a_positive_number_of_dollars() -> None:
    assert params.Amount()(1_000_000) == 1_000_000.0
    for bad, text in ((0, "positive"), (float("nan"), "positive"), (True, "a number")):
        with pytest.raises(Invalid, match=text):
            params.Amount()(bad)


def test_a_function_validator_is_described_by_its_docstring() -> None:
    def years(value: object) -> object:
        """``None`` (every year) or a list of years."""
        return value

    assert params.type_of(years) == "None (every year) or a list of years"
    assert params.type_of(lambda v: v) == "a value"


def default_problems(chapter: str, notebook: Path) -> list[str]:
    """Where the declared defaults of ``chapter`` and its notebook's parameters cell differ."""
    cell = params.notebook_defaults(notebook)
    return [
        f"{name}: declared {default!r}, notebook {cell.get(name, '(missing)')!r}"
        for name, default in params.spec_for(chapter).defaults.items()
        if cell.get(name, params.NO_DEFAULT) != default
    ]


@pytest.mark.parametrize("chapter", sorted(CHAPTERS))
def test_declared_defaults_are_the_notebook_defaults_and_valid(chapter: str) -> None:
    spec = params.spec_for(chapter)
    assert default_problems(chapter, CHAPTERS[chapter]) == []
    assert params.validate(chapter, spec.defaults) == spec.defaults
    # What ``run`` and ``--list`` take as the defaults: valid together, every rule included.
    defaults = params.defaults_of(chapter, CHAPTERS[chapter])
    assert sorted(defaults) == sorted(spec.names)
    params.validate(chapter, defaults)


@pytest.mark.parametrize("chapter", sorted(CHAPTERS))
def test_every_parameter_declares_its_default(chapter: str) -> None:
    spec = params.spec_for(chapter)
    assert [n for n, p in spec.params.items() if not p.has_default] == []


@pytest.mark.parametrize("chapter", sorted(CHAPTERS))
def test_every_parameter_says_what_it_accepts(chapter: str) -> None:
    # `run CHAPTER --list` prints this for researchers: "a value" tells them nothing.
    spec = params.spec_for(chapter)
    assert [n for n, p in spec.params.items() if p.type == "a value"] == []


def test_a_default_that_differs_from_the_notebook_is_caught(tmp_path: Path, write_notebook):
    notebook = write_notebook(tmp_path / "demo.ipynb", "pass", parameters="fy_start = 2005")
    year = params.FiscalYear(bounds=(2000, 2020))
    params.register("demo_defaults", params.Spec(fy_start=params.Param(year, "", 2001)))
    try:
        assert default_problems("demo_defaults", notebook) == [
            "fy_start: declared 2001, notebook 2005"
        ]
        assert params.defaults_of("demo_defaults", notebook) == {"fy_start": 2001}
        params.register("demo_defaults", params.Spec(fy_start=params.Param(year, "", 2005)))
        assert default_problems("demo_defaults", notebook) == []
    finally:
        params.SPECS.pop("demo_defaults")
        params.spec_for.cache_clear()


def test_listing_names_every_parameter_with_type_default_help_and_rules() -> None:
    text = params.listing("pakistan", CHAPTERS["pakistan"])
    spec = params.spec_for("pakistan")
    defaults = params.notebook_defaults(CHAPTERS["pakistan"])
    for name, param in spec.params.items():
        line = next(x for x in text.splitlines() if x.split()[:1] == [name])
        assert param.type in line and f"default {json.dumps(defaults[name])}" in line
        assert param.help in text
    assert "rules: fy_start is not after fy_end; compare_with differs from country" in text
    assert params.listing("data", CHAPTERS["data"]) == "data: no parameters"
