"""File ▸ Export slides and ``bpsim slides``: one page per recorded phase of the step
(forward per layer, loss, backward per layer, update), the canvas with its banner, at
the chosen resolution; animated PNGs of a step and of a training run."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from PySide6.QtGui import QImage

from bpsim import apng
from bpsim.ui import export_slides
from bpsim.ui.dialogs import slides as slides_dialog
from bpsim.ui.export_slides import SlideOptions, SlideRenderer
from bpsim.ui.session import Session


def pdf_pages(path) -> list[tuple[float, float]]:
    """(width, height) in points of each page object of a PDF (not the /Pages tree)."""
    text = path.read_bytes().decode("latin-1")
    pages = [m.start() for m in re.finditer(r"/Type\s*/Page(?!s)", text)]
    boxes = []
    for start in pages:
        # the page's dictionary: from its "<<" to its closing ">>"
        begin = text.rfind("<<", 0, start)
        end = text.find("endobj", start)
        box = re.search(r"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)",
                        text[begin:end])
        x0, y0, x1, y1 = map(float, box.groups())
        boxes.append((x1 - x0, y1 - y0))
    return boxes


def phase_count(scenario) -> int:
    """forward per layer, the loss, backward per layer, the update"""
    return 2 * scenario.network.depth + 2


@pytest.mark.parametrize("name", ["lecture-example", "xor"])
def test_pdf_has_a_page_per_phase_at_the_chosen_size(qtbot, built_in, tmp_path, name):
    session = Session(built_in(name))
    out = tmp_path / "deck.pdf"
    written = export_slides.export(session, out, SlideOptions(1280, 720, "pdf"))
    assert written == [out]
    pages = pdf_pages(out)
    assert len(pages) == phase_count(session.scenario)
    # 1280 × 720 pixels at 96 dots per inch: 960 × 540 points
    for width, height in pages:
        assert width == pytest.approx(960, abs=1) and height == pytest.approx(540, abs=1)
    assert session.steps_done == 1  # the one step the pages show


@pytest.mark.parametrize("name", ["lecture-example", "xor"])
def test_png_pages_one_per_phase_at_the_chosen_resolution(qtbot, built_in, tmp_path,
                                                         name):
    session = Session(built_in(name))
    written = export_slides.export(session, tmp_path / "slide.png",
                                   SlideOptions(1920, 1080, "png"))
    assert len(written) == phase_count(session.scenario)
    assert [p.name for p in written][:2] == ["slide-01.png", "slide-02.png"]
    images = [QImage(str(path)) for path in written]
    assert all((image.width(), image.height()) == (1920, 1080) for image in images)
    # each phase looks different (the banner and the numbers change)
    assert len({image.constBits().tobytes() for image in images}) == len(images)


def test_each_page_shows_its_phase_with_the_engines_numbers(qtbot, lecture_example):
    session = Session(lecture_example)
    step = session.train(1)[-1]
    renderer = SlideRenderer(session, 1280, 720)
    try:
        headlines, details = [], []
        for index in range(len(step.phases)):
            image = renderer.render(step, index)
            assert (image.width(), image.height()) == (1280, 720)
            headline, detail = renderer.drawing.banner_text.split("\n")
            headlines.append(headline)
            details.append(detail)
            # the banner is on the page: its strip across the top is not plain paper
            top = image.copy(0, 0, 1280, 40)
            assert top.pixelColor(2, 2) != image.pixelColor(2, 400)
    finally:
        renderer.close()
    assert headlines[0].startswith("Forward · layer 1 of 1 · step 1")
    assert headlines[1].startswith("Loss · J = ") and "= 0.49" in headlines[1]
    assert headlines[2].startswith("Backward · layer 1 of 1")
    assert "−4.2" in details[2]
    assert headlines[3].startswith("Update") and "4.3" in details[3]


def test_custom_sizes_keep_their_pixels(qtbot, xor):
    session = Session(xor)
    step = session.train(1)[-1]
    renderer = SlideRenderer(session, 1024, 768)
    try:
        image = renderer.render(step, 0)
    finally:
        renderer.close()
    assert (image.width(), image.height()) == (1024, 768)


def test_animated_step_has_each_phase_tween(qtbot, xor, tmp_path):
    session = Session(xor)
    out = tmp_path / "step.png"
    export_slides.export(session, out, SlideOptions(640, 360, "step"))
    info = apng.read_apng_info(out)
    assert (info.width, info.height) == (640, 360)
    assert info.frame_count == phase_count(xor) * export_slides.TWEEN_FRAMES
    held = [f.delay_ms for f in info.frames if f.delay_ms == export_slides.HOLD_MS]
    assert len(held) == phase_count(xor)  # each phase's last frame is held
    # a viewer without APNG shows the first frame: a PNG of the slide's size
    assert QImage(str(out)).size().toTuple() == (640, 360)


def test_animated_training_run_has_a_frame_per_step(qtbot, xor, tmp_path):
    session = Session(xor)
    out = tmp_path / "run.png"
    export_slides.export(session, out, SlideOptions(640, 360, "run", steps=12))
    info = apng.read_apng_info(out)
    assert info.frame_count == 12 == session.steps_done
    assert (info.width, info.height) == (640, 360)


def test_the_window_exports_the_step_on_screen(window, tmp_path, monkeypatch):
    out = tmp_path / "deck.pdf"
    monkeypatch.setattr(slides_dialog, "ask_slides",
                        lambda *args: (SlideOptions(1280, 720, "pdf"), out))
    animator = window.animator
    animator.next_phase()  # forward, then the rest of the step as Enter would
    window.action("export_slides").trigger()
    assert animator.step_complete and window.session.steps_done == 1
    assert len(pdf_pages(out)) == 4
    # exporting the same step again takes no further step
    window.action("export_slides").trigger()
    assert window.session.steps_done == 1
    assert "Exported" in window.statusBar().currentMessage()


def test_the_dialog_offers_presets_and_a_custom_size(qtbot):
    dialog = slides_dialog.SlidesDialog()
    qtbot.addWidget(dialog)
    assert not dialog.width_box.isEnabled()
    dialog.resolution.setCurrentIndex(1)
    assert (dialog.options().width, dialog.options().height) == (1920, 1080)
    dialog.resolution.setCurrentIndex(dialog.resolution.count() - 1)
    assert dialog.width_box.isEnabled()
    dialog.width_box.setValue(1000)
    dialog.height_box.setValue(750)
    dialog.format.setCurrentIndex(dialog.format.findData("run"))
    assert dialog.steps.isEnabled()
    options = dialog.options()
    assert (options.width, options.height, options.format) == (1000, 750, "run")


def test_bpsim_slides_headless(tmp_path):
    out = tmp_path / "x.pdf"
    done = subprocess.run([sys.executable, "-m", "bpsim", "slides", "lecture-example",
                           "--out", str(out)], capture_output=True, text=True,
                          timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert len(pdf_pages(out)) == 4
    done = subprocess.run([sys.executable, "-m", "bpsim", "slides", "xor", "--out",
                           str(tmp_path / "x.txt")], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2 and ".pdf or .png" in done.stderr
