"""The README's pictures, made again from the window as it is: ``.venv/bin/python
docs/pictures.py`` (offscreen; writes each picture below into docs/).

- window.png: the deep-sigmoid scenario after three training steps, 1600×1000;
- backward-phase.png: the lecture example shown at its backward phase (δ = −1.4 on the
  output, ∂J/∂w = −4.2 on the edge), 1600×1000;
- predict-reveal.png: Train ▸ Predict, then reveal on the lecture example, its forward
  pass asking ŷ = ? with a typed guess, 1600×1000;
- optimizer.png: the lecture example with Adam (η = 0.1), the update phase of its third
  step with the weight selected: Adam's rule with its numbers, 1600×1000;
- compare-lab.png: Tools ▸ Compare on deep-relu, sigmoid against ReLU hidden layers;
- learning-rate-lab.png: Tools ▸ Compare on the lecture example at η = 1, 0.05, 0.001;
- landscape.png: Tools ▸ Loss landscape on the lecture example after three steps at
  η = 1 (w: 0.1 → 4.3 → −67.1 → 1146.7 on J(w) = (3w − 1)²);
- presentation.png: deep-sigmoid after five steps in presentation mode (F5) with the
  gradient profile below the canvas (G), 1920×1080;
- punchline.png: the lecture-punchline scenario after one step, numbered as the lecture,
  W⁽¹⁾'s first weight selected: the Math dock writes the punchline formulas, 1600×1000;
- slides.png: the backward slide of layer 1 in xor's first step (File ▸ Export slides),
  1280×720.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QAbstractScrollArea, QApplication  # noqa: E402

from bpsim.ui.app import application, build_window, load_file_or_builtin  # noqa: E402

HERE = Path(__file__).resolve().parent
SIZE = (1600, 1000)
#: a projector's screen
PRESENTATION_SIZE = (1920, 1080)


def _settle(app: QApplication, window) -> None:
    """Show the window with its deferred docks and plots arranged, and let it paint."""
    window.resize(*SIZE)
    window.show()
    app.processEvents()
    window.load_deferred_docks()
    window.arrange_plots()
    for _ in range(5):
        app.processEvents()


def _close(window) -> None:
    window.session.undo_stack.setClean()  # the steps taken here are no one's work to save
    window.close()


def window_picture(app: QApplication) -> None:
    window = build_window("deep-sigmoid", steps=3, restore_layout=False)
    _settle(app, window)
    window.grab().save(str(HERE / "window.png"))
    _close(window)


def backward_phase_picture(app: QApplication) -> None:
    window = build_window("lecture-example", restore_layout=False)
    _settle(app, window)
    window.animator.set_phase_ms(0)
    # forward (one layer), the loss, backward (one layer): the backward phase is shown
    for _ in range(3):
        window.action("next_phase").trigger()
        app.processEvents()
    window.grab().save(str(HERE / "backward-phase.png"))
    _close(window)


def predict_reveal_picture(app: QApplication) -> None:
    window = build_window("lecture-example", restore_layout=False)
    _settle(app, window)
    window.animator.set_phase_ms(0)
    window.action("predict_reveal").trigger()
    window.action("next_phase").trigger()  # the forward pass, ŷ hidden
    window.transport.guess_field.setText("0.5")
    window.transport.guess_field.returnPressed.emit()
    for _ in range(5):
        app.processEvents()
    window.grab().save(str(HERE / "predict-reveal.png"))
    _close(window)


def optimizer_picture(app: QApplication) -> None:
    import json
    import tempfile

    from bpsim import io

    scenario = io.to_dict(io.load_builtin("lecture-example"))
    scenario["training"].update(optimizer="adam", learning_rate=0.1)
    path = Path(tempfile.mkdtemp()) / "lecture-adam.bpsim.json"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    window = build_window(str(path), steps=2, restore_layout=False)
    _settle(app, window)
    window.animator.set_phase_ms(0)
    window.canvas.select(("weight", 1, 0, 0))
    # forward, the loss, backward, the update of step 3: Adam's rule with its numbers
    for _ in range(4):
        window.action("next_phase").trigger()
        app.processEvents()
    deadline = time.monotonic() + 0.5  # the Math dock refreshes on a 100 ms timer
    while time.monotonic() < deadline:
        app.processEvents()
    window.grab().save(str(HERE / "optimizer.png"))
    _close(window)


def compare_picture(app: QApplication) -> None:
    window = build_window("deep-relu", restore_layout=False)
    _settle(app, window)
    dialog = window.open_compare()
    dialog.resize(1400, 640)
    dialog.set_setting("activation")
    dialog.run()
    while dialog.running:
        app.processEvents()
    for _ in range(5):
        app.processEvents()
    dialog.grab().save(str(HERE / "compare-lab.png"))
    dialog.close()
    _close(window)


def learning_rate_picture(app: QApplication) -> None:
    window = build_window("lecture-example", restore_layout=False)
    _settle(app, window)
    dialog = window.open_compare()
    dialog.resize(1400, 640)
    dialog.set_setting("learning_rate")
    dialog.set_variants([1, 0.05, 0.001])
    dialog.steps_box.setValue(60)
    dialog.log_loss_box.setChecked(True)
    dialog.run()
    while dialog.running:
        app.processEvents()
    for _ in range(5):
        app.processEvents()
    dialog.grab().save(str(HERE / "learning-rate-lab.png"))
    dialog.close()
    _close(window)


def landscape_picture(app: QApplication) -> None:
    window = build_window("lecture-example", steps=3, restore_layout=False)
    _settle(app, window)
    dialog = window.open_landscape()
    dialog.resize(1000, 640)
    dialog.redraw()
    for _ in range(5):
        app.processEvents()
    dialog.grab().save(str(HERE / "landscape.png"))
    dialog.close()
    _close(window)


def presentation_picture(app: QApplication) -> None:
    window = build_window("deep-sigmoid", steps=5, restore_layout=False)
    _settle(app, window)
    window.presentation.enter()
    window.presentation.show_plot("profile_plot_dock")
    # offscreen there is no projector (its screen is 800×800): the window, still
    # presenting, is given the projector's size
    window.showNormal()
    window.resize(*PRESENTATION_SIZE)
    for _ in range(10):
        app.processEvents()
    window.presentation.show_plot("profile_plot_dock")  # the docks sized for 1920 px
    for _ in range(10):
        app.processEvents()
    window.grab().save(str(HERE / "presentation.png"))
    window.presentation.leave()
    _close(window)


def punchline_picture(app: QApplication) -> None:
    window = build_window("lecture-punchline", steps=1, restore_layout=False)
    _settle(app, window)
    # the Math dock alone in its column, wide enough for the punchline formulas, and
    # the canvas with the rest (no plots, no editing docks)
    for name in ("inspector", "training", "layers", "data"):
        window.docks[name].hide()
    for dock in window.plot_docks:
        dock.hide()
    window.canvas.select(("weight", 1, 0, 0))
    window.resizeDocks([window.math_dock], [700], Qt.Orientation.Horizontal)
    for _ in range(5):
        app.processEvents()
    # scrolled down to the punchline's three formulas
    for area in window.math_dock.findChildren(QAbstractScrollArea):
        bar = area.verticalScrollBar()
        bar.setValue(bar.maximum())
    for _ in range(3):
        app.processEvents()
    window.grab().save(str(HERE / "punchline.png"))
    _close(window)
def slides_picture(app: QApplication) -> None:
    from bpsim.ui.export_slides import SlideRenderer
    from bpsim.ui.session import Session

    session = Session(load_file_or_builtin("xor")[0])
    step = session.train(1)[-1]
    renderer = SlideRenderer(session, 1280, 720)
    # forward 1, forward 2, the loss, backward 2, backward 1: the fifth page
    renderer.render(step, 4).save(str(HERE / "slides.png"))
    renderer.close()


def main() -> int:
    app = application()
    pictures = [(window_picture, "window.png"),
                (backward_phase_picture, "backward-phase.png"),
                (predict_reveal_picture, "predict-reveal.png"),
                (optimizer_picture, "optimizer.png"),
                (compare_picture, "compare-lab.png"),
                (learning_rate_picture, "learning-rate-lab.png"),
                (landscape_picture, "landscape.png"),
                (presentation_picture, "presentation.png"),
                (punchline_picture, "punchline.png"),
                (slides_picture, "slides.png")]
    for make, name in pictures:
        make(app)
        print("wrote", HERE / name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
