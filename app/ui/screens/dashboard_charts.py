"""Dashboard charts (pyqtgraph): records synced per flow per day, failures per day, and
run durations, over the last 7 or 30 days. One legend under the charts names each flow
once, in the same colour in every chart (no legend box drawn over the bars)."""

from __future__ import annotations

import html
from datetime import date, datetime, time

import pyqtgraph as pg
from PySide6.QtWidgets import QFrame, QLabel, QScrollArea, QTabWidget, QVBoxLayout, QWidget

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


class ChartsWidget(QWidget):
    """The three charts in tabs, and the flows' legend once, under them (a dashboard
    column at 1280x720 has no width to spare beside them)."""

    LEGEND_HEIGHT = 44  # two lines of flows; more scroll

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        col = QVBoxLayout(self)
        col.setContentsMargins(0, 0, 0, 0)
        col.setSpacing(4)
        self.tabs = QTabWidget()
        self.records = _Plot("records")
        self.failures = _Plot("records")
        self.durations = _Plot("seconds")
        self.tabs.addTab(self.records, "Records synced per flow")
        self.tabs.addTab(self.failures, "Failures")
        self.tabs.addTab(self.durations, "Run durations")
        col.addWidget(self.tabs, 1)
        self.legend = QLabel()
        self.legend.setObjectName("chart_legend")
        self.legend.setWordWrap(True)
        scroll = QScrollArea()  # many flows scroll here rather than cover the plot
        scroll.setWidget(self.legend)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setMaximumHeight(self.LEGEND_HEIGHT)
        col.addWidget(scroll)
        self.data: ChartData | None = None
        self.colours: dict[str, str] = {}

    def set_data(self, data: ChartData) -> None:
        self.data = data
        xs = [_stamp(d) for d in data.days]
        width = 86400 * 0.8
        shown = sorted(
            {f for f, series in data.records_by_flow.items() if any(series)}
            | {f for _t, _s, f in data.durations}
        )
        # one colour per flow, the same in every chart
        self.colours = {f: PALETTE[n % len(PALETTE)] for n, f in enumerate(shown)}
        self.legend.setText(
            " &nbsp; ".join(
                f"<span style='color:{c}'>■</span>&nbsp;{html.escape(f).replace(' ', '&nbsp;')}"
                for f, c in self.colours.items()
            )
        )
        self.records.clear()
        base = [0.0] * len(xs)
        for flow, series in sorted(data.records_by_flow.items()):
            if not any(series):
                continue
            bars = pg.BarGraphItem(
                x=xs, height=series, y0=base, width=width, brush=self.colours[flow],
                pen=pg.mkPen(None),
            )  # fmt: skip
            self.records.addItem(bars)
            base = [b + v for b, v in zip(base, series, strict=True)]
        self.failures.clear()
        red = status_colour(Status.ERROR).name()
        self.failures.addItem(
            pg.BarGraphItem(x=xs, height=data.failures, width=width, brush=red, pen=pg.mkPen(None))
        )
        self.durations.clear()
        for flow in sorted({f for _t, _s, f in data.durations}):
            points = [(t.timestamp(), s) for t, s, f in data.durations if f == flow]
            item = pg.ScatterPlotItem(
                x=[p[0] for p in points],
                y=[p[1] for p in points],
                size=7,
                brush=self.colours[flow],
                pen=pg.mkPen(None),
                name=flow,
            )
            self.durations.addItem(item)
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
