"""Tools ▸ Compare (Ctrl+K): one lab per window, and a run that fails ends as a failure."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from bpsim.io import load_preset
from bpsim.ui.dialogs import compare as compare_dialog
from bpsim.ui.dialogs.compare import CompareDialog, open_compare_dialog
from bpsim.ui.session import Session


def test_ctrl_k_again_brings_the_open_lab_forward(qtbot):
    from bpsim.ui.app import build_window

    window = build_window("deep-sigmoid")
    qtbot.addWidget(window)
    window.show()
    window.action("compare").trigger()
    first = window.findChild(CompareDialog)
    first.steps_box.setValue(7)  # what the teacher set up stays
    window.action("compare").trigger()
    window.action("compare").trigger()
    shown = [d for d in window.findChildren(CompareDialog) if d.isVisible()]
    assert shown == [first] and first.steps_box.value() == 7
    first.close()


def test_a_closed_lab_is_opened_anew(qtbot):
    session = Session(load_preset("xor"))
    parent = QWidget()
    qtbot.addWidget(parent)
    first = open_compare_dialog(session, parent)
    assert open_compare_dialog(session, parent) is first
    first.close()
    second = open_compare_dialog(session, parent)
    assert second is not first and second.isVisible()
    second.close()


@pytest.mark.parametrize("error", [RuntimeError("the copies ran away"),
                                   ZeroDivisionError("division by zero"),
                                   ValueError("the loss diverged")])
def test_a_run_that_raises_anything_ends_with_its_message(qtbot, monkeypatch, error):
    def failing_compare(*args, **kwargs):
        raise error

    monkeypatch.setattr(compare_dialog, "compare", failing_compare)
    dialog = CompareDialog(Session(load_preset("deep-relu")))
    qtbot.addWidget(dialog)
    dialog.show()
    with qtbot.waitSignal(dialog.worker.failed, timeout=10_000):
        qtbot.mouseClick(dialog.run_button, Qt.MouseButton.LeftButton)
    assert not dialog.running
    assert str(error) in dialog.status.text()
    if not isinstance(error, ValueError):
        assert type(error).__name__ in dialog.status.text()
    assert dialog.run_button.isEnabled() and not dialog.cancel_button.isEnabled()
    # and it can run again
    monkeypatch.undo()
    dialog.steps_box.setValue(2)
    dialog.run()
    qtbot.waitUntil(lambda: not dialog.running and bool(dialog.results), timeout=20_000)


def test_closing_the_lab_while_it_runs_stops_the_run(qtbot):
    dialog = CompareDialog(Session(load_preset("deep-relu")))
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.steps_box.setValue(100_000)
    dialog.run()
    qtbot.waitUntil(lambda: dialog.progress_bar.value() > 0, timeout=20_000)
    dialog.close()
    assert not dialog.running and dialog.worker._threads == []
