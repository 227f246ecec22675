"""Page 2 of the closed report, "DSMB at a glance", on the demo trial's cut analysed in-process
(simulate -> cutoff -> ADaM -> analyse, no Prefect): every line comes from the typed results, the
efficacy headline and Table 14.2.2 share one denominator, and the page sits before the contents
with every pointer resolving to a table of the report. The cut: the `run` fixture of
conftest.py."""
from __future__ import annotations

import re

from tasks.model import Table
from tasks.report import formatting as fmt
from tasks.report.glance import attention_lines
from tasks.report.glance_page import GlanceLine
from tasks.report.render import render_html
from tasks.results.attention import AttentionItem


def test_every_verdict_in_one_line_with_boundary_and_observed_value(run):
    analysis, documents = run
    glance = documents["closed"].glance
    assert [(v.name, v.verdict) for v in glance.verdicts] == [
        ("Simon stage 1", "CONTINUE"), ("Simon final", "FINAL BOUNDARY EXCEEDED"),
        ("Predictive probability", "CONTINUE"), ("Safety stopping", "CONTINUE")]
    assert [v for _, v in analysis.results.monitoring.verdicts()] == [
        v.verdict for v in glance.verdicts]
    final = analysis.results.monitoring.simon.final
    assert glance.verdicts[1].boundary == "promising if > 5 responses in the first 29"
    assert glance.verdicts[1].observed.startswith(
        f"{final.responses} responses in {final.evaluable} evaluable")


def test_safety_synopsis_counts_are_the_safety_results(run):
    analysis, documents = run
    safety = analysis.results.safety
    rows = {row.label: row.cells[0] for row in documents["closed"].glance.safety}
    n = safety.population
    assert rows["Related TEAE grade >= 3, any cycle"] == \
        fmt.n_pct(safety.related_grade3plus.subjects, n)
    assert rows["Deaths"] == fmt.n_pct(safety.deaths.subjects, n) == "5 (16.7)"
    assert rows["within 30 days of last dose"] == "3 (10.0)"
    assert rows["Fatal TEAE"] == fmt.n_pct(safety.fatal.subjects, n)
    assert rows["AESI grade >= 3, by group"] == ""
    assert {label for label, share in safety.aesi_grade3plus.items() if share.subjects} <= set(rows)


def test_the_efficacy_headline_and_table_14_2_2_share_one_denominator(run):
    analysis, documents = run
    orr, pending = analysis.results.efficacy.orr, analysis.results.efficacy.pending
    assert orr.n == pending.settled == pending.evaluable - pending.pending
    headline = documents["closed"].glance.efficacy[0].text
    assert headline.startswith(f"ORR (confirmed CR or PR) {orr.responders}/{orr.n} = "
                               f"{fmt.percent(orr.responders, orr.n)}%")
    assert f"Pending apart: {pending.pending} ({pending.awaiting_confirmation} awaiting" in headline
    table = next(b for s in analysis.closed for b in s.blocks
                 if isinstance(b, Table) and b.number == "14.2.2").display.set_index("")
    assert table.loc["    n / settled (%)"].iloc[0, 0] == fmt.ratio_pct(orr.responders, orr.n)
    assert table.loc["Pending (response can still change), n"].iloc[0] == str(pending.pending)


def test_attention_items_and_no_summary(run):
    analysis, documents = run
    glance = documents["closed"].glance
    assert [line.text for line in glance.attention] == [i.text for i in analysis.results.attention]
    unknown = [line for line in glance.attention if "cause unknown" in line.text]
    assert len(unknown) == 1 and "18 days after the last dose" in unknown[0].text
    assert glance.narrative is None and documents["open"].glance is None


def test_the_page_comes_before_the_contents_and_every_pointer_resolves(run):
    _, documents = run
    html = render_html(documents["closed"])
    assert html.index('<section class="glance"') < html.index('<nav class="toc">')
    page = html[html.index('<section class="glance"'):html.index('<nav class="toc">')]
    targets = re.findall(r'<a class="pageref" href="#([^"]+)">([^<]+)</a>', page)
    assert len(targets) >= 15
    for anchor, label in targets:
        assert f'id="{anchor}"' in html, anchor
        assert re.match(r"(Table|Listing|Figure) \d+(\.\d+)+$", label), label
    assert '<section class="glance"' not in render_html(documents["open"])


def test_page_2_lists_a_few_items_of_each_attention_rule_and_counts_the_rest():
    deaths = [AttentionItem("death in the window", f"S-{i} died.", (f"S-{i}",), "t_death")
              for i in range(1, 8)]
    boundary = AttentionItem("boundary", "Simon final: 1 more response.", (), "t_rules")
    lines = attention_lines([*deaths, boundary], per_rule=5)
    assert [(line.text, line.target) for line in lines] == [
        *((f"S-{i} died.", "t_death") for i in range(1, 6)),
        ("And 2 more (death in the window; 7 in all), each in", "t_death"),
        ("Simon final: 1 more response.", "t_rules")]
    assert attention_lines([*deaths[:5], boundary], per_rule=5) == tuple(
        GlanceLine(item.text, item.target) for item in [*deaths[:5], boundary])


def test_the_two_stage_inference_line_prints_its_p_values_as_p_values(run):
    analysis, documents = run
    inf = analysis.results.monitoring.simon.inference
    assert inf is not None, "the demo cut reaches stage 2"
    line = next(g.text for g in documents["closed"].glance.efficacy
                if g.text.startswith("After the two-stage design"))

    def shown(p: float) -> str:
        return fmt.p_value(p) if p < 1e-4 else f"= {fmt.p_value(p)}"      # "< 0.0001"
    assert (f"stage-wise p {shown(inf.p_value)} (naive p {shown(inf.naive_p_value)}), UMVUE "
            f"{fmt.number(100 * inf.estimate)}%") in line
