"""The base rows model and the list page every list screen is built on."""

from dataclasses import dataclass

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QColor, QIcon
from PySide6.QtWidgets import QPushButton

from app.ui.list_page import ListPage
from app.ui.models.rows_model import RIGHT, ROW_ROLE, Column, RowsTableModel
from app.ui.theme import Status, status_colour
from app.ui.widgets import EmptyState

Role = Qt.ItemDataRole


@dataclass(frozen=True)
class Car:
    vin: str
    price: int
    sold: bool = False


def _model() -> RowsTableModel[Car]:
    return RowsTableModel(
        [
            Column("VIN", lambda c: c.vin, tip=lambda c: f"Vehicle {c.vin}"),
            Column(
                "Price",
                lambda c: f"${c.price:,}",
                sort=lambda c: c.price,
                right=True,
                header_tip="Asking price",
            ),
            Column(
                "State",
                lambda c: "Sold" if c.sold else "For sale",
                status=lambda c: Status.WARNING if c.sold else None,
            ),
        ]
    )


CARS = [Car("1HGCM82633A004352", 18_500), Car("2T1BURHE0JC000001", 9_900, sold=True)]


def test_rows_model_counts_heads_and_shows_every_role(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = _model()
    assert (model.rowCount(), model.columnCount()) == (0, 3)
    with qtbot.waitSignals([model.modelAboutToBeReset, model.modelReset]):
        model.set_rows(CARS)
    assert (model.rowCount(), model.columnCount()) == (2, 3)
    assert model.rowCount(model.index(0, 0)) == 0  # a flat table: no children
    assert model.headers() == ["VIN", "Price", "State"]
    h = Qt.Orientation.Horizontal
    assert model.headerData(1, h, Role.DisplayRole) == "Price"
    assert model.headerData(1, h, Role.ToolTipRole) == "Asking price"
    assert model.headerData(0, h, Role.ToolTipRole) is None
    assert model.headerData(0, Qt.Orientation.Vertical, Role.DisplayRole) is None

    price, state = model.index(1, 1), model.index(1, 2)
    assert model.data(price) == "$9,900"
    assert model.data(price, Role.UserRole) == 9_900  # sorts as a number
    assert model.data(model.index(0, 0), Role.UserRole) == CARS[0].vin  # else by the text
    assert model.data(price, Role.TextAlignmentRole) == RIGHT
    assert model.data(model.index(0, 0), Role.TextAlignmentRole) is None
    assert model.data(model.index(0, 0), Role.ToolTipRole) == f"Vehicle {CARS[0].vin}"
    assert model.data(state) == "Sold"
    assert isinstance(model.data(state, Role.DecorationRole), QIcon)
    assert QColor(model.data(state, Role.ForegroundRole)) == status_colour(Status.WARNING)
    assert model.data(model.index(0, 2), Role.DecorationRole) is None  # no status, no icon
    assert model.data(model.index(1, 0), ROW_ROLE) is CARS[1]
    assert model.data(QModelIndex()) is None
    assert model.row_at(1) is CARS[1]
    assert model.row_where(lambda c: c.sold) == 1
    assert model.row_where(lambda c: c.price > 50_000) == -1


def test_rows_model_repaints_a_replaced_row(qtbot) -> None:  # type: ignore[no-untyped-def]
    model = _model()
    model.set_rows(CARS)
    with qtbot.waitSignal(model.dataChanged) as changed:
        model.replace_row(0, Car(CARS[0].vin, 17_000))
    first, last = changed.args[:2]
    assert (first.row(), first.column(), last.row(), last.column()) == (0, 0, 0, 2)
    assert model.data(model.index(0, 1)) == "$17,000"


def _page(qtbot) -> ListPage:  # type: ignore[no-untyped-def]
    page = ListPage(
        "Vehicles",
        "What is for sale.",
        _model(),
        table_name="cars",
        search_text="Search vehicles",
        empty=EmptyState("mdi6.car", "No vehicles yet", "Import your inventory."),
        no_match_text="No vehicle matches your search.",
    )
    qtbot.addWidget(page)
    return page


def test_list_page_shows_loading_then_empty_then_the_table(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot)
    page.show_right_page()
    assert page.stack.currentWidget() is page.loading
    page.loaded = True
    page.show_right_page()
    assert page.stack.currentWidget() is page.empty
    page.model.set_rows(CARS)
    page.show_right_page()
    assert page.stack.currentWidget() is page.table
    assert page.table.objectName() == "cars"
    assert page.table.model().headerData(0, Qt.Orientation.Horizontal) == "VIN"


def test_list_page_search_filters_and_says_when_nothing_matches(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot)
    page.model.set_rows(CARS)
    page.loaded = True
    page.search.setText("2T1BURHE")
    assert page.proxy.rowCount() == 1
    assert page.stack.currentWidget() is page.table
    page.search.setText("  zzz  ")
    assert page.proxy.rowCount() == 0
    assert page.stack.currentWidget() is page.no_match
    page.search.clear()
    assert page.proxy.rowCount() == 2
    assert page.stack.currentWidget() is page.table


def test_list_page_selects_and_reports_the_selected_row(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot)
    page.model.set_rows(CARS)
    page.loaded = True
    page.show_right_page()
    assert page.selected() is None
    assert page.select_where(lambda c: c.sold)
    assert page.selected() is CARS[1]
    page.search.setText(CARS[0].vin)  # the sold one is filtered out now
    assert not page.select_where(lambda c: c.sold)
    assert not page.select_where(lambda c: c.price > 50_000)


def test_list_page_buttons_states_and_the_empty_page_hook(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot)
    pressed: list[str] = []
    button = page.bar_button("mdi6.plus", "Add vehicle", lambda: pressed.append("add"), "add_car")
    assert isinstance(button, QPushButton) and button.objectName() == "add_car"
    assert page.bar.indexOf(button) == page.bar.count() - 1  # after the search box
    button.click()
    assert pressed == ["add"]

    first = page.add_state(EmptyState("mdi6.lan-connect", "Add a DMS first", ""))
    page.empty_page = lambda: first  # type: ignore[method-assign]
    page.loaded = True
    page.show_right_page()
    assert page.stack.currentWidget() is first


def test_list_page_result_line_says_how_the_last_action_went(qtbot) -> None:  # type: ignore[no-untyped-def]
    page = _page(qtbot)
    page.add_result_line("car_result")
    assert page.result_label.objectName() == "car_result"
    page.show_result(Status.ERROR, "The DMS refused the vehicle.")
    assert page.result_label.text() == "The DMS refused the vehicle."
    assert status_colour(Status.ERROR).name() in page.result_label.styleSheet()
    assert not page.result_icon.pixmap().isNull()
