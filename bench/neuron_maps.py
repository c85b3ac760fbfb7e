"""Neuron-map benchmark: updates per second of every neuron's map while training the
spiral scenario (2 inputs, 2 × 16 tanh hidden neurons, 1 output: 35 maps of 24 × 24).

One update is what playing costs per frame with View ▸ Neuron maps on: a training step
through the session, the engine's forward pass of the grid through the network
(bpsim.features.neuron_maps), the 35 QImages, and a render of the canvas into a
1280 × 720 QImage.  Offscreen.

Run: python bench/neuron_maps.py [--updates N]
Prints the measured updates per second with the target (20) beside it; exit status 1
when it is missed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from PySide6.QtGui import QImage, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

TARGET_UPDATES_PER_SECOND = 20.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=200)
    args = parser.parse_args()
    app = QApplication.instance() or QApplication([])
    from bpsim import io
    from bpsim.ui.canvas import NetworkCanvas
    from bpsim.ui.session import Session

    session = Session(io.load_builtin("spiral"))
    assert list(session.network.layers) == [2, 16, 16, 1]
    canvas = NetworkCanvas(session)
    canvas.resize(1280, 720)
    canvas.show()
    maps = canvas.neuron_maps
    maps.set_shown(True)
    app.processEvents()
    image = QImage(1280, 720, QImage.Format.Format_ARGB32_Premultiplied)

    def update() -> None:
        session.train(1)
        maps.refresh()  # now, not at the pace the canvas keeps
        painter = QPainter(image)
        canvas.render(painter)
        painter.end()

    for _ in range(10):  # warm up
        update()
    start_wall, start_cpu = time.perf_counter(), time.process_time()
    for _ in range(args.updates):
        update()
    wall = time.perf_counter() - start_wall
    cpu = time.process_time() - start_cpu
    rate = args.updates / wall
    print(f"neuron maps, spiral 2-16-16-1, {maps.maps.maps[1].shape[-1]}² grid: "
          f"{rate:.1f} updates/s (target {TARGET_UPDATES_PER_SECOND:.0f}), "
          f"{1000 * cpu / args.updates:.1f} ms CPU per update")
    return 0 if rate >= TARGET_UPDATES_PER_SECOND else 1


if __name__ == "__main__":
    sys.exit(main())
