"""Files as a teacher meets them: open (a broken file too), save and reopen, unsaved
changes before New/Open/Revert/closing, recent files, image export."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from bpsim import io
from bpsim.ui import settings

Save = QMessageBox.StandardButton.Save
Discard = QMessageBox.StandardButton.Discard
Cancel = QMessageBox.StandardButton.Cancel


def weight(window) -> float:
    return float(window.session.network.weights[0][0, 0])


def ask_save_changes(monkeypatch, window, answer):
    """Answer the Save/Discard/Cancel question with ``answer``; returns the questions."""
    asked = []

    def ask():
        asked.append(window.document_name())
        return answer

    monkeypatch.setattr(window, "_ask_save_changes", ask)
    return asked


def save_as(monkeypatch, window, path) -> None:
    monkeypatch.setattr(window, "_ask_save_path", lambda: path)
    window.action("save_as").trigger()
    assert window.session.path == path


def test_malformed_file_shows_the_loaders_message_and_keeps_the_scenario(
        window, monkeypatch, messages, malformed_scenario):
    path, loader_message = malformed_scenario
    window.action("full_step").trigger()
    scenario = window.session.scenario
    monkeypatch.setattr(window, "_ask_open_path", lambda: path)

    window.action("open").trigger()

    assert len(messages) == 1 and loader_message in messages[0][1]
    assert window.session.scenario is scenario
    assert weight(window) == pytest.approx(4.3)
    assert window.isWindowModified()  # the unsaved step is still unsaved


def test_save_then_reopen_gives_the_same_weights(window, open_window, monkeypatch,
                                                 tmp_path):
    window.action("full_step").trigger()
    path = tmp_path / "after-one-step.bpsim.json"
    save_as(monkeypatch, window, path)
    assert not window.isWindowModified()
    assert window.windowTitle() == "after-one-step.bpsim.json[*] — bpsim"

    reopened = open_window(path)
    assert reopened.session.path == path
    for before, after in zip(window.session.network.weights,
                             reopened.session.network.weights):
        np.testing.assert_array_equal(before, after)
    assert weight(reopened) == pytest.approx(4.3)


def test_save_as_adds_the_lesson_suffix_and_save_writes_in_place(window, monkeypatch,
                                                                 tmp_path):
    monkeypatch.setattr(window, "_ask_save_path", lambda: tmp_path / "lesson")
    window.action("save_as").trigger()
    path = tmp_path / "lesson.bpsim.json"
    assert window.session.path == path and path.exists()

    window.action("full_step").trigger()
    monkeypatch.setattr(window, "_ask_save_path", lambda: pytest.fail("asked again"))
    window.action("save").trigger()
    assert not window.isWindowModified()
    assert float(io.load(path).network.weights[0][0, 0]) == pytest.approx(4.3)


def test_save_of_a_preset_asks_where_instead_of_overwriting_it(window, monkeypatch):
    asked = []
    monkeypatch.setattr(window, "_ask_save_path", lambda: asked.append(1))
    window.action("full_step").trigger()
    window.action("save").trigger()
    assert asked == [1]
    assert window.isWindowModified()


def test_new_with_unsaved_changes_asks_and_cancel_keeps_them(window, monkeypatch):
    window.action("full_step").trigger()
    asked = ask_save_changes(monkeypatch, window, Cancel)
    window.findChild(type(window.action("open")), "new_xor").trigger()
    assert asked == ["Lecture example: one weight"]
    assert weight(window) == pytest.approx(4.3)
    assert window.isWindowModified()

    ask_save_changes(monkeypatch, window, Discard)
    assert window.new_from_builtin("xor")
    assert window.session.network.layers == io.load_builtin("xor").network.layers
    assert not window.isWindowModified()
    assert window.session.path is None


def test_answering_save_saves_before_opening(window, monkeypatch, tmp_path):
    other = tmp_path / "xor.bpsim.json"
    io.save(io.load_builtin("xor"), other)
    window.action("full_step").trigger()
    ask_save_changes(monkeypatch, window, Save)
    saved = tmp_path / "mine.bpsim.json"
    monkeypatch.setattr(window, "_ask_save_path", lambda: saved)

    assert window.open_path(other)

    assert float(io.load(saved).network.weights[0][0, 0]) == pytest.approx(4.3)
    assert window.session.path == other


def test_nothing_is_asked_without_changes(window, monkeypatch):
    monkeypatch.setattr(window, "_ask_save_changes", lambda: pytest.fail("asked"))
    assert window.new_from_builtin("xor")


def test_closing_with_unsaved_changes_asks_and_cancel_keeps_the_window(window,
                                                                      monkeypatch):
    window.action("full_step").trigger()
    asked = ask_save_changes(monkeypatch, window, Cancel)
    assert not window.close()
    assert asked and window.isVisible()

    ask_save_changes(monkeypatch, window, Discard)
    assert window.close()


def test_revert_reloads_the_file_after_confirmation(window, monkeypatch, tmp_path):
    path = tmp_path / "lesson.bpsim.json"
    save_as(monkeypatch, window, path)
    window.action("full_step").trigger()

    monkeypatch.setattr(window, "_confirm_revert", lambda: False)
    window.action("revert").trigger()
    assert weight(window) == pytest.approx(4.3)

    monkeypatch.setattr(window, "_confirm_revert", lambda: True)
    window.action("revert").trigger()
    assert weight(window) == pytest.approx(0.1)
    assert not window.isWindowModified()


def test_revert_is_off_for_a_preset(window):
    assert not window.action("revert").isEnabled()


def test_recent_files_newest_first_at_most_eight(window, monkeypatch, tmp_path):
    paths = []
    for i in range(10):
        path = tmp_path / f"lesson{i}.bpsim.json"
        io.save(window.session.scenario, path)
        assert window.open_path(path)
        paths.append(path)

    assert settings.recent_files() == paths[::-1][:8]
    window.recent_menu.aboutToShow.emit()
    texts = [a.text() for a in window.recent_menu.actions() if a.text()]
    assert texts[0] == "&1 lesson9.bpsim.json"
    assert len(texts) == 8 + 1  # and "Clear list"

    assert window.open_recent(paths[3])
    assert settings.recent_files()[0] == paths[3]


def test_a_missing_recent_file_is_removed_with_a_message(window, messages, tmp_path):
    path = tmp_path / "gone.bpsim.json"
    io.save(window.session.scenario, path)
    window.open_path(path)
    path.unlink()

    assert not window.open_recent(path)
    assert "no longer exists" in messages[0][1]
    assert path not in settings.recent_files()


@pytest.mark.parametrize("suffix", [".png", ".svg"])
def test_export_image_by_suffix(window, monkeypatch, tmp_path, suffix):
    out = tmp_path / f"network{suffix}"
    monkeypatch.setattr(window, "_ask_export_path", lambda: out)
    window.action("export_image").trigger()
    head = out.read_bytes()[:200]
    assert head.startswith(b"\x89PNG") if suffix == ".png" else b"<svg" in head


def test_new_menu_lists_every_preset_by_its_title(window):
    window.new_menu.aboutToShow.emit()
    entries = {a.objectName(): a.text() for a in window.new_menu.actions()
               if not a.isSeparator()}
    assert set(entries) == {f"new_{name}" for name in io.builtin_scenario_names()}
    assert entries["new_lecture-example"] == \
        f"{io.load_builtin('lecture-example').title}  (lecture-example)"


def test_new_empty_network_comes_first_and_trains(window):
    """File ▸ New ▸ Empty network: one input, one identity output, one sample (0, 0)."""
    window.new_menu.aboutToShow.emit()
    entries = window.new_menu.actions()
    assert entries[0].objectName() == "new_empty" and entries[1].isSeparator()
    assert entries[0].text() == "Empty network  (empty)"
    entries[0].trigger()
    session = window.session
    assert session.network.layers == [1, 1]
    assert session.network.activations == ["identity"]
    assert session.data.samples == (((0.0,), (0.0,)),)
    window.action("full_step").trigger()
    assert session.steps_done == 1
    assert session.loss_now() == (0.0, 0.0)
