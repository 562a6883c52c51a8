"""House style: byte-stable SVG, the labels every chart must carry, and gaps drawn as gaps."""

from __future__ import annotations

import re

import matplotlib as mpl
import numpy as np
import pandas as pd
import pytest
from figure_checks import assert_three_states_distinct, gap_marks

from imetbook.errors import ParameterError
from imetbook.figures import plots

TITLE = "Students trained under IMET"
SOURCE = "FMTR reports, Section IV"
ALT = "Line chart of students per fiscal year; the 2002 value is missing."
YLABEL = "Students (people)"


def _tidy() -> pd.DataFrame:
    """Two programs; IMET has no row for 2002 and a real zero in 2003, CTFP a null in 2001."""
    return pd.DataFrame(
        {
            "fiscal_year": [2000, 2001, 2003, 2004, 2000, 2001, 2002, 2003, 2004],
            "program": ["IMET"] * 4 + ["CTFP"] * 5,
            "students": [10, 12, 0, 14, 3, np.nan, 5, 6, 7],
        }
    )


def _chart(kind: str = "line", title: str = TITLE, alt: str = ALT):
    fig, ax = plots.figure(title)
    plots.yearly(ax, _tidy(), x="fiscal_year", y="students", by="program", kind=kind)
    plots.shade_periods(ax, [(2001.5, 2002.5, "Sanctions")])
    plots.mark_events(ax, [(2001, "Event A")])
    plots.finish(fig, ax, xlabel="US fiscal year", ylabel=YLABEL, source=SOURCE, alt=alt)
    return fig, ax


def _texts(svg_text: str) -> list[str]:
    """The strings drawn as SVG ``<text>`` elements (unescaped)."""
    import html

    return [html.unescape(t) for t in re.findall(r"<text\b[^>]*>(.*?)</text>", svg_text, re.S)]


def _group(svg_text: str, gid: str) -> str | None:
    """The markup of the ``<g>`` whose id ends with ``gid`` (ids carry a per-chart prefix)."""
    m = re.search(rf'<g id="[^"]*-{re.escape(gid)}">(.*?)</g>', svg_text, re.S)
    return m[1] if m else None


def test_same_chart_rendered_twice_is_byte_identical():
    first = plots.svg(_chart()[0])
    second = plots.svg(_chart()[0])
    assert first == second
    assert "<dc:date>" not in first


def test_output_stays_stable_when_a_cell_changes_the_salt():
    fig, _ = _chart()
    before = plots.html_figure(fig)
    with mpl.rc_context({"svg.hashsalt": None}):  # None means a random uuid per save
        after = plots.html_figure(fig)
    assert before == after


def test_svg_carries_title_source_unit_and_alt():
    text = plots.svg(_chart()[0])
    root = re.search(r"<svg\b[^>]*>", text)[0]
    assert 'role="img"' in root
    title_id, desc_id = re.search(r'aria-labelledby="([^" ]+) ([^"]+)"', root).groups()
    assert re.search(rf'<title id="{title_id}">{TITLE}</title>', text)
    desc = re.search(rf'<desc id="{desc_id}">(.*?)</desc>', text, re.S)[1]
    assert ALT.rstrip(".") in desc and SOURCE in desc
    # Text stays text (svg.fonttype none): a browser can search it and scale it.
    drawn = _texts(text)
    assert TITLE in drawn and f"Source: {SOURCE}" in drawn and YLABEL in drawn
    assert "Sanctions" in drawn and "Event A" in drawn
    assert "<!-- " + TITLE + " -->" not in text  # no glyph paths with the string as a comment


def test_html_in_labels_is_escaped():
    fig, _ = _chart(title="<script>alert(1)</script> course", alt="<b>bold</b> claim")
    text = plots.html_figure(fig)
    assert "<script" not in text and "<b>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt; course" in text


def test_two_charts_on_one_page_share_no_id():
    ids_line = set(re.findall(r'\bid="([^"]+)"', plots.html_figure(_chart("line")[0])))
    ids_bar = set(re.findall(r'\bid="([^"]+)"', plots.html_figure(_chart("bar")[0])))
    assert ids_line and ids_bar
    assert not ids_line & ids_bar


def test_every_reference_points_at_an_id_of_the_same_chart():
    text = plots.svg(_chart()[0])
    ids = set(re.findall(r'\bid="([^"]+)"', text))
    refs = set(re.findall(r'(?:href="#|url\(#)([^")]+)', text))
    assert refs and refs <= ids


def test_missing_year_breaks_the_line_and_is_marked():
    fig, ax = _chart()
    imet = next(line for line in ax.get_lines() if line.get_label() == "IMET")
    ydata = dict(zip(imet.get_xdata(), imet.get_ydata(), strict=True))
    assert np.isnan(ydata[2002])  # a gap, not a zero
    assert ydata[2003] == 0  # a real zero is drawn as zero
    text = plots.svg(fig)
    path = re.search(r'd="([^"]+)"', _group(text, "series-imet"))[1]
    assert path.count("M") == 2  # two runs (2000-2001, 2003-2004), no segment across 2002
    gaps = next(line for line in ax.get_lines() if line.get_gid() == "gaps-imet")
    assert list(gaps.get_xdata()) == [2002]
    assert plots.NO_DATA + " \u00d7" in _texts(text)


def test_missing_year_draws_no_bar():
    text = plots.svg(_chart("bar")[0])
    assert _group(text, "bar-imet-2002") is None
    assert _group(text, "bar-ctfp-2001") is None  # a null value is a gap too
    assert _group(text, "bar-imet-2003") is not None  # the real zero keeps its bar
    assert _group(text, "gaps-imet") is not None


def test_yearly_returns_the_drawn_table_with_gaps_as_nan():
    fig, ax = plots.figure(TITLE)
    wide = plots.yearly(
        ax, _tidy(), x="fiscal_year", y="students", by="program", years=range(1999, 2006)
    )
    assert list(wide.index) == list(range(1999, 2006))
    assert wide.loc[[1999, 2005]].isna().all().all()
    assert np.isnan(wide.loc[2002, "IMET"]) and wide.loc[2003, "IMET"] == 0


def test_yearly_refuses_duplicate_rows_instead_of_summing():
    doubled = pd.concat([_tidy(), _tidy().head(1)])
    fig, ax = plots.figure(TITLE)
    with pytest.raises(ParameterError, match="several rows"):
        plots.yearly(ax, doubled, x="fiscal_year", y="students", by="program")


def test_ranking_orders_largest_first_ties_by_label_and_nulls_last():
    fig, ax = plots.figure(TITLE)
    values = pd.Series({"Pakistan": 100.0, "India": 250.0, "Nepal": np.nan, "Bhutan": 100.0})
    drawn = plots.ranking(ax, values, highlight=["Pakistan"])
    assert list(drawn.index) == ["India", "Bhutan", "Pakistan", "Nepal"]
    plots.finish(fig, ax, xlabel=YLABEL, source=SOURCE, alt=ALT)
    text = plots.svg(fig)
    assert _group(text, "rank-nepal") is None and _group(text, "rank-india") is not None
    assert f"Nepal ({plots.NO_VALUE})" in _texts(text)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ylabel": "Students"}, "unit"),
        ({"ylabel": YLABEL, "source": " "}, "source"),
        ({"ylabel": YLABEL, "alt": ""}, "alt text"),
    ],
)
def test_finish_enforces_units_source_and_alt(kwargs, message):
    fig, ax = plots.figure(TITLE)
    args = {"source": SOURCE, "alt": ALT} | kwargs
    with pytest.raises(ParameterError, match=message):
        plots.finish(fig, ax, **args)


def test_a_chart_is_not_shown_before_it_is_finished():
    fig, _ = plots.figure(TITLE)
    with pytest.raises(ParameterError, match="finish"):
        plots.svg(fig)


def test_show_displays_an_accessible_inline_figure(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, raw: shown.append((obj, raw)))
    fig, _ = _chart()
    plots.show(fig)
    ((bundle, raw),) = shown
    assert raw is True
    assert bundle["text/html"].startswith('<figure class="imetbook-figure" tabindex="0">\n<svg ')
    assert "<?xml" not in bundle["text/html"]
    assert bundle["text/plain"].startswith(f"[chart] {TITLE}: ")


def test_rendering_the_same_figure_again_changes_nothing():
    fig, _ = _chart()
    assert plots.svg(fig) == plots.svg(fig)


def test_charts_never_reach_pyplot_so_no_second_png_copy_is_shown():
    import matplotlib.pyplot as plt

    before = plt.get_fignums()
    _chart()
    assert plt.get_fignums() == before


# --- nothing drawn for a missing value lies inside the data area -----------------------------


@pytest.mark.parametrize("kind", ["line", "bar"])
def test_yearly_gaps_lie_outside_the_data_area(kind):
    fig, _ = _chart(kind)
    assert gap_marks(fig) == {"0:imet": [2002], "0:ctfp": [2001]}


def test_gap_marks_survive_a_log_scale_and_an_inverted_axis():
    fig, ax = plots.figure(TITLE)
    plots.yearly(ax, _tidy().replace({0: 1}), x="fiscal_year", y="students", by="program")
    ax.set_yscale("log")
    ax.set_ylim(100, 0.8)
    plots.finish(fig, ax, xlabel="US fiscal year", ylabel=YLABEL, source=SOURCE, alt=ALT)
    assert gap_marks(fig) == {"0:imet": [2002], "0:ctfp": [2001]}


def test_ranking_draws_nothing_for_a_missing_value():
    fig, ax = plots.figure(TITLE)
    plots.ranking(ax, pd.Series({"India": 250.0, "Nepal": np.nan}))
    plots.finish(fig, ax, xlabel=YLABEL, source=SOURCE, alt=ALT)
    plots.svg(fig)
    nepal_y = 0  # the last row, at the bottom
    inside = [
        t for t in ax.texts if getattr(t, "xy", t.get_position())[1] == nepal_y and t.get_text()
    ]
    assert not inside and len(ax.patches) == 1


def test_counts_get_whole_number_ticks():
    fig, ax = plots.figure(TITLE)
    data = pd.DataFrame({"fiscal_year": [2000, 2001, 2002], "classes": [0, 1, 2]})
    plots.yearly(ax, data, x="fiscal_year", y="classes")
    plots.finish(fig, ax, xlabel="US fiscal year", ylabel="Classes (count)", source=SOURCE, alt=ALT)
    plots.svg(fig)
    ticks = [t for t in ax.get_yticks() if ax.get_ylim()[0] <= t <= ax.get_ylim()[1]]
    assert ticks and all(float(t).is_integer() for t in ticks)


def test_small_multiples_one_panel_per_category_same_scales_gaps_outside():
    data = _tidy().rename(columns={"program": "course"})
    fig, ax = plots.small_multiples(
        TITLE,
        data,
        x="fiscal_year",
        y="students",
        by="course",
        order=["CTFP", "IMET"],
        years=range(2000, 2005),
    )
    plots.finish(fig, ax, xlabel="US fiscal year", ylabel=YLABEL, source=SOURCE, alt=ALT)
    panels = [a for a in fig.axes if (a.get_gid() or "").startswith("panel-")]
    # CTFP first: its smaller values must not set the shared y axis for IMET's.
    assert [a.get_title(loc="left") for a in panels] == ["CTFP", "IMET"]
    assert panels[0].get_ylim() == panels[1].get_ylim()
    assert panels[0].get_ylim()[1] >= data["students"].max()  # no bar cut off by a shared axis
    assert panels[0].get_legend() is None
    assert sorted(gap_marks(fig).values()) == [[2001.0], [2002.0]]
    with pytest.raises(ParameterError, match="missing from order"):
        plots.small_multiples(
            TITLE, data, x="fiscal_year", y="students", by="course", order=["IMET"]
        )


def test_leading_and_trailing_gaps_stay_under_the_axis():
    fig, ax = plots.figure(TITLE)
    data = pd.DataFrame({"fiscal_year": [2003, 2004], "students": [1.0, 2.0]})
    plots.yearly(ax, data, x="fiscal_year", y="students", years=range(1999, 2008))
    plots.finish(fig, ax, xlabel="US fiscal year", ylabel=YLABEL, source=SOURCE, alt=ALT)
    marks = gap_marks(fig)
    assert marks == {"0:students": [1999.0, 2000.0, 2001.0, 2002.0, 2005.0, 2006.0, 2007.0]}


def test_a_legend_of_long_labels_stays_inside_the_figure():
    long = ["training value (course records)", "State actual allocation", "obligation (Greenbook)"]
    data = pd.DataFrame(
        {"fiscal_year": [2000, 2001] * 3, "m": [n for n in long for _ in (0, 1)], "v": [1.0] * 6}
    )
    fig, ax = plots.figure(TITLE)
    plots.yearly(ax, data, x="fiscal_year", y="v", by="m")
    plots.finish(fig, ax, xlabel="US fiscal year", ylabel=YLABEL, source=SOURCE, alt=ALT)
    plots.svg(fig)
    box = ax.get_legend().get_window_extent()
    assert box.x0 >= 0 and box.x1 <= fig.bbox.x1


# --- three states: a value, a reported zero, no source -------------------------------------


@pytest.mark.parametrize("kind", ["line", "bar"])
def test_value_reported_zero_and_gap_are_three_different_marks(kind):
    """IMET: values 2000, 2001, 2004; a reported zero in 2003; no row for 2002 (a gap)."""
    fig, ax = plots.figure(TITLE)
    wide = plots.yearly(ax, _tidy(), x="fiscal_year", y="students", by="program", kind=kind)
    plots.finish(fig, ax, xlabel="US fiscal year", ylabel=YLABEL, source=SOURCE, alt=ALT)
    (axes,) = assert_three_states_distinct(plots.svg(fig), plots.ZERO_LABEL)
    for slug, col in (("imet", "IMET"), ("ctfp", "CTFP")):
        marks = axes["states"][slug]
        values = wide[col]
        assert len(marks["zero"]) == int((values == 0).sum())
        assert len(marks["gap"]) == int(values.isna().sum())
        # a line shows one dot per non-zero value; bars keep a (flat) bar for the zero too
        drawn = values.notna() & ((values != 0) if kind == "line" else True)
        assert len(marks["value"]) == int(drawn.sum())
    imet = axes["states"]["imet"]
    assert len(imet["zero"]) == 1 and len(imet["gap"]) == 1
    (zero,) = imet["zero"]
    # the zero's mark stands where its year's value would be, and nothing else marks that year
    assert all(abs(m.x - zero.x) > 1 for m in imet["value"] if m.y < zero.y - 0.01)
    assert not axes["states"]["ctfp"]["zero"]  # CTFP's 2001 is a gap, never a zero
    assert [label for label, _ in axes["legend"]][-1] == plots.ZERO_LABEL


def test_a_chart_without_zeros_has_no_zero_key():
    fig, ax = plots.figure(TITLE)
    data = _tidy().replace({0: 9})
    plots.yearly(ax, data, x="fiscal_year", y="students", by="program")
    plots.finish(fig, ax, xlabel="US fiscal year", ylabel=YLABEL, source=SOURCE, alt=ALT)
    (axes,) = assert_three_states_distinct(plots.svg(fig), plots.ZERO_LABEL)
    assert plots.ZERO_LABEL not in dict(axes["legend"])
    assert not any(s["zero"] for s in axes["states"].values())


def test_a_single_unnamed_series_still_explains_its_zero():
    fig, ax = plots.figure(TITLE)
    data = pd.DataFrame({"fiscal_year": [2000, 2001, 2003], "usd": [5.0, 0.0, 7.0]})
    plots.yearly(ax, data, x="fiscal_year", y="usd")
    plots.finish(
        fig, ax, xlabel="US fiscal year", ylabel="IMET (US dollars)", source=SOURCE, alt=ALT
    )
    (axes,) = assert_three_states_distinct(plots.svg(fig), plots.ZERO_LABEL)
    marks = axes["states"]["usd"]
    assert (len(marks["value"]), len(marks["zero"]), len(marks["gap"])) == (2, 1, 1)
    assert [label for label, _ in axes["legend"]] == [plots.ZERO_LABEL]


def test_the_three_state_check_catches_a_zero_drawn_like_a_value():
    """The check can fail: a zero drawn as a plain dot (the chart before reported zeros had a
    mark of their own) is refused."""
    fig, ax = plots.figure(TITLE)
    plots.yearly(ax, _tidy(), x="fiscal_year", y="students", by="program", zeros=False)
    for line in ax.get_lines():
        if line.get_gid() == "series-imet":
            (dots,) = ax.plot([2003], [0], linestyle="none", marker="o", color=plots.COLORS[1])
            dots.set_gid("zeros-imet")
    plots.finish(fig, ax, xlabel="US fiscal year", ylabel=YLABEL, source=SOURCE, alt=ALT)
    with pytest.raises(AssertionError, match="look alike"):
        assert_three_states_distinct(plots.svg(fig), plots.ZERO_LABEL)


def test_small_multiples_explain_reported_zeros_once():
    data = _tidy().rename(columns={"program": "course"})
    fig, ax = plots.small_multiples(
        TITLE, data, x="fiscal_year", y="students", by="course", order=["CTFP", "IMET"]
    )
    plots.finish(fig, ax, xlabel="US fiscal year", ylabel=YLABEL, source=SOURCE, alt=ALT)
    text = plots.svg(fig)
    assert _texts(text).count(plots.ZERO_LABEL) == 1
    found = assert_three_states_distinct(text, plots.ZERO_LABEL)
    assert [len(a["states"]["students"]["zero"]) for a in found] == [0, 1]


def test_a_long_source_line_wraps_inside_the_figure():
    source = " ".join(["Foreign Military Training report, Section IV, every regional volume"] * 5)
    note = "Circled: " + "a doubtful value summed from report groups that miss their totals " * 3
    fig, ax = plots.figure(TITLE)
    plots.yearly(ax, _tidy(), x="fiscal_year", y="students", by="program")
    plots.finish(fig, ax, xlabel="US fiscal year", ylabel=YLABEL, source=source, alt=ALT, note=note)
    text = plots.svg(fig)
    renderer = fig.canvas.get_renderer()
    for t in (fig._suptitle, fig._supxlabel):  # the title and the source line (and note)
        box = t.get_window_extent(renderer)
        assert box.x0 >= 0 and box.x1 <= fig.bbox.x1, f"cut off: {t.get_text()[:40]!r}"
    # every word still reaches the page, in order
    words = " ".join(_texts(text)).split()
    start = words.index("Source:")
    assert words[start : start + len(source.split()) + 1] == ["Source:", *source.split()]
    assert " ".join(words).count("Circled:") == 1
