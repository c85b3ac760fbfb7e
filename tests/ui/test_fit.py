"""Nothing cut off, nothing overlapping: the window as a lecturer projects it.

At 1280×720 and 1920×1080, in the normal window and in presentation mode, at the
default text size and two steps larger, for several built-in scenarios and moments of
a step, every visible text is measured against the room its widget has.  The walk is
generic (every QLabel, button, field, combo box, canvas text and plot text), so docks
and panels added later are covered too.  A failure names the widget path, its text and
the sizes.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QRect, QRectF
from PySide6.QtGui import QColor, QFontMetrics, QPalette, QTextDocument
from PySide6.QtWidgets import (QAbstractButton, QAbstractScrollArea, QApplication,
                               QCheckBox, QComboBox, QDockWidget, QLabel, QLineEdit,
                               QPushButton, QRadioButton, QStatusBar, QStyle,
                               QStyleOptionButton, QStyleOptionComboBox, QToolBar,
                               QToolButton, QWidget)

SIZES = ((1280, 720), (1920, 1080))
SCENARIOS = ("lecture-example", "xor", "deep-sigmoid", "spiral")
#: a pixel of rounding between font metrics and layouts is not a cut-off text
SLACK = 1


# -- walking the window ---------------------------------------------------------------

def _path(widget: QWidget) -> str:
    names = []
    while widget is not None:
        names.append(widget.objectName() or type(widget).__name__)
        widget = widget.parentWidget()
    return "/".join(reversed(names))


def _shown(widget: QWidget) -> bool:
    """Visible and on the window: a dock behind another dock's tab is moved off it."""
    if not (widget.isVisible() and widget.width() > 0 and widget.height() > 0):
        return False
    window = widget.window()
    mine = QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
    return mine.intersects(window.rect())


def _scrolled(widget: QWidget) -> bool:
    """Inside a scroll area's viewport: what lies outside it is scrolled to, not cut."""
    parent = widget.parentWidget()
    while parent is not None:
        if isinstance(parent, QAbstractScrollArea) and parent.viewport().isAncestorOf(widget):
            return True
        parent = parent.parentWidget()
    return False


def _clipped(widget: QWidget) -> str:
    """Why a widget is cut by an ancestor (its rectangle outside the parent's), or ""."""
    if _scrolled(widget):
        return ""
    window = widget.window()
    mine = QRect(widget.mapTo(window, widget.rect().topLeft()), widget.size())
    parent = widget.parentWidget()
    while parent is not None and parent is not window:
        room = QRect(parent.mapTo(window, parent.rect().topLeft()), parent.size())
        if not room.adjusted(-SLACK, -SLACK, SLACK, SLACK).contains(mine):
            return f"cut by {_path(parent)}: {_rect(mine)} outside {_rect(room)}"
        parent = parent.parentWidget()
    room = window.rect()
    if not room.adjusted(-SLACK, -SLACK, SLACK, SLACK).contains(mine):
        return f"outside the window: {_rect(mine)} outside {_rect(room)}"
    return ""


def _rect(rect) -> str:
    return f"{rect.width():.0f}×{rect.height():.0f}@({rect.x():.0f},{rect.y():.0f})"


def _plain(text: str) -> str:
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def _elided_with_tooltip(widget: QWidget, text: str) -> bool:
    """A text shortened on purpose ends in "…" and the tooltip offers all of it."""
    tip = widget.toolTip()
    return "…" in text and bool(tip) and tip != text


def _label_problem(label: QLabel) -> str:
    text = label.text()
    if not text or label.pixmap() is not None and not label.pixmap().isNull():
        return ""
    if _elided_with_tooltip(label, text):
        return ""
    room = label.contentsRect()
    margin = 2 * label.margin()
    if label.wordWrap():
        needed = label.heightForWidth(label.width())
        if needed > label.height() + SLACK:
            return f"wrapped text needs height {needed}, has {label.height()}"
        return ""
    if label.textFormat() == label.textFormat().PlainText or not Qt_might_be_rich(text):
        metrics = QFontMetrics(label.font())
        lines = text.split("\n")
        width = max(metrics.horizontalAdvance(line) for line in lines) + margin
        height = metrics.height() * len(lines) + margin
    else:
        document = QTextDocument()
        document.setDefaultFont(label.font())
        document.setDocumentMargin(0)
        document.setHtml(text)
        width = document.idealWidth() + margin
        height = document.size().height() + margin
    if width > room.width() + SLACK or height > room.height() + SLACK:
        return f"text needs {width:.0f}×{height:.0f}, has {room.width()}×{room.height()}"
    return ""


def Qt_might_be_rich(text: str) -> bool:  # noqa: N802 (Qt.mightBeRichText's rule)
    return "<" in text and ">" in text


def _button_problem(button: QAbstractButton) -> str:
    text = _plain(button.text())
    if not text or _elided_with_tooltip(button, text):
        return ""
    if isinstance(button, QToolButton):
        hint = button.sizeHint()
        if hint.width() > button.width() + SLACK or hint.height() > button.height() + SLACK:
            return f"needs {hint.width()}×{hint.height()}, has {button.width()}×{button.height()}"
        return ""
    style, metrics = button.style(), QFontMetrics(button.font())
    icon = button.iconSize().width() + 4 if not button.icon().isNull() else 0
    width = metrics.horizontalAdvance(text) + icon
    if isinstance(button, (QCheckBox, QRadioButton)):
        option = QStyleOptionButton()
        option.initFrom(button)
        element = (QStyle.SubElement.SE_CheckBoxContents if isinstance(button, QCheckBox)
                   else QStyle.SubElement.SE_RadioButtonContents)
        room = style.subElementRect(element, option, button).width()
    else:
        margins = 2 * (style.pixelMetric(QStyle.PixelMetric.PM_ButtonMargin)
                       + style.pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth))
        room = button.width() - margins
    if width > room + SLACK or metrics.height() > button.height() + SLACK:
        return (f"text needs {width}×{metrics.height()}, has {room}×{button.height()}")
    return ""


def _field_problem(field: QLineEdit) -> str:
    text = field.text()
    metrics = QFontMetrics(field.font())
    # QLineEdit's own room for text: its rectangle less frame and text margins
    margins = field.textMargins()
    frame = field.style().pixelMetric(QStyle.PixelMetric.PM_DefaultFrameWidth) \
        if field.hasFrame() else 0
    room_w = field.width() - 2 * frame - margins.left() - margins.right() - 4
    room_h = field.height() - 2 * frame
    width = metrics.horizontalAdvance(text) if text else 0
    if width > room_w + SLACK or metrics.height() > room_h + 2:
        return f"text needs {width}×{metrics.height()}, has {room_w}×{room_h}"
    return ""


def _combo_problem(combo: QComboBox) -> str:
    text = combo.currentText()
    if not text or combo.isEditable():
        return ""
    option = QStyleOptionComboBox()
    combo.initStyleOption(option)
    room = combo.style().subControlRect(QStyle.ComplexControl.CC_ComboBox, option,
                                        QStyle.SubControl.SC_ComboBoxEditField, combo)
    metrics = QFontMetrics(combo.font())
    width = metrics.horizontalAdvance(text)
    if width > room.width() + SLACK and not _elided_with_tooltip(combo, text):
        return f"text needs {width}, has {room.width()}"
    return ""


def widget_failures(window) -> list[str]:
    """Every visible text widget of ``window`` whose text does not fit or which an
    ancestor cuts."""
    failures = []
    for widget in window.findChildren(QWidget):
        if not _shown(widget):
            continue
        if isinstance(widget, QLabel):
            problem, text = _label_problem(widget), widget.text()
        elif isinstance(widget, QAbstractButton):
            problem, text = _button_problem(widget), widget.text()
        elif isinstance(widget, QLineEdit):
            problem, text = _field_problem(widget), widget.text()
        elif isinstance(widget, QComboBox):
            problem, text = _combo_problem(widget), widget.currentText()
        else:
            continue
        if not problem and text:
            problem = _clipped(widget)
        if problem:
            failures.append(f"{_path(widget)} {text[:80]!r}: {problem}")
    for dock in window.findChildren(QDockWidget):
        if _shown(dock) and not dock.isFloating():
            metrics = QFontMetrics(dock.font())
            # the title bar: the title beside the float and close buttons
            needed = metrics.horizontalAdvance(dock.windowTitle()) + 2 * 20
            if needed > dock.width() + SLACK and not _tabbed(window, dock):
                failures.append(f"{_path(dock)} title {dock.windowTitle()!r}: needs "
                                f"{needed}, has {dock.width()}")
    return failures


def _tabbed(window, dock) -> bool:
    # a dock in a tab group shows its title on its tab (a QTabBar, walked as such)
    return bool(window.tabifiedDockWidgets(dock))


# -- the canvas and the plots ----------------------------------------------------------

def canvas_failures(canvas) -> list[str]:
    """Canvas texts that overlap each other or lie outside the visible drawing."""
    from bpsim.ui.canvas.items import LabelItem

    failures = []
    viewport = QRectF(canvas.viewport().rect())
    placed = []
    for item in canvas.scene().items():
        if not isinstance(item, LabelItem) or not item.isVisible() or not item.text():
            continue
        if item.key is not None and item.key[0] == "weight":
            continue  # edge labels: placed along their edges by geo.place_edge_labels
        polygon = canvas.mapFromScene(item.mapRectToScene(item.text_rect()))
        rect = QRectF(polygon.boundingRect())
        if not viewport.adjusted(-SLACK, -SLACK, SLACK, SLACK).contains(rect):
            failures.append(f"canvas text {item.text()!r} at {_rect(rect)} outside the "
                            f"view {_rect(viewport)}")
        placed.append((item.text(), rect))
    for n, (text, rect) in enumerate(placed):
        for other, other_rect in placed[n + 1:]:
            overlap = rect.intersected(other_rect)
            if overlap.width() > SLACK and overlap.height() > SLACK:
                failures.append(f"canvas texts {text!r} {_rect(rect)} and {other!r} "
                                f"{_rect(other_rect)} overlap")
    return failures


def plot_failures(window) -> list[str]:
    """pyqtgraph texts (TextItem, LabelItem, legends) that stick out of their plot."""
    import pyqtgraph as pg

    failures = []
    for view in window.findChildren(pg.GraphicsView):
        if not _shown(view):
            continue
        scene_rect = QRectF(view.viewport().rect())
        for item in view.scene().items():
            if not item.isVisible() or not isinstance(item, (pg.TextItem, pg.LegendItem)):
                continue
            if isinstance(item, pg.TextItem) and not item.toPlainText():
                continue
            rect = QRectF(view.mapFromScene(item.sceneBoundingRect()).boundingRect())
            if isinstance(item, pg.LegendItem):
                text = " / ".join(label.text for _, label in item.items)
                viewbox = item.parentItem()
                room = (QRectF(view.mapFromScene(viewbox.sceneBoundingRect()).boundingRect())
                        if viewbox is not None else scene_rect)
            else:
                text, room = item.toPlainText(), scene_rect
            if not rect.intersects(room):
                continue  # scrolled out of the plot's range: not drawn
            if not room.adjusted(-SLACK, -SLACK, SLACK, SLACK).contains(rect):
                failures.append(f"{_path(view)} plot text {text[:60]!r} at {_rect(rect)} "
                                f"outside {_rect(room)}")
    return failures


# -- the moments -----------------------------------------------------------------------

def _settle(window) -> None:
    for _ in range(4):
        QApplication.processEvents()


def _lay_out(window, size, presenting: bool, larger: int) -> None:
    window.load_deferred_docks()
    for _ in range(larger):
        window.larger_text()
    if presenting:
        window.presentation.enter()
    _settle(window)
    window.resize(*size)  # the offscreen screen is smaller than a projector's
    _settle(window)
    if not presenting:
        window.arrange_plots()
    window.canvas.zoom_fit()
    _settle(window)


def _moments(window):
    """Before a step, mid-step in each phase, after a few steps."""
    animator = window.animator
    animator.set_phase_ms(0)
    yield "before a step"
    seen = set()
    for _ in range(64):
        animator.next_phase()
        _settle(window)
        kind = type(animator.current).__name__
        if kind not in seen:
            seen.add(kind)
            yield f"mid-step, {kind}"
        if animator.step_complete:
            break
    for _ in range(3):
        animator.full_step()
    _settle(window)
    yield "after steps"


def _plots_shown(window, moment: str):
    """Presentation mode's plot beside the canvas: before a step and after steps each
    plot G shows in turn; mid-step the next one of the cycle at each moment."""
    from bpsim.ui.presentation_mode import PLOT_CYCLE

    presentation = window.presentation
    if not presentation.active:
        yield moment
        return
    if moment.startswith("mid-step"):
        presentation.next_plot()
        _settle(window)
        yield f"{moment}, plot {presentation.plot_name}"
        return
    for _ in PLOT_CYCLE:
        presentation.next_plot()
        _settle(window)
        yield f"{moment}, plot {presentation.plot_name}"


def _all_failures(window) -> list[str]:
    failures = widget_failures(window) + plot_failures(window)
    failures += canvas_failures(window.canvas)
    return failures




@pytest.mark.parametrize("presenting", [False, True], ids=["window", "presenting"])
@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("larger", [0, 2], ids=["default-text", "larger-text"])
def test_no_text_is_cut_off_or_overlapping(open_window, size, presenting, larger):
    report = []
    for scenario in SCENARIOS:
        window = open_window(scenario)
        _lay_out(window, size, presenting, larger)
        for moment in _moments(window):
            for shown in _plots_shown(window, moment):
                for failure in _all_failures(window):
                    report.append(f"{scenario}, {shown}: {failure}")
        _close(window, presenting, larger)
    assert not report, f"{len(report)} texts do not fit:\n" + "\n".join(
        dict.fromkeys(report))


def _close(window, presenting: bool, larger: int) -> None:
    if presenting:
        window.presentation.leave()
    for _ in range(larger):
        window.smaller_text()  # the text size is remembered: the next window starts at 1
    window.session.undo_stack.setClean()  # the steps taken are no edit to save
    window.close()


@pytest.mark.parametrize("size", SIZES, ids=[f"{w}x{h}" for w, h in SIZES])
@pytest.mark.parametrize("larger", [0, 2], ids=["default-text", "larger-text"])
def test_the_activation_curve_and_layer_focus_fit(open_window, size, larger):
    # View ▸ Activation curve and View ▸ Focus on layer, with a neuron selected (the
    # curve marks its z, the focus shows its layer's matrices); the focus dock may
    # scroll, but no label is cut by its own size
    report = []
    for scenario in SCENARIOS:
        window = open_window(scenario)
        _lay_out(window, size, False, larger)
        window.canvas.select(("neuron", 1, 0))
        window.show_activation_curve()
        window.focus_on_layer()
        _settle(window)
        for moment in _moments(window):
            for failure in _all_failures(window):
                report.append(f"{scenario}, {moment}: {failure}")
        _close(window, False, larger)
    assert not report, f"{len(report)} texts do not fit:\n" + "\n".join(
        dict.fromkeys(report))


def test_the_walk_finds_a_cut_off_label(window, qtbot):
    # else the test above passes on any window
    label = QLabel("Momentum μ and a long explanation", window.canvas)
    label.setGeometry(0, 0, 40, 8)
    label.show()
    check = QLineEdit("0.123456789", window.canvas)
    check.setGeometry(0, 20, 30, 30)
    check.show()
    failures = widget_failures(window)
    assert any("Momentum μ" in failure for failure in failures)
    assert any("0.123456789" in failure for failure in failures)
