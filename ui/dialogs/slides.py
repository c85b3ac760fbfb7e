"""File ▸ Export slides: the resolution (1280 × 720, 1920 × 1080 or custom) and what to
write (a PDF, PNG files, an animated PNG of the step or of a training run).

The dialog only chooses; :mod:`bpsim.ui.export_slides` draws and writes.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (QComboBox, QDialog, QDialogButtonBox, QFileDialog,
                               QFormLayout, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout)

from bpsim import io

from ..export_slides import (FORMATS, MAX_RUN_STEPS, PRESETS, SlideOptions, current_step,
                             export)

#: the custom resolution's limits, pixels a side
MIN_SIDE, MAX_SIDE = 320, 7680
CUSTOM = "Custom"


class SlidesDialog(QDialog):
    """Resolution and format of the slides."""

    def __init__(self, parent=None, options: SlideOptions | None = None):
        super().__init__(parent)
        self.setObjectName("export_slides")
        self.setWindowTitle("Export slides")
        options = options or SlideOptions()
        self.resolution = QComboBox()
        self.resolution.setObjectName("slides_resolution")
        for label, _width, _height in PRESETS:
            self.resolution.addItem(label)
        self.resolution.addItem(CUSTOM)
        self.width_box, self.height_box = (self._side(options.width),
                                           self._side(options.height))
        custom = QHBoxLayout()
        custom.addWidget(self.width_box)
        custom.addWidget(QLabel("×"))
        custom.addWidget(self.height_box)
        custom.addWidget(QLabel("pixels"))
        self.format = QComboBox()
        self.format.setObjectName("slides_format")
        for key, words, _suffix in FORMATS:
            self.format.addItem(words, key)
        self.format.setCurrentIndex(max(0, self.format.findData(options.format)))
        self.steps = QSpinBox()
        self.steps.setObjectName("slides_steps")
        self.steps.setRange(1, MAX_RUN_STEPS)
        self.steps.setValue(options.steps)
        self.steps.setSuffix(" steps")
        note = QLabel("One page per phase of the step on screen (forward per layer, loss, "
                      "backward per layer, update), the canvas and its banner. A step in "
                      "progress is finished first, as Enter does; at rest, Enter's next "
                      "step is taken. A training run trains these steps (one undoable "
                      "edit, as Play).")
        note.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Resolution", self.resolution)
        form.addRow("Size", custom)
        form.addRow("Write", self.format)
        form.addRow("Training run", self.steps)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(buttons)
        sizes = [(width, height) for _label, width, height in PRESETS]
        size = (options.width, options.height)
        self.resolution.setCurrentIndex(sizes.index(size) if size in sizes
                                        else len(PRESETS))
        self.resolution.currentIndexChanged.connect(self._on_resolution)
        self.format.currentIndexChanged.connect(self._on_format)
        self._on_resolution()
        self._on_format()

    @staticmethod
    def _side(value: int) -> QSpinBox:
        box = QSpinBox()
        box.setRange(MIN_SIDE, MAX_SIDE)
        box.setValue(min(MAX_SIDE, max(MIN_SIDE, value)))
        return box

    def _on_resolution(self) -> None:
        index = self.resolution.currentIndex()
        size = PRESETS[index][1:] if index < len(PRESETS) else None
        for box in (self.width_box, self.height_box):
            box.setEnabled(size is None)
        if size is not None:
            self.width_box.setValue(size[0])
            self.height_box.setValue(size[1])

    def _on_format(self) -> None:
        self.steps.setEnabled(self.format.currentData() == "run")

    def options(self) -> SlideOptions:
        return SlideOptions(self.width_box.value(), self.height_box.value(),
                            self.format.currentData(), self.steps.value())


def suffix(options: SlideOptions) -> str:
    return next(ending for key, _words, ending in FORMATS if key == options.format)


def ask_slides(parent, folder: Path, stem: str) -> tuple[SlideOptions, Path] | None:
    """The options and the file to write (PNG pages: the first page's name is the
    stem of all), or None if cancelled."""
    dialog = SlidesDialog(parent)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    options = dialog.options()
    ending = suffix(options)
    tail = {"pdf": "slides", "png": "slide", "step": "step", "run": "run"}[options.format]
    kind = "PDF" if ending == ".pdf" else "PNG"
    name, _chosen = QFileDialog.getSaveFileName(
        parent, "Export slides", str(folder / f"{stem}-{tail}{ending}"),
        f"{kind} files (*{ending})")
    if not name:
        return None
    path = Path(name)
    if path.suffix.lower() != ending:
        path = path.with_name(path.name + ending)
    return options, path


def export_from_window(window) -> list[Path]:
    """File ▸ Export slides…: ask (resolution, format, file), then write; the files
    written (none if cancelled or refused, with the reason in a message box)."""
    session = window.session
    stem = (session.path.name.removesuffix(io.EXTENSION) if session.path
            else (session.scenario.title or "network").split(":")[0].strip().lower()
            .replace(" ", "-"))
    folder = session.path.parent if session.path else Path.home()
    choice = ask_slides(window, folder, stem)
    if choice is None:
        return []
    options, out = choice
    window.animator.pause()
    step = None if options.format == "run" else current_step(window)
    if options.format != "run" and step is None:
        window._warn("Cannot export slides", "The engine took no step.")
        return []
    try:
        written = export(session, out, options, step, window.canvas.selection)
    except (OSError, ValueError) as error:
        reason = (error.strerror if isinstance(error, OSError) else None) or str(error)
        window._warn("Cannot export slides", f"{out}: {reason}")
        return []
    where = out if len(written) == 1 else f"{len(written)} files: {written[0].name} …"
    window.statusBar().showMessage(f"Exported {where}", 5000)
    return written
