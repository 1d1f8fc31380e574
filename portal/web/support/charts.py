"""Small charts drawn on the server as inline SVG: no script, no library.

This module only does the geometry; the template `macros/chart.html` draws it.
Bars are horizontal because department names are long and Chinese labels read
best left to right.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bar:
    label: str
    short_label: str
    value: int
    url: str
    y: float
    width: float


@dataclass(frozen=True)
class BarChart:
    bars: list[Bar]
    width: int
    height: int
    label_width: int
    bar_height: int
    plot_width: int

    @property
    def empty(self) -> bool:
        return not self.bars


def _shorten(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def bar_chart(items: list[tuple[str, int, str]], *, limit: int = 10, width: int = 420,
              label_width: int = 150, bar_height: int = 24, gap: int = 8) -> BarChart:
    """Geometry for (label, value, link) items, largest first, at most `limit` bars."""
    ranked = sorted((i for i in items if i[1] > 0), key=lambda i: (-i[1], i[0]))[:limit]
    plot_width = width - label_width - 40  # room for the value printed after a bar
    top = max((value for _, value, _ in ranked), default=0)
    bars = [
        Bar(label=label, short_label=_shorten(label, 10), value=value, url=url,
            y=n * (bar_height + gap),
            width=max(2.0, round(plot_width * value / top, 1)) if top else 0.0)
        for n, (label, value, url) in enumerate(ranked)
    ]
    height = len(bars) * (bar_height + gap) - gap if bars else 0
    return BarChart(bars, width, height, label_width, bar_height, plot_width)
