"""Charts as inline SVG, drawn here: no library, no script, no request leaves the page.

Every bar and point carries its number in a <title> (shown on hover, read by screen
readers) and in data-value, so the chart is the data, not a picture of it.
"""

from __future__ import annotations

from html import escape

from bot.export.presentation import Chart

WIDTH = 640
BAR_AREA = 220
PALETTE = ("#3b6ea5", "#e07b39", "#5a9e6f", "#b5526b", "#7d6ab0", "#8c8c3b")


def render_chart(chart: Chart) -> str:
    """The chart as an <svg> element (a line for running totals, bars otherwise)."""
    if chart.points:
        return _line(chart)
    return _bars(chart)


def _line(chart: Chart) -> str:
    height, left, bottom, top = 220, 48, 36, 12
    days = [day for day, _ in chart.points]
    values = [value for _, value in chart.points]
    peak = max(values) or 1
    span = max(1, (days[-1] - days[0]).days)

    def x(index: int) -> float:
        return left + (WIDTH - left - 16) * (days[index] - days[0]).days / span

    def y(value: float) -> float:
        return top + (height - top - bottom) * (1 - value / peak)

    path = " ".join(f"{'M' if i == 0 else 'L'}{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values))
    dots = "".join(
        f'<circle class="point" cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5" data-value="{v}">'
        f"<title>{escape(days[i].isoformat())}: {v}</title></circle>"
        for i, v in enumerate(values)
    )
    axis = (
        f'<line x1="{left}" y1="{height - bottom}" x2="{WIDTH - 8}" y2="{height - bottom}" '
        'class="axis"/>'
        f'<text x="{left - 6}" y="{y(peak) + 4:.1f}" text-anchor="end">{peak}</text>'
        f'<text x="{left - 6}" y="{height - bottom + 4}" text-anchor="end">0</text>'
        f'<text x="{left}" y="{height - 12}">{escape(days[0].isoformat())}</text>'
        f'<text x="{WIDTH - 8}" y="{height - 12}" text-anchor="end">'
        f"{escape(days[-1].isoformat())}</text>"
    )
    return _svg(
        chart,
        height,
        f'{axis}<path d="{path}" class="line" fill="none" stroke="{PALETTE[0]}" '
        f'stroke-width="2.5"/>{dots}',
    )


def _bars(chart: Chart) -> str:
    left, label_height, top = 40, 56, 16
    bars_total = sum(len(group.bars) for group in chart.groups)
    gap = 18
    slot = (WIDTH - left - gap * len(chart.groups)) / max(1, bars_total)
    peak = chart.maximum or max(
        (max(bar.high or bar.value, bar.value) for g in chart.groups for bar in g.bars),
        default=1,
    )
    peak = peak or 1
    height = top + BAR_AREA + label_height

    def y(value: float) -> float:
        return top + BAR_AREA * (1 - min(value, peak) / peak)

    parts = [
        f'<line x1="{left}" y1="{top + BAR_AREA}" x2="{WIDTH}" y2="{top + BAR_AREA}" '
        'class="axis"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end">{_round(peak)}</text>',
        f'<text x="{left - 6}" y="{top + BAR_AREA + 4}" text-anchor="end">0</text>',
    ]
    cursor = left + gap / 2
    series: dict[str, str] = {}
    for group in chart.groups:
        start = cursor
        for bar in group.bars:
            colour = series.setdefault(bar.label, PALETTE[len(series) % len(PALETTE)])
            width = slot * 0.8
            top_y = y(bar.value)
            parts.append(
                f'<rect class="bar" x="{cursor:.1f}" y="{top_y:.1f}" width="{width:.1f}" '
                f'height="{top + BAR_AREA - top_y:.1f}" fill="{colour}" '
                f'data-value="{bar.value}"><title>{escape(group.label)}, {escape(bar.label)}: '
                f"{escape(bar.shown)}</title></rect>"
            )
            if bar.low is not None and bar.high is not None:
                middle = cursor + width / 2
                parts.append(
                    f'<path class="interval" d="M{middle:.1f},{y(bar.high):.1f} '
                    f"V{y(max(bar.low, 0)):.1f} M{middle - 5:.1f},{y(bar.high):.1f} "
                    f'h10 M{middle - 5:.1f},{y(max(bar.low, 0)):.1f} h10" '
                    'stroke="#222" fill="none"/>'
                )
            # Inside the bar's top, clear of the interval's whisker above it.
            inside = top + BAR_AREA - top_y > 18
            parts.append(
                f'<text x="{cursor + width / 2 + (0 if inside else 8):.1f}" '
                f'y="{top_y + 14 if inside else top_y - 4:.1f}" text-anchor="middle" '
                f'class="value" fill="{"#fff" if inside else "#333"}">{escape(bar.shown)}</text>'
            )
            cursor += slot
        parts.append(
            f'<text x="{(start + cursor) / 2:.1f}" y="{top + BAR_AREA + 18}" '
            f'text-anchor="middle" class="group">{escape(group.label)}</text>'
        )
        cursor += gap
    legend_x = left
    for label, colour in series.items():
        parts.append(
            f'<rect x="{legend_x}" y="{height - 18}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{legend_x + 14}" y="{height - 9}">{escape(label)}</text>'
        )
        legend_x += 14 + 8 * len(label) + 16
    return _svg(chart, height, "".join(parts))


def _svg(chart: Chart, height: int, body: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {height}" '
        f'role="img" aria-label="{escape(chart.title)}" data-chart="{escape(chart.key)}" '
        f'direction="ltr">{body}</svg>'
    )


def _round(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"
