"""Slides and animations of a training step: File ▸ Export slides and ``bpsim slides``.

One page per phase of a step, in the order the engine recorded them (forward per layer,
loss, backward per layer, update), each the canvas with its banner as the window draws
that phase: a PDF (Qt's QPdfWriter), PNG files, or an animated PNG of the step (each
phase's tween) or of a training run (each step's update).

The pages are drawn by a canvas of their own, never shown, at the slide's proportions,
with the window's :class:`PhaseDrawing` over a :class:`RecordedStep`: an animator that
only replays the records it is given, so every number on a slide is the engine's.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PySide6.QtCore import QMarginsF, QRect, QSizeF, Qt
from PySide6.QtGui import QColor, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter
from PySide6.QtWidgets import QApplication, QWidget

from bpsim import apng

from . import theme
from .canvas import NetworkCanvas
from .canvas.items import BackdropItem
from .playback.animator import Animator
from .playback.phase_drawing import PhaseDrawing

#: the resolutions offered, (label, width, height)
PRESETS = (("1280 × 720 (HD)", 1280, 720), ("1920 × 1080 (Full HD)", 1920, 1080))
#: what can be written: (key, what the dialog says, the file suffix)
FORMATS = (("pdf", "PDF, one page per phase", ".pdf"),
           ("png", "PNG files, one per phase", ".png"),
           ("step", "Animated PNG of the step", ".png"),
           ("run", "Animated PNG of a training run", ".png"))
#: A slide is laid out as if it were this many pixels high and scaled to the chosen
#: resolution, so that text takes the same share of a 720- or a 1080-line slide.
LAYOUT_HEIGHT = 720
#: the animation of a step: frames per phase's tween, and how long each phase's last
#: frame is held (the tween itself runs in the window's default phase time)
TWEEN_FRAMES = 8
TWEEN_MS = 500
HOLD_MS = 1500
#: the animation of a training run: each step's frame, and the last one held longer
RUN_FRAME_MS = 200
RUN_LAST_MS = 2000
#: the longest training run an animation takes (one frame per step)
MAX_RUN_STEPS = 1000
#: PDF pages at 96 dots per inch: a 1280-pixel slide is 960 points wide (13.3 inches)
PDF_DPI = 96


@dataclass(frozen=True)
class SlideOptions:
    """How the slides are written."""

    width: int = 1280
    height: int = 720
    #: a key of FORMATS
    format: str = "pdf"
    #: "run" only: how many training steps the animation shows
    steps: int = 50


class RecordedStep(Animator):
    """An animator that shows one recorded step and asks the engine for nothing: its
    phases, its batch and its number are given (``show``)."""

    def __init__(self, session, parent=None):
        super().__init__(session, parent)
        self._step_number = 0

    def show(self, step, index: int, t: float = 1.0) -> None:
        """Phase ``index`` of ``step`` (a StepRecord), its tween at ``t``."""
        if not self.records or self.records[-1] is not step.update:
            self.records = list(step.phases)
            self.batch_indices = np.array(step.sample_indices)
            self._step_number = step.step
        self.index, self.t = index, t
        self.frame.emit()

    @property
    def shown_step(self) -> int:
        return self._step_number

    @property
    def step_record(self):
        last = self.session.last_step
        return last if last is not None and last.update is self.records[-1] else None

    # What the window's animator does on an edit or a new step (forget the pass shown)
    # is no business of a replay: its records stay until it is given others.
    def _show_rest(self) -> None:
        pass

    def _on_parameters_changed(self) -> None:
        pass

    def _on_step_abandoned(self) -> None:
        pass


def layout_size(width: int, height: int) -> tuple[int, int]:
    """The size the canvas is laid out at for a slide of width × height pixels."""
    return max(200, round(width * LAYOUT_HEIGHT / height)), LAYOUT_HEIGHT


class SlideRenderer:
    """A canvas of its own with the phase drawing, rendering phases into images."""

    def __init__(self, session, width: int, height: int, selection=None):
        self.width, self.height = width, height
        self.canvas = NetworkCanvas(session)
        # drawn into images only, never on the screen
        self.canvas.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
        self.canvas.resize(*layout_size(width, height))
        self.replay = RecordedStep(session, self.canvas)
        self.drawing = PhaseDrawing(self.replay, self.canvas, self.canvas)
        if selection is not None:
            # the formulas are written for the weight or neuron selected in the window
            self.canvas.select(selection)
        self.canvas.show()
        self._settle()

    def _settle(self) -> None:
        QApplication.processEvents()
        self.canvas.zoom_fit()
        # a restyle while training draws edges fast (unsmoothed) until the canvas
        # settles: a slide is drawn as settled
        self.canvas.edges.fast = False

    def render(self, step, index: int, t: float = 1.0) -> QImage:
        """Phase ``index`` of ``step`` at tween position ``t``, as an image of the
        slide's size."""
        self.replay.show(step, index, t)
        self._settle()
        image = QImage(self.width, self.height, QImage.Format.Format_ARGB32)
        image.fill(QColor(theme.PAPER))
        # The canvas (with its banner and legend, child widgets) is rendered at its
        # layout size onto an image with more pixels per layout pixel: sharp, not
        # scaled up afterwards.  QWidget's render, not QGraphicsView's (which draws the
        # scene alone, without the banner).
        image.setDevicePixelRatio(self.height / LAYOUT_HEIGHT)
        # true circles and antialiased edges, as the canvas's own image export draws
        BackdropItem.use_sprites = False
        try:
            QWidget.render(self.canvas, image)
        finally:
            BackdropItem.use_sprites = True
        image.setDevicePixelRatio(1.0)
        return image

    def close(self) -> None:
        self.canvas.hide()
        self.canvas.deleteLater()


def phase_images(renderer: SlideRenderer, step) -> list[QImage]:
    """One image per phase of ``step``, each phase as its tween ends."""
    return [renderer.render(step, index) for index in range(len(step.phases))]


def write_pdf(images: list[QImage], path, title: str = "") -> None:
    """The images as the pages of one PDF, each page the image's size at PDF_DPI."""
    if not images:
        raise ValueError("no pages to write")
    width, height = images[0].width(), images[0].height()
    writer = QPdfWriter(str(path))
    writer.setResolution(PDF_DPI)
    writer.setCreator("bpsim")
    if title:
        writer.setTitle(title)
    points = QSizeF(width * 72.0 / PDF_DPI, height * 72.0 / PDF_DPI)
    writer.setPageLayout(QPageLayout(QPageSize(points, QPageSize.Unit.Point, "slide"),
                                     QPageLayout.Orientation.Portrait,
                                     QMarginsF(0, 0, 0, 0)))
    painter = QPainter()
    if not painter.begin(writer):
        raise OSError(f"{path}: cannot be written")
    try:
        for number, image in enumerate(images):
            if number:
                writer.newPage()
            painter.drawImage(QRect(0, 0, width, height), image)
    finally:
        painter.end()


def png_paths(path, count: int) -> list[Path]:
    """Where the PNG pages go: deck.png → deck-01.png, deck-02.png, …"""
    path = Path(path)
    stem = path.name.removesuffix(path.suffix) if path.suffix else path.name
    digits = max(2, len(str(count)))
    return [path.with_name(f"{stem}-{k:0{digits}d}.png") for k in range(1, count + 1)]


def _rgba(image: QImage) -> np.ndarray:
    """The image's pixels as height × width × 4 RGBA bytes."""
    image = image.convertToFormat(QImage.Format.Format_RGBA8888)
    width, height = image.width(), image.height()
    buffer = np.frombuffer(image.constBits(), dtype=np.uint8,
                           count=image.bytesPerLine() * height)
    rows = buffer.reshape(height, image.bytesPerLine())
    return rows[:, :width * 4].reshape(height, width, 4).copy()


def step_animation_frames(renderer: SlideRenderer, step) -> tuple[list, list[int]]:
    """(frames, delays in ms): each phase's tween in TWEEN_FRAMES frames, its last held."""
    frames, delays = [], []
    for index in range(len(step.phases)):
        for k in range(1, TWEEN_FRAMES + 1):
            frames.append(_rgba(renderer.render(step, index, k / TWEEN_FRAMES)))
            delays.append(HOLD_MS if k == TWEEN_FRAMES else TWEEN_MS // TWEEN_FRAMES)
    return frames, delays


def current_step(window):
    """The step the window's animation is on, finished if need be (as Enter finishes
    it; at rest, Enter takes the next step): its StepRecord."""
    animator = window.animator
    if not animator.step_complete:
        animator.full_step()
    return animator.step_record


def export(session, out, options: SlideOptions, step=None, selection=None) -> list[Path]:
    """Write the slides or the animation to ``out``; the files written.  ``step`` is the
    StepRecord the pages show (None: the session takes one step first); a training run
    ("run") trains ``options.steps`` steps of ``session`` from where it is (one undoable
    edit in the window, as Play is)."""
    out = Path(out)
    renderer = SlideRenderer(session, options.width, options.height, selection)
    try:
        if options.format == "run":
            return [_export_run(session, renderer, out, options.steps)]
        if step is None:
            records = session.train(1)
            if not records:
                raise ValueError("the engine took no step")
            step = records[-1]
        if options.format == "step":
            frames, delays = step_animation_frames(renderer, step)
            apng.write_apng(out, frames, delays)
            return [out]
        images = phase_images(renderer, step)
        if options.format == "pdf":
            write_pdf(images, out, session.scenario.title)
            return [out]
        paths = png_paths(out, len(images))
        for image, path in zip(images, paths):
            if not image.save(str(path), "PNG"):
                raise OSError(f"{path}: cannot be written")
        return paths
    finally:
        renderer.close()


def _export_run(session, renderer: SlideRenderer, out: Path, steps: int) -> Path:
    """One frame per training step: the step's update, done, with its loss."""
    steps = max(1, min(int(steps), MAX_RUN_STEPS))
    frames, delays = [], []
    for _ in range(steps):
        records = session.train(1)
        if not records:
            break
        step = records[-1]
        frames.append(_rgba(renderer.render(step, len(step.phases) - 1)))
        delays.append(RUN_FRAME_MS)
        if step.diverged:
            break
    if not frames:
        raise ValueError("the engine took no step")
    delays[-1] = RUN_LAST_MS
    apng.write_apng(out, frames, delays)
    return out

