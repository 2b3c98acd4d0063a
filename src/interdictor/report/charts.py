"""Small server-rendered SVG charts: no script, nothing fetched, readable without colour.

Each chart is an ``<svg role="img">`` with a ``<title>`` and ``<desc>`` (read by screen
readers), labelled axes, and every value written as text next to its bar or point.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from html import escape

from markupsafe import Markup

WIDTH = 640
HEIGHT = 260
MARGIN_LEFT = 56
MARGIN_RIGHT = 16
MARGIN_TOP = 44
LEGEND_Y = 34
CHAR_WIDTH = 7  # rough width of a legend character, to lay entries side by side
MARGIN_BOTTOM = 56
# Distinguishable hues that also stay apart in greyscale (by lightness).
PALETTE = ("#1f4e99", "#c0392b", "#2e8b57", "#8e44ad", "#d98c00", "#555555")


def _t(value: object) -> str:
    return escape(str(value), quote=True)


def _number(value: float) -> str:
    return f"{value:g}" if value != int(value) else str(int(value))


def _top(values: Sequence[float]) -> float:
    """A round upper bound for the y axis."""
    peak = max(values, default=0.0)
    if peak <= 0:
        return 1.0
    step = 10 ** (len(str(int(peak))) - 1)
    return float(-(-peak // step) * step)


def _frame(title: str, description: str, x_label: str, y_label: str, top: float) -> list[str]:
    """The svg's opening, title, axes and their labels."""
    plot_bottom = HEIGHT - MARGIN_BOTTOM
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" class="chart" '
        f'role="img" aria-labelledby="{_id(title)}-t {_id(title)}-d">',
        f'<title id="{_id(title)}-t">{_t(title)}</title>',
        f'<desc id="{_id(title)}-d">{_t(description)}</desc>',
        f'<text x="{WIDTH / 2}" y="18" text-anchor="middle" font-weight="bold">{_t(title)}</text>',
        f'<line x1="{MARGIN_LEFT}" y1="{MARGIN_TOP}" x2="{MARGIN_LEFT}" y2="{plot_bottom}" stroke="#333"/>',
        f'<line x1="{MARGIN_LEFT}" y1="{plot_bottom}" x2="{WIDTH - MARGIN_RIGHT}" y2="{plot_bottom}" '
        'stroke="#333"/>',
        f'<text x="{MARGIN_LEFT - 6}" y="{MARGIN_TOP + 4}" text-anchor="end">{_number(top)}</text>',
        f'<text x="{MARGIN_LEFT - 6}" y="{plot_bottom}" text-anchor="end">0</text>',
        f'<text x="{WIDTH / 2}" y="{HEIGHT - 6}" text-anchor="middle">{_t(x_label)}</text>',
        f'<text x="14" y="{(MARGIN_TOP + plot_bottom) / 2}" text-anchor="middle" '
        f'transform="rotate(-90 14 {(MARGIN_TOP + plot_bottom) / 2})">{_t(y_label)}</text>',
    ]


def _id(title: str) -> str:
    return "chart-" + "".join(c if c.isalnum() else "-" for c in title.lower())


def _y(value: float, top: float) -> float:
    plot_height = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    return HEIGHT - MARGIN_BOTTOM - plot_height * value / top


def bar_chart(title: str, bars: Sequence[tuple[str, float]], x_label: str, y_label: str) -> Markup:
    """A vertical bar chart of ``(category, value)`` pairs, each value written above its bar."""
    top = _top([v for _, v in bars])
    parts = _frame(
        title, "; ".join(f"{k}: {_number(v)}" for k, v in bars) or "no data", x_label, y_label, top
    )
    slot = (WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / max(len(bars), 1)
    for n, (category, value) in enumerate(bars):
        x = MARGIN_LEFT + n * slot + slot * 0.15
        y = _y(value, top)
        parts += [
            f'<rect x="{x:.1f}" y="{y:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{HEIGHT - MARGIN_BOTTOM - y:.1f}" '
            f'fill="{PALETTE[0]}"><title>{_t(category)}: {_number(value)}</title></rect>',
            f'<text x="{x + slot * 0.35:.1f}" y="{y - 4:.1f}" text-anchor="middle">{_number(value)}</text>',
            f'<text x="{x + slot * 0.35:.1f}" y="{HEIGHT - MARGIN_BOTTOM + 16}" text-anchor="middle">'
            f"{_t(category)}</text>",
        ]
    if not bars:
        parts.append(f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">No data</text>')
    parts.append("</svg>")
    return Markup("\n".join(parts))


def line_chart(
    title: str, x: Sequence[str], series: Mapping[str, Sequence[float]], x_label: str, y_label: str
) -> Markup:
    """Lines over the categories ``x`` (e.g. days), one per series, with a legend; every
    point's value is written on it and first and last ``x`` labels on the axis."""
    top = _top([v for values in series.values() for v in values])
    description = "; ".join(
        f"{name}: " + ", ".join(f"{k} {_number(v)}" for k, v in zip(x, values, strict=True))
        for name, values in series.items()
    )
    parts = _frame(title, description or "no data", x_label, y_label, top)
    span = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    step = span / max(len(x) - 1, 1)
    legend_x = MARGIN_LEFT + 8
    for n, (name, values) in enumerate(series.items()):
        colour = PALETTE[n % len(PALETTE)]
        points = [(MARGIN_LEFT + i * step, _y(v, top)) for i, v in enumerate(values)]
        path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
        parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        parts += [
            f'<text x="{px:.1f}" y="{py - 5:.1f}" text-anchor="middle" font-size="10" fill="{colour}">'
            f"{_number(v)}</text>"
            for (px, py), v in zip(points, values, strict=True)
            if v
        ]
        parts.append(f'<text x="{legend_x}" y="{LEGEND_Y}" fill="{colour}">— {_t(name)}</text>')
        legend_x += CHAR_WIDTH * (len(name) + 4)
    if x:
        bottom = HEIGHT - MARGIN_BOTTOM + 16
        parts.append(f'<text x="{MARGIN_LEFT}" y="{bottom}" text-anchor="start">{_t(x[0])}</text>')
        if len(x) > 1:
            parts.append(
                f'<text x="{WIDTH - MARGIN_RIGHT}" y="{bottom}" text-anchor="end">{_t(x[-1])}</text>'
            )
    if not series:
        parts.append(f'<text x="{WIDTH / 2}" y="{HEIGHT / 2}" text-anchor="middle">No data</text>')
    parts.append("</svg>")
    return Markup("\n".join(parts))
