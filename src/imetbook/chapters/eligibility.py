"""The eligibility chapter (``chapters/eligibility.ipynb``): its parameters, the values its prose
glues, and its tables and charts, for one set of parameter values.

The analysis is in :mod:`imetbook.analysis.eligibility` (who takes part),
:mod:`imetbook.analysis.absences` (gaps and what coincides with them),
:mod:`imetbook.analysis.dropouts` (drop-outs and their sourced causes) and
:mod:`imetbook.analysis.sources` (the documents behind the counts); the charts in
:mod:`imetbook.figures.eligibility`. :class:`Chapter` loads the tables once and answers for
the notebook; the notebook only calls, glues and shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd
from IPython.display import Markdown
from matplotlib.figure import Figure

from imetbook import vocab
from imetbook.analysis import absences as ab
from imetbook.analysis import dropouts as do
from imetbook.analysis import eligibility as el
from imetbook.analysis import sources
from imetbook.chapters import evidence as ev
from imetbook.chapters import params, tables
from imetbook.data import countries, datasets
from imetbook.figures import eligibility as fe

PARAMS = params.Spec(
    params.Ordered("fy_start", "fy_end"),
    fy=params.Param(
        params.OrNone(
            params.FiscalYear(params.data_years("training")), "the latest year with course records"
        ),
        "Focus US fiscal year of the regional snapshot",
        default=None,
    ),
    country=params.Param(
        params.OrNone(params.Country(), "no focus country"),
        "Focus country whose years in and out are shown",
        default=None,
    ),
    fy_start=params.Param(
        params.OrNone(
            params.FiscalYear(params.data_years("funding")), "the first year with course records"
        ),
        "First fiscal year shown",
        default=None,
    ),
    fy_end=params.Param(
        params.OrNone(
            params.FiscalYear(params.data_years("funding")), "the last year with course records"
        ),
        "Last fiscal year shown",
        default=None,
    ),
)
"""The chapter's parameters, each with its default (the notebook's ``parameters`` cell holds
the same values: tests/test_params.py checks every chapter)."""

TABLES = (
    "training",
    "funding",
    "events",
    "rules",
    "aspa_rules",
    "aspa_countries",
    "nato_accessions",
    "country_restrictions",
)
# The countries the answer names as examples of ASPA's drop-outs, and the article's four.
ASPA_EXAMPLES = ("Brazil", "Peru", "South Africa")
ARTICLE = ("India", "Pakistan", "Israel", "Turkey")
TURKEY_MEASURES = ["obligation", "actual"]
# Report sections whose first or last year the chapter names (glue key, section, which end).
SECTIONS = (
    ("nis_last", "Newly Independent States", 1),
    ("sa_last", "South Asia", 1),
    ("sca_first", "South Central Asia", 0),
)


# --- words -------------------------------------------------------------------------------------


def day_text(day: object, with_day: bool = True) -> str:
    """``1 July 2003`` (``July 2003`` without the day)."""
    ts = pd.Timestamp(day)
    return f"{ts.day} {ts.month_name()} {ts.year}" if with_day else f"{ts.month_name()} {ts.year}"


def _listed(items: list[str], empty: str = "none") -> str:
    return vocab.and_join(items) or empty


def _spans(runs: pd.DataFrame, empty: str) -> str:
    pairs = zip(runs["gap_start"], runs["gap_end"], strict=True)
    return _listed([vocab.fy_span(a, b) for a, b in pairs], empty)


# --- the chapter -------------------------------------------------------------------------------


@dataclass
class Chapter:
    """The chapter for one set of checked parameter values (:func:`params.bind`)."""

    values: dict
    data: dict[str, pd.DataFrame]

    @classmethod
    def load(cls, values: dict) -> Chapter:
        """Load the chapter's tables; the years are resolved against them (ParameterError)."""
        chapter = cls(values, {name: datasets.load(name) for name in TABLES})
        chapter.span  # noqa: B018 (a bad year fails here, before any cell shows anything)
        return chapter

    # --- the evidence, once --------------------------------------------------------------------

    @cached_property
    def train_cov(self) -> list[int]:
        return el.covered_years_training(self.data["training"])

    @cached_property
    def fund_cov(self) -> list[int]:
        return el.covered_years_funding(self.data["funding"])

    @cached_property
    def span(self) -> el.YearSpan:
        v = self.values
        return el.resolve_years(v["fy"], v["fy_start"], v["fy_end"], self.train_cov, self.fund_cov)

    @property
    def years(self) -> list[int]:
        return self.span.years

    @property
    def covered(self) -> list[int]:
        """The years shown that the course records cover."""
        return [y for y in self.train_cov if y in set(self.years)]

    @cached_property
    def focus(self) -> str | None:
        country = self.values["country"]
        return None if country is None else countries.to_iso3(country)

    @cached_property
    def train(self) -> pd.DataFrame:
        # One region scheme for both sources: the State regional bureau the funding table gives.
        bureaus = el.bureaus(self.data["funding"])
        return el.with_regions(el.training_participation(self.data["training"]), bureaus)

    @cached_property
    def fund(self) -> pd.DataFrame:
        return el.funding_participation(self.data["funding"])

    @property
    def train_in(self) -> pd.DataFrame:
        return self.train[self.train["fiscal_year"].isin(self.years)]

    @property
    def fund_in(self) -> pd.DataFrame:
        return self.fund[self.fund["fiscal_year"].isin(self.years)]

    @cached_property
    def drop_causes(self) -> pd.DataFrame:
        d = self.data
        merged = do.merged_headings(d["training"])
        sourced = [d[t] for t in ("aspa_rules", "aspa_countries", "nato_accessions")]
        return do.attribute(self.drops, *sourced, merged, d["events"], d["country_restrictions"])

    @cached_property
    def drops(self) -> pd.DataFrame:
        return do.dropouts(self.train, self.train_cov)

    @cached_property
    def drop_summary(self) -> pd.DataFrame:
        return do.summary(self.drops, self.drop_causes)

    @cached_property
    def both(self) -> pd.DataFrame:
        return el.side_by_side(self.train, self.fund, self.train_cov, self.fund_cov, self.years)

    @cached_property
    def gaps(self) -> pd.DataFrame:
        return ab.gaps_table(self.train_in, self.covered)

    @cached_property
    def accessions(self) -> dict[str, str]:
        return el.accession_dates(self.data["nato_accessions"])

    @cached_property
    def exempt(self) -> pd.DataFrame:
        return el.exempt_countries(
            self.train, self.fund, self.train_cov, self.years, self.accessions
        )

    @cached_property
    def never(self) -> pd.DataFrame:
        return el.never_in_records(
            self.train, self.fund, self.train_cov, self.years, self.accessions
        )

    @cached_property
    def turkey(self) -> pd.DataFrame:
        tur = countries.to_iso3("Turkey")
        return el.country_funding(self.data["funding"], tur, TURKEY_MEASURES, self.years)

    @cached_property
    def by_region(self) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
        """Countries per year and region in the records and with money, and the regions."""
        train, fund = self.train, self.fund
        return el.regions_by_source(train, fund, self.train_cov, self.fund_cov, self.years)

    # --- the values the prose glues --------------------------------------------------------------

    def glue_values(self) -> dict[str, str]:
        """Every value the chapter's prose glues, by name."""
        return (
            self._glue_years()
            | self._glue_aspa()
            | self._glue_snapshot()
            | self._glue_gaps()
            | self._glue_nato()
            | self._glue_never()
            | self._glue_limits()
        )

    def _glue_years(self) -> dict[str, str]:
        training = self.data["training"]
        out = {
            "fy": vocab.fy(self.span.fy),
            "span": vocab.fy_span(self.span.fy_start, self.span.fy_end),
            "n_rules": vocab.count(len(self.data["rules"])),
            "first_report": vocab.fy(self.train_cov[0]),
            "last_report": vocab.fy(self.train_cov[-1]),
        }
        for key, section, end in SECTIONS:
            found = el.section_years(training, section)
            out[key] = vocab.fy(None if found is None else found[end])
        return out

    def _glue_aspa(self) -> dict[str, str]:
        aspa_rules = self.data["aspa_rules"]
        first, last = do.aspa_years(aspa_rules)
        start, end = do.aspa_period(aspa_rules)
        summary_in = self.drop_summary[self.drop_summary["fiscal_year"].isin(self.years)]
        names = do.countries_with(summary_in, do.ASPA)
        n, n_explained, share = do.explained_share(self.drop_summary, first + 1, last - 1)
        return {
            "aspa_from": day_text(start),
            "aspa_to": day_text(end, with_day=False),
            "n_aspa_countries": vocab.count(len(names)),
            "aspa_examples": _listed([n for n in names if n in ASPA_EXAMPLES]),
            "span_0406": vocab.fy_span(first + 1, last - 1),
            "n_drop_0406": vocab.count(n),
            "n_exp_0406": vocab.count(n_explained),
            "share_0406": f"{share:.0%}",
            "n_coups": vocab.count(self.data["country_restrictions"]["iso3"].nunique()),
        }

    def _glue_snapshot(self) -> dict[str, str]:
        fy = self.span.fy
        t = set(self.train.loc[self.train["fiscal_year"] == fy, "iso3"])
        f = set(self.fund.loc[self.fund["fiscal_year"] == fy, "iso3"])
        covered = fy in set(self.fund_cov)
        return {
            "n_train_fy": vocab.count(len(t)),
            "n_fund_fy": vocab.count(len(f)) if covered else "no",
            "n_both_fy": vocab.count(len(t & f)) if covered else "none",
        }

    def _glue_gaps(self) -> dict[str, str]:
        pres = ab.presence(self.train_in, self.covered)
        peak = ab.peak_gap_year(ab.gap_years(self.gaps, self.covered))
        in_peak = ab.in_gap(self.gaps, int(peak["fiscal_year"]))
        named = ab.named_in_rules(self.data["rules"])
        aspa = self.data["aspa_countries"]
        suspended = set(aspa.loc[aspa["event"] == "suspended", "iso3"])
        named_in_peak = in_peak.loc[in_peak["iso3"].isin(set(named.values())), "country_name"]
        return {
            "n_ever": vocab.count(len(pres)),
            "n_returned": vocab.count(int((pres["n_gaps"] > 0).sum())),
            "peak_n": vocab.count(int(peak["countries_in_gap"])),
            "peak_year": vocab.fy(peak["fiscal_year"]),
            "peak_named": _listed(sorted(named_in_peak.unique())),
            "peak_aspa": vocab.count(
                in_peak.loc[in_peak["iso3"].isin(suspended), "iso3"].nunique()
            ),
            "n_named": vocab.count(len(named)),
        }

    def _glue_nato(self) -> dict[str, str]:
        day, joined = el.accession_group(self.data["nato_accessions"], 2004)
        entrants = self.exempt[self.exempt["member_since"] == day]
        last = sorted(set(entrants["last_in_records"].dropna().astype(int)))
        absent = sorted(set(entrants["first_absent"].dropna().astype(int)))
        none = "no year of these records"
        return {
            "n_2004": vocab.count(len(joined)),
            "nato2004_date": day_text(day),
            "nato2004_fy": vocab.fy(vocab.fiscal_year(day)),
            "nato2004_last": _listed([vocab.fy(y) for y in last], none),
            "nato2004_absent": _listed([vocab.fy(y) for y in absent], none),
            "later_entrants": self._later_entrants(day),
        }

    def _later_entrants(self, day: str) -> str:
        exempt = self.exempt
        later = exempt[(exempt["member_since"] > day) & (exempt["years_in_records"] > 0)]
        text = [
            f"{r.country_name} (member from {vocab.fy(vocab.fiscal_year(r.member_since))}) "
            + (
                f"last appears in {vocab.fy(r.last_in_records)}"
                if not pd.isna(r.first_absent)
                else f"is still listed in {vocab.fy(r.last_in_records)}, the last year shown"
            )
            for r in later.itertuples()
        ]
        return "; ".join(text) if text else "none appears in the course records in these years"

    def _glue_never(self) -> dict[str, str]:
        never = self.never
        n_nato = int((never["exempt_as"] == el.NATO_MEMBER).sum())
        tur = countries.to_iso3("Turkey")
        money = self.fund_in[self.fund_in["iso3"] == tur]
        covered = [y for y in self.fund_cov if y in set(self.years)]
        last = el.last_figure(self.turkey, "obligation")
        return {
            "n_never": vocab.count(len(never)),
            "n_never_nato": vocab.count(n_nato),
            "n_never_other": vocab.count(len(never) - n_nato),
            "tur_money_years": f"{vocab.count(money['fiscal_year'].nunique())} of "
            f"{vocab.count(len(covered))}",
            "tur_last": "no obligation in these years"
            if last is None
            else f"{vocab.usd(last[1])} obligated in {vocab.fy(last[0])}",
        }

    def _glue_limits(self) -> dict[str, str]:
        funding = self.data["funding"]
        ob = el.measure_years(funding, "obligation")
        act = el.measure_years(funding, "actual")
        benin = countries.to_iso3("Benin")
        gaps = ab.gaps_table(self.train[self.train["iso3"] == benin], self.train_cov)
        return {
            "ob_last": vocab.fy(ob[-1] if ob else None),
            "actual_span": vocab.fy_span(act[0], act[-1]) if act else "no year",
            "benin_missing": _spans(gaps, "no year"),
        }

    # --- charts ----------------------------------------------------------------------------------

    def participation_chart(self) -> Figure:
        aspa_rules = self.data["aspa_rules"]
        shade, period = do.aspa_shade(aspa_rules), do.aspa_period(aspa_rules)
        return fe.participation_chart(self.both, self.years, shade, period)

    def region_charts(self) -> list[Figure]:
        records, money, regions = self.by_region
        return fe.region_charts(records, money, regions, self.years)

    # --- tables ----------------------------------------------------------------------------------

    def rules_table(self) -> tables.Table:
        law = ev.rules_table(self.data["rules"])
        return tables.show(law, "eligibility-rules", html_columns=["Law"], na_rep="")

    def by_year_table(self) -> tables.Table:
        view = self.both.rename(
            columns={
                "fiscal_year": "Fiscal year",
                "training": "Course records",
                "funding": "IMET money",
                "both": "Both",
                "training_only": "Records only",
                "funding_only": "Money only",
            }
        )
        return tables.show(view, "eligibility-by-year", na_rep="not covered")

    def money_sources_table(self) -> tables.Table:
        view = ev.documents(
            sources.money_sources(self.data["funding"], self.years), "countries", "Countries"
        )
        return tables.show(
            view,
            "eligibility-money-sources",
            html_columns=["Document (earliest)"],
            na_rep="no record",
        )

    def region_table(self) -> tables.Table:
        records, money, regions = self.by_region
        wide = el.regions_side_by_side({"records": records, "money": money}, regions)
        wide.index.name = "Fiscal year"
        return tables.show(wide.reset_index(), "eligibility-by-region", na_rep="not covered")

    def snapshot_table(self) -> tables.Table:
        snap = el.regional_snapshot(self.train, self.fund, self.span.fy, self.fund_cov)
        snap.columns = ["Region", "Course records", "IMET money", "Both"]
        return tables.show(snap, "eligibility-snapshot", na_rep="not covered")

    def returned_table(self) -> tables.Table:
        pres = ab.presence(self.train_in, self.covered)
        refs = ab.context_refs(ab.gap_context(self.gaps, self.data["events"], self.data["rules"]))
        returned = pres[pres["n_gaps"] > 0].assign(evidence=lambda d: d["iso3"].map(refs))
        view = returned[
            ["country_name", "first_year", "last_year", "years_present", "years_missing", "gaps"]
            + ["evidence"]
        ].sort_values(["country_name"])
        view.columns = [
            "Country",
            "First FY",
            "Last FY",
            "Years in records",
            "Years missing",
            "Missing years",
            "Events and rules in or next to the gaps",
        ]
        return tables.show(view, "eligibility-returned", na_rep="none in the sources")

    def gap_years_table(self) -> tables.Table:
        together = ab.gap_years(self.gaps, self.covered)
        together.columns = ["Fiscal year", "Countries in a gap", "Countries"]
        return tables.show(together, "eligibility-gap-years", na_rep="no record")

    def dropouts_by_year_table(self) -> tables.Table:
        summary_in = self.drop_summary[self.drop_summary["fiscal_year"].isin(self.years)]
        share = do.by_year(summary_in, self.covered)
        share.columns = [
            "Fiscal year",
            "Drop-outs",
            "Explained",
            "Share explained",
            "Explained by ASPA",
            "Unexplained",
        ]
        return tables.show(
            share,
            "eligibility-dropouts-by-year",
            na_rep="no drop-out",
            formats={"Share explained": "{:.0%}"},
        )

    def causes_table(self) -> tables.Table:
        shown = self.drop_causes[self.drop_causes["fiscal_year"].isin(self.years)]
        return tables.show(
            ev.causes_table(shown), "eligibility-dropout-causes", html_columns=["Source"]
        )

    def aspa_steps_table(self) -> tables.Table:
        steps = ev.aspa_steps_table(self.data["aspa_rules"])
        return tables.show(steps, "eligibility-aspa-steps", html_columns=["Source"])

    def aspa_countries_table(self) -> tables.Table:
        listed = ev.aspa_countries_table(self.data["aspa_countries"])
        return tables.show(listed, "eligibility-aspa-countries", html_columns=["Source"])

    def why_table(self) -> tables.Table:
        runs = ab.gaps_table(self.train_in, self.covered, edges=True)
        runs = runs[runs["kind"] != "after last record"]
        context = ab.gap_context(runs, self.data["events"], self.data["rules"])
        view = ev.context_view(
            context,
            ["country_name", "gap", "gap_kind", *ev.CONTEXT[1:]],
            ["Country", "Missing", "Absence", *ev.CONTEXT_LABELS[1:]],
        )
        return tables.show(view, "eligibility-why", html_columns=["Source"], na_rep="no record")

    def exempt_table(self) -> tables.Table:
        view = self.exempt.drop(columns="iso3")
        view.columns = [
            "Country",
            "Exempt as",
            "NATO member since",
            "Years in records",
            "Last in records",
            "First absent",
            "Years with IMET money",
            "Last year with money",
        ]
        return tables.show(view, "eligibility-exempt", na_rep="none")

    def never_table(self) -> tables.Table:
        columns = ["country_name", "exempt_as", "years_with_money_no_records"]
        view = self.never[[*columns, "first_year", "last_year"]]
        view.columns = [
            "Country",
            "Exempt from the reports as",
            "Years with money, no records",
            "First",
            "Last",
        ]
        return tables.show(view, "eligibility-never", na_rep="no record")

    def turkey_table(self) -> tables.Table:
        dollars = {m: f"{vocab.measure_label(m)}, US$" for m in TURKEY_MEASURES}
        view = self.turkey.rename(columns={"fiscal_year": "Fiscal year", **dollars})
        money = {c: "{:,.0f}" for c in view.columns if c != "Fiscal year"}
        return tables.show(view, "eligibility-turkey", na_rep="", formats=money)

    def turkey_sources_table(self) -> tables.Table:
        tur = countries.to_iso3("Turkey")
        found = sources.country_sources(self.data["funding"], tur, TURKEY_MEASURES, self.years)
        return tables.show(
            ev.documents(found, "years", "Years"),
            "eligibility-turkey-sources",
            html_columns=["Document (earliest)"],
            na_rep="no record",
        )

    def article_table(self) -> tables.Table:
        article = [countries.to_iso3(n) for n in ARTICLE]
        named = el.country_summary(
            article, self.train, self.fund, self.train_cov, self.fund_cov, self.years
        ).drop(columns="iso3")
        named.columns = [
            "Country",
            "Years covered (records)",
            "Years in records",
            "First in records",
            "Last in records",
            "Gaps",
            "Years covered (money)",
            "Years with money",
        ]
        return tables.show(named, "eligibility-article", na_rep="none")

    # --- the focus country -----------------------------------------------------------------------

    @property
    def focus_name(self) -> str:
        return countries.canonical_name(self.focus)

    def focus_years(self) -> list[object]:
        """The focus country's years in and out, or a note that no country was chosen."""
        if self.focus is None:
            return [
                Markdown(
                    "No focus country was chosen for this run. Run the chapter with a country, "
                    "e.g. `python -m imetbook run eligibility -p country India`."
                )
            ]
        yrs = el.country_years(
            self.focus, self.train, self.fund, self.train_cov, self.fund_cov, self.years
        )
        cites = sources.record_citations(self.data["training"], self.focus, self.years)
        yrs = ev.years_view(yrs, cites)
        return [
            Markdown(f"### {self.focus_name}: years in and out"),
            tables.show(yrs, "eligibility-focus-years", na_rep=""),
        ]

    def focus_absences(self) -> list[object]:
        """The focus country's absences from the records and the evidence next to them."""
        if self.focus is None:
            return []
        name, mine = self.focus_name, self.train_in[self.train_in["iso3"] == self.focus]
        runs = ab.gaps_table(mine, self.covered, edges=True)
        if runs.empty:
            return [
                Markdown(
                    f"{name} has no IMET course record in these years."
                    if mine.empty
                    else f"{name} is in the course records in every covered year shown."
                )
            ]
        out = [
            Markdown(f"### {name}: absences from the course records"),
            tables.show(ev.runs_view(runs), "eligibility-focus-gaps", na_rep="outside the records"),
        ]
        found = ab.gap_context(runs, self.data["events"], self.data["rules"])
        if not found.empty:
            why = ev.context_view(found, ev.CONTEXT, ev.CONTEXT_LABELS)
            out.append(
                tables.show(
                    why, "eligibility-focus-why", html_columns=["Source"], na_rep="no record"
                )
            )
        return out

    def focus_events(self) -> list[object]:
        """The focus country's timeline events in the years shown and the rules naming it."""
        if self.focus is None:
            return []
        name = self.focus_name
        events = ab.country_events(self.data["events"], self.focus, self.years)
        named = ab.rules_naming(self.data["rules"], self.focus)
        out: list[object] = [Markdown(f"### {name}: timeline events and rules that name it")]
        if events.empty:
            out.append(Markdown(f"The book's timelines hold no event for {name} in these years."))
        else:
            out.append(
                tables.show(
                    ev.events_view(events),
                    "eligibility-focus-events",
                    html_columns=["Source"],
                    na_rep="no record",
                )
            )
        if named.empty:
            out.append(Markdown(f"No rule in the rules table names {name}."))
        else:
            rules = ev.named_rules_view(named)
            out.append(tables.show(rules, "eligibility-focus-rules", na_rep="not given"))
        return out
