"""Server-rendered SVG charts for pages and PDFs alike (no JavaScript, no CDN).

Each chart is a ``<figure>`` with an SVG that carries ``<title>`` and ``<desc>`` (read by screen
readers through ``aria-labelledby``) and the data table behind it, so the figures are never
conveyed by the picture alone (WCAG 1.1.1, 1.4.1). Values are Decimals or ints; money is
formatted nl-NL in the table and the tooltips.

    chart = bar_chart(title=..., description=..., categories=["GOAB", "NPO-GEM"],
                      series=[Series("Toegekend", [a, b]), Series("Besteed", [c, d])], money=True)
    {{ chart.html }}    # in a template, or html_to_pdf(...) of a page holding it
"""

import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from . import formatting

# Distinguishable in greyscale and for colour-blind readers (Okabe-Ito); series also differ by
# pattern in the legend order and are named in the table.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]
_ids = itertools.count(1)


@dataclass
class Series:
    name: str
    values: list


@dataclass
class Chart:
    title: str
    description: str
    categories: list
    series: list
    svg: str
    money: bool = False
    ident: str = field(default="")

    def format(self, value):
        if value is None:
            return ""
        return (
            formatting.format_money(value)
            if self.money
            else formatting.format_number(value, 0 if isinstance(value, int) else 2)
        )

    def table(self) -> str:
        head = "".join(format_html('<th scope="col">{}</th>', s.name) for s in self.series)
        rows = "".join(
            format_html(
                '<tr><th scope="row">{}</th>{}</tr>',
                category,
                mark_safe(
                    "".join(
                        format_html('<td class="num">{}</td>', self.format(s.values[i]))
                        for s in self.series
                    )
                ),
            )
            for i, category in enumerate(self.categories)
        )
        return format_html(
            '<table class="table chart-data"><caption>{}</caption><thead><tr><td></td>{}</tr></thead><tbody>{}</tbody></table>',
            self.title,
            mark_safe(head),
            mark_safe(rows),
        )

    def html(self) -> str:
        """The figure: SVG plus the table with the same numbers (in a <details> on screen)."""
        return format_html(
            '<figure class="chart" id="{}"><figcaption>{}</figcaption>{}<details><summary>{}</summary>{}</details></figure>',
            self.ident,
            self.title,
            mark_safe(self.svg),
            gettext("Tabel bij de grafiek"),
            self.table(),
        )

    __html__ = html

    def __str__(self):
        return self.html()


def _scale_max(values):
    top = max([Decimal(v) for v in values if v is not None] + [Decimal(0)])
    if top <= 0:
        return Decimal(1)
    # a round upper bound: 1, 2, 2.5 or 5 times a power of ten
    magnitude = Decimal(10) ** (len(str(int(top))) - 1)
    for step in (1, 2, Decimal("2.5"), 5, 10):
        if top <= step * magnitude:
            return step * magnitude
    return top


def _frame(ident, title, description, width, height, body):
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" width="100%" '
        f'aria-labelledby="{ident}-t {ident}-d" font-family="sans-serif" font-size="11">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(description)}</desc>{body}</svg>'
    )


def _legend(series, x, y):
    parts = []
    for i, s in enumerate(series):
        colour = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<rect x="{x}" y="{y + i * 16}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{x + 14}" y="{y + i * 16 + 9}">{escape(s.name)}</text>'
        )
    return "".join(parts)


def bar_chart(
    *, title, description, categories, series, money=False, width=640, bar_height=14
) -> Chart:
    """Horizontal grouped bars: one group per category, one bar per series."""
    ident = f"chart{next(_ids)}"
    chart = Chart(title, description, list(categories), list(series), "", money, ident)
    label_w, right = 130, 150
    plot_w = width - label_w - right
    top = _scale_max(v for s in series for v in s.values)
    group_h = bar_height * len(series) + 10
    height = max(40, group_h * len(categories) + 30)
    body = []
    for ci, category in enumerate(categories):
        y0 = 10 + ci * group_h
        body.append(
            f'<text x="{label_w - 6}" y="{y0 + group_h / 2}" text-anchor="end">{escape(str(category))}</text>'
        )
        for si, s in enumerate(series):
            value = s.values[ci] or 0
            w = max(0, float(Decimal(value) / top) * plot_w)
            y = y0 + si * bar_height
            body.append(
                f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_height - 2}" fill="{PALETTE[si % len(PALETTE)]}">'
                f"<title>{escape(s.name)}, {escape(str(category))}: {escape(chart.format(s.values[ci]))}</title></rect>"
            )
    axis_y = 10 + group_h * len(categories)
    body.append(f'<line x1="{label_w}" y1="5" x2="{label_w}" y2="{axis_y}" stroke="#333"/>')
    body.append(
        f'<text x="{label_w + plot_w}" y="{axis_y + 14}" text-anchor="end">{escape(chart.format(top))}</text>'
    )
    body.append(_legend(series, width - right + 10, 10))
    chart.svg = _frame(ident, title, description, width, height, "".join(body))
    return chart


def line_chart(
    *, title, description, categories, series, money=False, width=640, height=220
) -> Chart:
    """Lines over ordered categories (months)."""
    ident = f"chart{next(_ids)}"
    chart = Chart(title, description, list(categories), list(series), "", money, ident)
    left, right, top_pad, bottom = 70, 150, 10, 30
    plot_w, plot_h = width - left - right, height - top_pad - bottom
    top = _scale_max(v for s in series for v in s.values)
    n = max(1, len(categories) - 1)
    body = [
        f'<line x1="{left}" y1="{top_pad}" x2="{left}" y2="{top_pad + plot_h}" stroke="#333"/>',
        f'<line x1="{left}" y1="{top_pad + plot_h}" x2="{left + plot_w}" y2="{top_pad + plot_h}" stroke="#333"/>',
        f'<text x="{left - 4}" y="{top_pad + 8}" text-anchor="end">{escape(chart.format(top))}</text>',
    ]
    for i, category in enumerate(categories):
        if len(categories) <= 12 or i % max(1, len(categories) // 8) == 0:
            body.append(
                f'<text x="{left + i * plot_w / n:.1f}" y="{height - 10}" text-anchor="middle">{escape(str(category))}</text>'
            )
    for si, s in enumerate(series):
        colour = PALETTE[si % len(PALETTE)]
        points = [
            # negative months (net credit notes) sit on the axis; the table has the exact value
            (
                left + i * plot_w / n,
                top_pad + plot_h - max(0.0, float(Decimal(v or 0) / top)) * plot_h,
            )
            for i, v in enumerate(s.values)
        ]
        if points:
            body.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in points)}"/>'
            )
        for (x, y), category, v in zip(points, categories, s.values, strict=False):
            body.append(
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}"><title>{escape(s.name)}, {escape(str(category))}: '
                f"{escape(chart.format(v))}</title></circle>"
            )
    body.append(_legend(series, width - right + 10, 10))
    chart.svg = _frame(ident, title, description, width, height, "".join(body))
    return chart
