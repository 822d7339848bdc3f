"""Server-rendered SVG charts of the spending report (no JavaScript; WeasyPrint draws them).

Each chart has a <title> and <desc> and is shown next to a table with the same figures, so
nothing is conveyed by the picture alone."""

from decimal import Decimal

from django.utils.html import escape
from django.utils.safestring import mark_safe

from portal.formatting import format_money

BAR = "#0b4f8a"
LINE = "#a4262c"


def _scale(values):
    top = max((v for v in values if v is not None), default=Decimal(0))
    return top if top > 0 else Decimal(1)


def category_chart(rows, title, *, width=480, limit=12):
    """Horizontal bars, one per row (label, amount); at most ``limit`` bars (the rest in the
    table)."""
    rows = list(rows)[:limit]
    if not rows:
        return ""
    bar_h, gap, label_w = 16, 6, 190
    height = len(rows) * (bar_h + gap) + gap
    top = _scale([r.amount for r in rows])
    parts = []
    for i, row in enumerate(rows):
        y = gap + i * (bar_h + gap)
        w = max(0, float(row.amount / top) * (width - label_w - 110))
        label = row.label if len(row.label) <= 34 else row.label[:33] + "…"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end" font-size="9">{escape(label)}</text>'
            f'<rect x="{label_w}" y="{y}" width="{w:.1f}" height="{bar_h}" fill="{BAR}"/>'
            f'<text x="{label_w + w + 4:.1f}" y="{y + 12}" font-size="9">{escape(format_money(row.amount))}</text>'
        )
    desc = "; ".join(f"{r.label}: {format_money(r.amount)}" for r in rows)
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title><desc>{escape(desc)}</desc>{"".join(parts)}</svg>'
    )


def month_chart(rows, title, *, width=480, height=170):
    """Columns per month with the running total as a line (own scale, right)."""
    rows = list(rows)
    if not rows:
        return ""
    pad_l, pad_b, pad_t = 10, 22, 10
    plot_w, plot_h = width - 2 * pad_l, height - pad_b - pad_t
    step = plot_w / len(rows)
    top = _scale([r.amount for r in rows])
    run_top = _scale([r.running_total for r in rows])
    parts, points = [], []
    for i, row in enumerate(rows):
        h = float(row.amount / top) * plot_h
        x = pad_l + i * step
        parts.append(
            f'<rect x="{x + step * 0.15:.1f}" y="{pad_t + plot_h - h:.1f}" width="{step * 0.7:.1f}" height="{h:.1f}" fill="{BAR}"/>'
        )
        points.append(
            f"{x + step / 2:.1f},{pad_t + plot_h - float(row.running_total / run_top) * plot_h:.1f}"
        )
        if len(rows) <= 12 or i % max(1, len(rows) // 12) == 0:
            parts.append(
                f'<text x="{x + step / 2:.1f}" y="{height - 8}" text-anchor="middle" font-size="8">{row.month:%m-%y}</text>'
            )
    parts.append(
        f'<polyline points="{" ".join(points)}" fill="none" stroke="{LINE}" stroke-width="2" stroke-dasharray="4 2"/>'
    )
    desc = "; ".join(
        f"{r.label}: {format_money(r.amount)} (cumulatief {format_money(r.running_total)})"
        for r in rows
    )
    return mark_safe(
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><title>{escape(title)}</title><desc>{escape(desc)}</desc>'
        f'<line x1="{pad_l}" y1="{pad_t + plot_h}" x2="{width - pad_l}" y2="{pad_t + plot_h}" stroke="#4f5b66"/>{"".join(parts)}</svg>'
    )
