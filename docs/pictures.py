"""The README's pictures, made again from the window as it is: ``.venv/bin/python
docs/pictures.py`` (offscreen; writes docs/window.png, docs/backward-phase.png,
docs/predict-reveal.png and docs/compare-lab.png).

- window.png: the deep-sigmoid scenario after three training steps, 1600×1000;
- backward-phase.png: the lecture example shown at its backward phase (δ = −1.4 on the
  output, ∂J/∂w = −4.2 on the edge), 1600×1000;
- predict-reveal.png: Train ▸ Predict, then reveal on the lecture example, its forward
  pass asking ŷ = ? with a typed guess, 1600×1000;
- compare-lab.png: Tools ▸ Compare on deep-relu, sigmoid against ReLU hidden layers.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import Qt  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bpsim.ui.app import application, build_window  # noqa: E402

HERE = Path(__file__).resolve().parent
SIZE = (1600, 1000)


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


def main() -> int:
    app = application()
    window_picture(app)
    backward_phase_picture(app)
    predict_reveal_picture(app)
    compare_picture(app)
    print("wrote", ", ".join(str(HERE / name) for name in
                             ("window.png", "backward-phase.png", "predict-reveal.png",
                              "compare-lab.png")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
