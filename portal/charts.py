"""Server-rendered SVG charts for pages and PDFs alike (no JavaScript, no CDN): the one chart
module of the portal (the dashboards and the spending report's PDF both draw with it).

Each chart is a ``<figure>`` with an SVG that carries ``<title>`` and ``<desc>`` (read by screen
readers through ``aria-labelledby``) and the data table behind it, so the figures are never
conveyed by the picture alone (WCAG 1.1.1, 1.4.1). Every chart has a zero line and 3-5
labelled ticks with gridlines on a round scale; negative values (net credit notes) are drawn
below the zero line. Values are Decimals or ints (``None`` is drawn as nothing); money is
formatted nl-NL in the table, the ticks and the tooltips. Text inherits the page's font (the
SVG sets no font family); the legend is one row above the plot.

    chart = bar_chart(title=..., description=..., categories=["GOAB", "NPO-GEM"],
                      series=[Series("Toegekend", [a, b]), Series("Besteed", [c, d])], money=True)
    {{ chart }}         # in a page: figure + SVG + table in a <details>
    {{ chart.svg }}     # in a PDF that prints its own table next to it
"""

import itertools
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from . import formatting

# Distinguishable in greyscale and for colour-blind readers (Okabe-Ito); series are named in the
# legend and in the table.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00"]
GRID = "#d0d5da"
AXIS = "#333333"
FONT_SIZE = 13  # user units; the SVG is drawn at (at most) its natural width, so ~13 px
_ZERO_WIDTH = ' stroke-width="1.5"'
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
    svg: SafeString = mark_safe("")
    money: bool = False
    percent: bool = False
    ident: str = field(default="")

    def format(self, value):
        if value is None:
            return ""
        if self.percent:
            return formatting.format_number(value, 0) + "%"
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
            '<div class="table-wrap"><table class="table chart-data"><caption>{}</caption>'
            "<thead><tr><td></td>{}</tr></thead><tbody>{}</tbody></table></div>",
            self.title,
            mark_safe(head),
            mark_safe(rows),
        )

    def html(self) -> str:
        """The figure: SVG plus the table with the same numbers (in a <details> on screen)."""
        return format_html(
            '<figure class="chart" id="{}"><figcaption>{}</figcaption><div class="chart__svg">{}</div>'
            "<details><summary>{}</summary>{}</details></figure>",
            self.ident,
            self.title,
            self.svg,
            gettext("Tabel bij de grafiek"),
            mark_safe(self.table()),
        )

    __html__ = html

    def __str__(self):
        return self.html()


def nice_ticks(values, *, count=4) -> list[Decimal]:
    """3-5 round tick values (1, 2, 2.5 or 5 times a power of ten) that span 0 and every value.

    ``values``: numbers (``None`` ignored). Returns ascending Decimals, always including 0; the
    first is <= min(values, 0) and the last >= max(values, 0). An all-zero or empty input gives
    [0, 1]."""
    numbers = [Decimal(v) for v in values if v is not None]
    low, high = min(numbers + [Decimal(0)]), max(numbers + [Decimal(0)])
    if low == high:
        return [Decimal(0), Decimal(1)]
    raw = (high - low) / count
    magnitude = Decimal(1)
    while magnitude * 10 <= raw:
        magnitude *= 10
    while magnitude > raw:
        magnitude /= 10
    for step in (m * magnitude for m in (1, 2, Decimal("2.5"), 5, 10, 20, 25, 50, 100)):
        start = (low / step).to_integral_value(rounding="ROUND_FLOOR") * step
        end = (high / step).to_integral_value(rounding="ROUND_CEILING") * step
        if (end - start) / step <= 4:
            break
    ticks, tick = [], start
    while tick <= end:
        ticks.append(tick if tick else Decimal(0))
        tick += step
    return ticks


def _tick_label(chart, value):
    if chart.percent:
        return formatting.format_number(value, 0) + "%"
    if chart.money:
        return "€\xa0" + formatting.format_number(value, 0)
    return formatting.format_number(value, 0 if value == value.to_integral_value() else 1)


def _frame(ident, title, description, width, height, body):
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" style="max-width:100%;height:auto" '
        f'aria-labelledby="{ident}-t {ident}-d" font-size="{FONT_SIZE}">'
        f'<title id="{ident}-t">{escape(title)}</title><desc id="{ident}-d">{escape(description)}</desc>{body}</svg>'
    )


def _legend(series, x, y, width, *, line=None):
    """One row (wrapping) of swatches and names above the plot; returns (svg, height)."""
    parts, cx, cy = [], x, y
    entries = [(s.name, PALETTE[i % len(PALETTE)], "box") for i, s in enumerate(series)]
    if line is not None:
        entries.append((line.name, AXIS, "line"))
    for name, colour, kind in entries:
        w = 22 + len(name) * FONT_SIZE * 0.55
        if cx > x and cx + w > x + width:
            cx, cy = x, cy + FONT_SIZE + 6
        if kind == "box":
            parts.append(f'<rect x="{cx:.1f}" y="{cy}" width="12" height="12" fill="{colour}"/>')
        else:
            parts.append(
                f'<line x1="{cx:.1f}" y1="{cy + 6}" x2="{cx + 14:.1f}" y2="{cy + 6}" stroke="{colour}" '
                'stroke-width="2" stroke-dasharray="4 2"/>'
            )
        parts.append(f'<text x="{cx + 17:.1f}" y="{cy + 11}">{escape(name)}</text>')
        cx += w + 12
    return "".join(parts), cy - y + FONT_SIZE + 10


def _truncate(text, limit):
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(
    *,
    title,
    description,
    categories,
    series,
    money=False,
    percent=False,
    width=640,
    bar_height=16,
    label_width=170,
) -> Chart:
    """Horizontal grouped bars: one group per category, one bar per series, on a common scale
    with vertical gridlines and a zero line (negative values extend to the left of it).
    ``percent``: values are percentages (0-100, ticks "50%")."""
    ident = f"chart{next(_ids)}"
    chart = Chart(title, description, list(categories), list(series), money=money, percent=percent)
    chart.ident = ident
    legend, legend_h = _legend(series, 10, 4, width - 20)
    right = 20
    plot_w = width - label_width - right
    # a percentage scale runs to at least 100 %, so a small share looks small
    ticks = nice_ticks([v for s in series for v in s.values] + ([100] if percent else []))
    low, high = ticks[0], ticks[-1]

    def x_of(v):
        return label_width + float((Decimal(v) - low) / (high - low)) * plot_w

    group_h = bar_height * len(series) + 12
    top = legend_h + 6
    plot_h = group_h * len(categories)
    height = top + plot_h + FONT_SIZE + 14
    body = [legend]
    for tick in ticks:
        x = x_of(tick)
        body.append(
            f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="{AXIS if tick == 0 else GRID}"'
            f"{_ZERO_WIDTH if tick == 0 else ''}/>"
            f'<text x="{x:.1f}" y="{top + plot_h + FONT_SIZE + 4}" text-anchor="middle">{escape(_tick_label(chart, tick))}</text>'
        )
    zero = x_of(0)
    for ci, category in enumerate(categories):
        y0 = top + 6 + ci * group_h
        body.append(
            f'<text x="{label_width - 8}" y="{y0 + (group_h - 12) / 2 + 4}" text-anchor="end">'
            f"{escape(_truncate(category, 24))}</text>"
        )
        for si, s in enumerate(series):
            value = s.values[ci]
            if value is None:
                continue
            x = x_of(value)
            y = y0 + si * bar_height
            body.append(
                f'<rect x="{min(x, zero):.1f}" y="{y}" width="{abs(x - zero):.1f}" height="{bar_height - 2}" '
                f'fill="{PALETTE[si % len(PALETTE)]}"><title>{escape(s.name)}, {escape(str(category))}: '
                f"{escape(chart.format(value))}</title></rect>"
            )
    chart.svg = _frame(ident, title, description, width, height, "".join(body))
    return chart


def _vertical_axis(chart, ticks, left, top, plot_w, plot_h):
    low, high = ticks[0], ticks[-1]

    def y_of(v):
        return top + plot_h - float((Decimal(v) - low) / (high - low)) * plot_h

    parts = []
    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{y:.1f}" x2="{left + plot_w}" y2="{y:.1f}" stroke="{AXIS if tick == 0 else GRID}"'
            f"{_ZERO_WIDTH if tick == 0 else ''}/>"
            f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{escape(_tick_label(chart, tick))}</text>'
        )
    return parts, y_of


def _category_labels(categories, x_of, y):
    every = max(1, -(-len(categories) // 8))
    return [
        f'<text x="{x_of(i):.1f}" y="{y}" text-anchor="middle">{escape(str(c))}</text>'
        for i, c in enumerate(categories)
        if i % every == 0
    ]


def line_chart(
    *, title, description, categories, series, money=False, width=640, height=260
) -> Chart:
    """Lines over ordered categories (months), with horizontal gridlines and a zero line;
    negative values lie below it."""
    ident = f"chart{next(_ids)}"
    chart = Chart(title, description, list(categories), list(series), money=money)
    chart.ident = ident
    legend, legend_h = _legend(series, 10, 4, width - 20)
    left, right, bottom = 100, 20, FONT_SIZE + 14
    top = legend_h + 8
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks([v for s in series for v in s.values])
    body, y_of = _vertical_axis(chart, ticks, left, top, plot_w, plot_h)
    body.insert(0, legend)
    n = max(1, len(categories) - 1)

    def x_of(i):
        return left + i * plot_w / n

    body += _category_labels(categories, x_of, height - 6)
    for si, s in enumerate(series):
        colour = PALETTE[si % len(PALETTE)]
        points = [(x_of(i), y_of(v)) for i, v in enumerate(s.values) if v is not None]
        if points:
            body.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="2" '
                f'points="{" ".join(f"{x:.1f},{y:.1f}" for x, y in points)}"/>'
            )
        for i, (category, v) in enumerate(zip(categories, s.values, strict=False)):
            if v is None:
                continue
            body.append(
                f'<circle cx="{x_of(i):.1f}" cy="{y_of(v):.1f}" r="3" fill="{colour}"><title>{escape(s.name)}, '
                f"{escape(str(category))}: {escape(chart.format(v))}</title></circle>"
            )
    chart.svg = _frame(ident, title, description, width, height, "".join(body))
    return chart


def column_chart(
    *, title, description, categories, series, running=None, money=False, width=640, height=260
) -> Chart:
    """Vertical columns per ordered category (months) on a scale with gridlines and a zero line;
    negative months (net credit notes) hang below it. ``running``: an optional Series drawn as
    a dashed line on the same scale (e.g. the running total)."""
    ident = f"chart{next(_ids)}"
    all_series = list(series) + ([running] if running else [])
    chart = Chart(title, description, list(categories), all_series, money=money)
    chart.ident = ident
    legend, legend_h = _legend(series, 10, 4, width - 20, line=running)
    left, right, bottom = 100, 20, FONT_SIZE + 14
    top = legend_h + 8
    plot_w, plot_h = width - left - right, height - top - bottom
    ticks = nice_ticks([v for s in all_series for v in s.values])
    body, y_of = _vertical_axis(chart, ticks, left, top, plot_w, plot_h)
    body.insert(0, legend)
    step = plot_w / max(1, len(categories))

    def x_of(i):
        return left + (i + 0.5) * step

    zero = y_of(0)
    bar_w = step * 0.7 / max(1, len(series))
    for si, s in enumerate(series):
        colour = PALETTE[si % len(PALETTE)]
        for i, (category, v) in enumerate(zip(categories, s.values, strict=False)):
            if v is None:
                continue
            y = y_of(v)
            x = left + i * step + step * 0.15 + si * bar_w
            body.append(
                f'<rect x="{x:.1f}" y="{min(y, zero):.1f}" width="{bar_w:.1f}" height="{abs(zero - y):.1f}" '
                f'fill="{colour}"><title>{escape(s.name)}, {escape(str(category))}: {escape(chart.format(v))}</title></rect>'
            )
    if running is not None:
        points = " ".join(
            f"{x_of(i):.1f},{y_of(v):.1f}" for i, v in enumerate(running.values) if v is not None
        )
        body.append(
            f'<polyline points="{points}" fill="none" stroke="{AXIS}" stroke-width="2" stroke-dasharray="4 2"/>'
        )
    body += _category_labels(categories, x_of, height - 6)
    chart.svg = _frame(ident, title, description, width, height, "".join(body))
    return chart
