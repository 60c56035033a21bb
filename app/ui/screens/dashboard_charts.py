"""Dashboard charts (pyqtgraph): records synced per flow per day, failures per day, and
run durations, over the last 7 or 30 days."""

from __future__ import annotations

from datetime import date, datetime, time

import pyqtgraph as pg
from PySide6.QtWidgets import QTabWidget, QWidget

from app.store.dashboard_queries import ChartData
from app.ui.theme import Status, is_dark, status_colour

# Okabe-Ito (colour-blind safe), then two from Paul Tol's muted set: ten flows before a repeat
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9",
    "#D55E00", "#F0E442", "#999999", "#882255", "#44AA99",
)  # fmt: skip


def _stamp(day: date) -> float:
    return datetime.combine(day, time(12)).astimezone().timestamp()


class _Plot(pg.PlotWidget):
    def __init__(self, y_label: str) -> None:
        super().__init__(axisItems={"bottom": pg.DateAxisItem(orientation="bottom")})
        dark = is_dark()
        self.setBackground("#1e1f22" if dark else "w")
        fg = "#d0d0d0" if dark else "#333333"
        for name in ("left", "bottom"):
            axis = self.getAxis(name)
            axis.setPen(fg)
            axis.setTextPen(fg)
        self.setLabel("left", y_label, color=fg)
        self.showGrid(x=False, y=True, alpha=0.2)
        self.setMouseEnabled(x=False, y=False)
        self.setMenuEnabled(False)
        self.hideButtons()
        self.setMinimumHeight(230)


class ChartsWidget(QTabWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.records = _Plot("records")
        self.failures = _Plot("records")
        self.durations = _Plot("seconds")
        self.addTab(self.records, "Records synced per flow")
        self.addTab(self.failures, "Failures")
        self.addTab(self.durations, "Run durations")
        self.data: ChartData | None = None
        dark = is_dark()
        self.fg = "#d0d0d0" if dark else "#333333"
        self.legend_bg = pg.mkBrush("#1e1f22d0" if dark else "#ffffffd0")

    def set_data(self, data: ChartData) -> None:
        self.data = data
        xs = [_stamp(d) for d in data.days]
        width = 86400 * 0.8
        self.records.clear()
        legend = self.records.plotItem.legend or self.records.addLegend(
            offset=(10, 5), labelTextColor=self.fg, brush=self.legend_bg
        )
        legend.clear()
        base = [0.0] * len(xs)
        for n, (flow, series) in enumerate(sorted(data.records_by_flow.items())):
            if not any(series):
                continue
            colour = PALETTE[n % len(PALETTE)]
            bars = pg.BarGraphItem(
                x=xs, height=series, y0=base, width=width, brush=colour, pen=pg.mkPen(None)
            )
            self.records.addItem(bars)
            legend.addItem(bars, flow)
            base = [b + v for b, v in zip(base, series, strict=True)]
        self.failures.clear()
        red = status_colour(Status.ERROR).name()
        self.failures.addItem(
            pg.BarGraphItem(x=xs, height=data.failures, width=width, brush=red, pen=pg.mkPen(None))
        )
        self.durations.clear()
        dlegend = self.durations.plotItem.legend or self.durations.addLegend(
            offset=(10, 5), labelTextColor=self.fg, brush=self.legend_bg
        )
        dlegend.clear()
        flows = sorted({f for _t, _s, f in data.durations})
        for n, flow in enumerate(flows):
            points = [(t.timestamp(), s) for t, s, f in data.durations if f == flow]
            item = pg.ScatterPlotItem(
                x=[p[0] for p in points],
                y=[p[1] for p in points],
                size=7,
                brush=PALETTE[n % len(PALETTE)],
                pen=pg.mkPen(None),
                name=flow,
            )
            self.durations.addItem(item)
            dlegend.addItem(item, flow)
        pad = 86400 * 0.6
        tops = (
            max(base, default=0),
            max(data.failures, default=0),
            max((s for _t, s, _f in data.durations), default=0),
        )
        for plot, top in zip((self.records, self.failures, self.durations), tops, strict=True):
            if xs:
                plot.setXRange(xs[0] - pad, xs[-1] + pad, padding=0)
            plot.setYRange(0, max(1.0, top * 1.15), padding=0)
