"""portal/charts.py, the one chart module: accessible server-rendered SVG (title, desc, data
table), valid XML, round ticks with a zero line, negatives below it."""

import xml.dom.minidom
from decimal import Decimal

import pytest

from portal.charts import Series, bar_chart, column_chart, line_chart, nice_ticks


def test_bar_chart_has_title_description_and_the_numbers_in_a_table():
    chart = bar_chart(
        title="Budget <per> stroom",
        description="Toegekend en besteed",
        categories=["GOAB", "NPO-GEM"],
        series=[
            Series("Toegekend", [Decimal("5684000"), Decimal("1382450")]),
            Series("Besteed", [Decimal("33750"), None]),
        ],
        money=True,
    )
    doc = xml.dom.minidom.parseString(chart.svg)
    svg = doc.documentElement
    assert svg.getAttribute("role") == "img"
    title_id, desc_id = svg.getAttribute("aria-labelledby").split()
    assert doc.getElementsByTagName("title")[0].getAttribute("id") == title_id
    assert doc.getElementsByTagName("desc")[0].firstChild.data == "Toegekend en besteed"
    html = chart.html()
    assert (
        "Budget &lt;per&gt; stroom" in html
        and "€\xa05.684.000,00" in html
        and '<th scope="row">NPO-GEM</th>' in html
    )
    assert len(doc.getElementsByTagName("rect")) >= 4


def test_line_chart_is_valid_svg_with_a_point_per_month_and_negative_values_below_zero():
    chart = line_chart(
        title="Per maand",
        description="d",
        categories=["01-2024", "02-2024", "03-2024"],
        series=[Series("Besteed", [Decimal("100"), Decimal("0"), Decimal("-5")])],
        money=True,
    )
    doc = xml.dom.minidom.parseString(chart.svg)
    circles = doc.getElementsByTagName("circle")
    assert len(circles) == 3
    # screen y grows downwards: the negative month lies lower than the zero month
    assert float(circles[2].getAttribute("cy")) > float(circles[1].getAttribute("cy"))
    assert "€\xa0-5,00" in chart.table()


def test_ticks_are_three_to_five_round_values_spanning_zero_and_the_data():
    assert nice_ticks([Decimal("5684000"), Decimal("33750")]) == [0, 2000000, 4000000, 6000000]
    assert nice_ticks([Decimal("250"), Decimal("-40")]) == [-100, 0, 100, 200, 300]
    for values in ([Decimal("1034000.55")], [7], [Decimal("0.3")], [-12, 3], [45, 120]):
        ticks = nice_ticks(values)
        assert 3 <= len(ticks) <= 5, (values, ticks)
        assert 0 in ticks and ticks[0] <= min(values + [0]) and ticks[-1] >= max(values + [0])


def test_column_chart_hangs_credit_note_months_below_the_zero_line_with_labelled_gridlines():
    chart = column_chart(
        title="Per maand",
        description="d",
        categories=["01-24", "02-24"],
        series=[Series("Besteding", [Decimal("300"), Decimal("-100")])],
        running=Series("Cumulatief", [Decimal("300"), Decimal("200")]),
        money=True,
    )
    doc = xml.dom.minidom.parseString(chart.svg)
    bars = [r for r in doc.getElementsByTagName("rect") if r.getElementsByTagName("title")]
    assert all(float(r.getAttribute("height")) > 0 for r in bars)
    zero_line = next(
        ln for ln in doc.getElementsByTagName("line") if ln.getAttribute("stroke-width") == "1.5"
    )
    zero_y = float(zero_line.getAttribute("y1"))
    positive, negative = bars
    assert float(positive.getAttribute("y")) + float(positive.getAttribute("height")) == (
        pytest.approx(zero_y)
    )
    assert float(negative.getAttribute("y")) == pytest.approx(zero_y)
    labels = [t.firstChild.data for t in doc.getElementsByTagName("text")]
    assert "€\xa0-100" in labels and "€\xa0300" in labels and "Cumulatief" in labels


def test_percent_bars_label_their_ticks_in_percent():
    chart = bar_chart(
        title="Budget per stroom",
        description="d",
        categories=["GOAB", "NPO-GEM"],
        series=[Series("Besteed", [Decimal("12"), Decimal("85")])],
        percent=True,
    )
    labels = [
        t.firstChild.data
        for t in xml.dom.minidom.parseString(chart.svg).getElementsByTagName("text")
    ]
    assert "100%" in labels and "0%" in labels
    assert "85%" in chart.table()
