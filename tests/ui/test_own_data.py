"""Samples of one's own in the window: File ▸ Import data (a CSV file, columns chosen
in a dialog), Edit ▸ Paste rows, File ▸ Export samples as CSV."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from bpsim import data_import
from bpsim.ui.dialogs.import_data import ImportDataDialog


def answer_dialog(monkeypatch, inputs, targets, seen):
    """Tick ``inputs`` and ``targets`` in the import dialog and press Import."""
    def exec_(dialog):
        seen.append(dialog.chosen())  # what the dialog offered at first
        dialog.set_chosen(inputs, targets)
        dialog.buttons.button(dialog.buttons.StandardButton.Ok).click()
        return dialog.result()

    monkeypatch.setattr(ImportDataDialog, "exec", exec_)


def test_import_through_the_dialog_is_one_undo_step(window, monkeypatch, tmp_path):
    csv_file = tmp_path / "plants.csv"
    csv_file.write_text("name,width,height,tall\nrose,1.5,2,0\nfir,0.5,30,1\n"
                        "oak,2,25,1\n", encoding="utf-8")
    monkeypatch.setattr(window, "_ask_import_path", lambda: csv_file)
    seen = []
    answer_dialog(monkeypatch, ["width", "height"], ["tall"], seen)
    session, stack = window.session, window.session.undo_stack
    before = (session.network.layers, session.data)
    entries = stack.count()

    assert window.action("import_data").trigger() is None
    # at first every column but the last is an input, the last the target
    assert seen == [(["name", "width", "height"], ["tall"])]
    assert session.network.layers == [2, 1]
    assert session.data.samples == (((1.5, 2.0), (0.0,)), ((0.5, 30.0), (1.0,)),
                                    ((2.0, 25.0), (1.0,)))
    assert stack.count() == entries + 1
    assert stack.undoText() == ("Import 3 samples from plants.csv "
                                "(the input layer 1 → 2 neurons)")
    assert window.isWindowModified()
    window.action("undo").trigger()
    assert (session.network.layers, session.data) == before


def test_a_bad_cell_is_named_and_nothing_is_imported(window, monkeypatch, messages,
                                                     tmp_path):
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text("a,b\n1,2\n3,4\n5,6\n7,8\n9,10\n11,abc\n")
    monkeypatch.setattr(window, "_ask_import_path", lambda: csv_file)
    answer_dialog(monkeypatch, ["a"], ["b"], [])
    data, entries = window.session.data, window.session.undo_stack.count()

    window.action("import_data").trigger()

    assert messages == [("Cannot import the data", "bad.csv: row 7, column “b”: “abc” "
                                                   "is not a number; nothing was imported")]
    assert window.session.data == data
    assert window.session.undo_stack.count() == entries


def test_the_dialog_refuses_a_column_that_is_input_and_target(qtbot):
    dialog = ImportDataDialog(data_import.parse_csv("a,b\n1,2\n"), "t.csv")
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert ok.isEnabled()
    dialog.inputs.item(1).setCheckState(Qt.CheckState.Checked)
    assert not ok.isEnabled()
    assert dialog.message.text() == "Column “b” cannot be both an input and a target."
    assert dialog.preview.item(0, 1).text() == "2"


def test_paste_rows_from_the_clipboard(window):
    QApplication.clipboard().setText("x\ty\n1\t2\n3\t4\n5\t6\n")
    window.action("paste_rows").trigger()
    session = window.session
    assert session.data.samples == (((1.0,), (2.0,)), ((3.0,), (4.0,)), ((5.0,), (6.0,)))
    assert session.undo_stack.undoText() == "Paste 3 samples"

    QApplication.clipboard().setText("1\t2\n3\t?\n")
    window.action("paste_rows").trigger()
    assert window.docks["data"].message.text() == (
        "Paste rows: refused, row 2, column “2”: “?” is not a number; nothing was "
        "pasted.")
    assert len(session.data.samples) == 3


def test_ctrl_v_in_the_samples_table_pastes(window, qtbot):
    dock = window.docks["data"]
    QApplication.clipboard().setText("0.5\t0.25\n")
    dock.table.setFocus()
    qtbot.keyClick(dock.table, Qt.Key.Key_V, Qt.KeyboardModifier.ControlModifier)
    assert window.session.data.samples == (((0.5,), (0.25,)),)


def test_export_samples_reads_back_the_same(window, monkeypatch, tmp_path):
    out = tmp_path / "samples.csv"
    monkeypatch.setattr(window, "_ask_samples_export_path", lambda: out)
    window.new_from_builtin("xor")
    assert window.action("export_samples").trigger() is None
    raw = window.session.data.dataset()
    table = data_import.read_csv(out)
    assert table.names == ("x1", "x2", "y1")
    samples = table.samples(["x1", "x2"], ["y1"])
    assert [s[0] for s in samples] == [tuple(x) for x in raw.x]
    assert [s[1] for s in samples] == [tuple(y) for y in raw.y]
