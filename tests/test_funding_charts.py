"""portal/charts.py: accessible server-rendered SVG (title, desc, data table), valid XML."""

import xml.dom.minidom
from decimal import Decimal

from portal.charts import Series, bar_chart, line_chart


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


def test_line_chart_is_valid_svg_with_a_point_per_month_and_negative_values_on_the_axis():
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
    assert float(circles[2].getAttribute("cy")) == float(circles[1].getAttribute("cy"))
    assert "€\xa0-5,00" in chart.table()
