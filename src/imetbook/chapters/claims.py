"""The claims chapter (``chapters/claims.ipynb``): its parameters, the values it glues (the
introduction glues them too), and how the verdicts are shown.

The verdicts themselves are computed once, by :mod:`imetbook.analysis.claims`; this module
only words and shows them. Text from the claims table is data: it is escaped for Markdown and
HTML here (:func:`md_text`, :func:`html_link`) and never glued as Markdown unescaped.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import pandas as pd

from imetbook.analysis import claims as cl
from imetbook.analysis import classrooms, eligibility
from imetbook.chapters import params, tables
from imetbook.data import datasets
from imetbook.errors import DataError

PARAMS = params.Spec(
    threshold_usd=params.Param(
        params.OrNone(params.Amount(), "the claim's own"),
        "Yearly amount (US dollars) India's IMET money is held against",
        default=None,
    ),
    since_fy=params.Param(
        params.OrNone(params.FiscalYear(params.data_years("funding")), "the year the claim names"),
        "First fiscal year of that check",
        default=None,
    ),
)
"""The chapter's parameters, each with its default (the notebook's ``parameters`` cell holds
the same values: tests/test_params.py checks every chapter)."""


# --- Markdown for the chapter --------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|$~{}#])")


def md_text(text: object) -> str:
    """Plain text safe inside a Markdown table cell: one line, Markdown characters escaped
    (``$`` too, which MyST's dollar math would otherwise read as maths)."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


def md_link(label: str, target: str) -> str:
    """``[label](<target>)`` with the label escaped (the target may hold any character but
    angle brackets and newlines)."""
    if any(c in target for c in "<>\n"):
        raise DataError(f"link target {target!r} cannot be written as a Markdown link")
    return f"[{md_text(label)}](<{target}>)"


def html_link(label: str, url: str) -> str:
    """An external link as inline HTML, for a Markdown table cell.

    MyST-Parser escapes the ``&`` of a Markdown link's query string twice (``&amp;amp;``,
    executablebooks/MyST-Parser#760, #1116), which breaks links such as the US Code's; raw
    HTML passes through once-escaped. The label is escaped for HTML and then for Markdown
    (the text between the tags is still read as Markdown: a ``[text](address)`` in a title
    would become a link), so pipes cannot end the cell either. Only an ``http(s)`` address
    is linked (:func:`imetbook.chapters.tables.http_url`); any other is left out and the label stays
    plain text.
    """
    text = md_text(html.escape(str(label)))
    address = tables.http_url(url)
    if address is None:
        return text
    href = html.escape(address, quote=True).replace("|", "%7C")
    return f'<a href="{href}">{text}</a>'


def _verdict_cell(rec: pd.Series) -> str:
    cell = f"**{rec['verdict']}**"
    if rec["differs"]:
        cell += f" (claims table: {rec['sourced_verdict']})"
    return cell


def _evidence_cell(rec: pd.Series) -> str:
    if rec["basis"] == cl.COMPUTED:
        return md_link(rec["evidence_label"], rec["evidence_target"])
    url = rec["source_url"]
    if not isinstance(url, str) or not url.strip():  # a source named without an address
        return md_text(rec["source_title"])
    return html_link(rec["source_title"], url)


def markdown_table(table: pd.DataFrame) -> str:
    """:func:`verdict_table` as a Markdown table: claim, the article's words, verdict (with
    the claims table's where it differs), basis, why, and where the evidence is: a Markdown
    link to a chapter section for a computed verdict (the strict book build checks it), the
    source's address for a sourced one."""
    head = "| Claim | The article says | Verdict | Basis | Why | Evidence |"
    lines = [head, "|---|---|---|---|---|---|"]
    for _, rec in table.iterrows():
        cells = [
            md_text(rec["claim_id"]),
            "\u201c" + md_text(rec["claim"]) + "\u201d",
            _verdict_cell(rec),
            rec["basis"],
            md_text(rec["why"]),
            _evidence_cell(rec),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def headline(table: pd.DataFrame) -> dict[str, str]:
    """The strings the chapter (and the introduction) glue: counts, formatted."""
    counts = cl.verdict_counts(table).set_index("verdict")
    computed = table[table["basis"] == cl.COMPUTED]
    out = {
        "n_claims": f"{len(table):,}",
        "n_computed": f"{len(computed):,}",
        "n_sourced": f"{len(table) - len(computed):,}",
        "n_differ": f"{int(table['differs'].sum()):,}",
    }
    for verdict in cl.VERDICTS:
        key = verdict.replace("partly supported", "partly").replace(" ", "_")
        out[f"n_{key}"] = f"{counts.loc[verdict, 'total']:,}"
        out[f"n_computed_{key}"] = f"{counts.loc[verdict, 'computed']:,}"
    return out


def reason_md(finding: cl.Finding) -> str:
    """A finding's reason as Markdown that reads as the same text: it quotes data (a course
    title, a place), which must never be read as markup."""
    return md_text(finding.reason)


def glue_values(findings: list[cl.Finding], table: pd.DataFrame, four: pd.DataFrame) -> dict:
    """Every plain-text value the chapter glues (and the introduction reads): the counts, each
    verdict (``verdict_<id>``), each finding's facts (``<id>_<key>``), the four countries'."""
    out: dict[str, str] = {**headline(table), **cl.four_facts(four)}
    for f in findings:
        out[f"verdict_{f.claim_id}"] = f.verdict
        out.update({f"{f.claim_id}_{key}": value for key, value in f.facts.items()})
    return out


def reasons_md(findings: list[cl.Finding]) -> dict[str, str]:
    """``reason_<id>``: each reason as escaped Markdown (glued as Markdown: myst-nb sets pasted
    plain text in bold)."""
    return {f"reason_{f.claim_id}": reason_md(f) for f in findings}


@dataclass(frozen=True)
class Chapter:
    """What the chapter shows: the tables it reads, the findings, the verdict table."""

    claims: pd.DataFrame
    training: pd.DataFrame
    findings: list[cl.Finding]
    table: pd.DataFrame
    four: pd.DataFrame


def compute(threshold_usd: float | None = None, since_fy: int | None = None) -> Chapter:
    """Load the tables and compute every verdict once (:func:`.analysis.claims.compute_all`)."""
    claims, training = datasets.load("claims"), datasets.load("training")
    findings = cl.compute_all(
        claims,
        training,
        datasets.load("funding"),
        datasets.load("events"),
        threshold_usd=threshold_usd,
        since_fy=since_fy,
    )
    table = cl.verdict_table(claims, findings)
    return Chapter(claims, training, findings, table, cl.four_countries(training))


def counts_view(table: pd.DataFrame) -> tables.Table:
    counts = cl.verdict_counts(table)
    counts.columns = ["verdict", "computed from the tables", "sourced", "all claims"]
    return tables.show(counts, "claims-counts")


def differences_view(table: pd.DataFrame):
    diff = cl.differences(table)
    if diff.empty:
        return None
    return tables.show(diff, "claims-differences")


def four_view(four: pd.DataFrame) -> tables.Table:
    return tables.show(four, "claims-four-countries", na_rep="not checkable")


def nationalities_view(training: pd.DataFrame) -> tables.Table:
    """C05's evidence: per fiscal year, war-college classes and their nationalities."""
    wc_classes = classrooms.war_college_classes(training)
    covered = eligibility.covered_years_training(training)
    wc_years = classrooms.nationalities_by_year(wc_classes, covered)
    wc_years.columns = [
        "fiscal year",
        "war-college classes",
        "median nationalities",
        "most nationalities",
        "largest class (report and pages)",
    ]
    return tables.show(
        wc_years,
        "claims-c05-by-year",
        na_rep="no class",
        formats={"median nationalities": "{:.1f}"},
    )


def finding_blocks(chapter: Chapter) -> list[tuple[str, tables.Table | None]]:
    """Per computed claim: a Markdown paragraph (the claim's words, verdict, reason, link to the
    full evidence; data escaped) and its figures as a table (None when it has none)."""
    words = chapter.claims.set_index("claim_id")["claim"]
    out = []
    for f in chapter.findings:
        link = cl.EVIDENCE[f.claim_id]
        text = (
            f"**{f.claim_id}**: \u201c{md_text(words[f.claim_id])}\u201d: **{f.verdict}**. "
            f"{md_text(f.reason)} Full evidence: {md_link(link.label, link.target)}."
        )
        shown = None
        if not f.figures.empty:
            figures = f.figures.rename(columns={"figure": "Figure", "value": "Value"})
            shown = tables.show(figures, f"claims-figures-{f.claim_id}")
        out.append((text, shown))
    return out
