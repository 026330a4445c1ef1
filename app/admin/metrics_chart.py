"""The metrics trend as the geometry of a bar chart: the template draws it as inline SVG
(no script, so the CSP stays strict) from these numbers, and only prints them."""

from __future__ import annotations

from dataclasses import dataclass

from app.services.metrics import TrendPoint

WIDTH = 720
HEIGHT = 220
LEFT = 36  # room for the count axis's labels
BOTTOM = 24  # room for the date labels
TOP = 8
MAX_LABELS = 8


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    title: str  # "Nov 3: 2 interruptions"


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: list[Bar]
    dates: list[Tick]  # along the bottom
    counts: list[Tick]  # up the left side
    baseline: float
    left: int
    right: int


def bar_chart(points: list[TrendPoint]) -> Chart:
    """Bars of interruptions per span, with a few date labels and a count scale."""
    top = max((p.count for p in points), default=0)
    scale_top = max(top, 1)
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = HEIGHT - BOTTOM
    slot = (WIDTH - LEFT) / max(len(points), 1)
    bars = []
    for index, point in enumerate(points):
        height = plot_height * point.count / scale_top
        noun = "interruption" if point.count == 1 else "interruptions"
        bars.append(
            Bar(
                x=round(LEFT + index * slot + slot * 0.15, 2),
                y=round(baseline - height, 2),
                width=round(slot * 0.7, 2),
                height=round(height, 2),
                title=f"{point.label}: {point.count} {noun}",
            )
        )
    every = max(1, -(-len(points) // MAX_LABELS))
    dates = [
        Tick(round(LEFT + (i + 0.5) * slot, 2), HEIGHT - 6, p.label.removeprefix("Week of "))
        for i, p in enumerate(points)
        if i % every == 0
    ]
    counts = [
        Tick(LEFT - 6, round(baseline - plot_height * value / scale_top + 4, 2), str(value))
        for value in sorted({0, scale_top // 2, scale_top})
    ]
    return Chart(WIDTH, HEIGHT, bars, dates, counts, baseline, LEFT, WIDTH)
