"""Canvas benchmark: full restyle + repaint of a [4,16,16,16,16,2] network (864 edges).

Each frame sets new random weights and biases through the session (the canvas
restyles through its parameters_changed signal: edge colours and widths, bias labels,
the forward pass in the neurons) and then renders the view into a QImage with
``view.render(painter)``, with the view's own render hints.  Offscreen.

Run: python bench/canvas.py [--frames N] [--size WxH]
Prints the target and the measured frames per second (wall clock, the number that
counts) and the CPU time per frame (what the machine's load does not change much).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from PySide6.QtGui import QImage, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bpsim.initializers import InitSpec, initialize  # noqa: E402
from bpsim.network import Network  # noqa: E402
from bpsim.scenario import DataSpec, Scenario  # noqa: E402
from bpsim.training import TrainingSettings  # noqa: E402

TARGET_FPS = 60.0
LAYERS = [4, 16, 16, 16, 16, 2]


def build(width: int, height: int):
    from bpsim.ui.canvas import NetworkCanvas
    from bpsim.ui.session import Session

    weights, biases = initialize(LAYERS, InitSpec("xavier_uniform", 0))
    network = Network(LAYERS, ["tanh"] * 4 + ["identity"], weights, biases)
    scenario = Scenario(network, TrainingSettings("mse", 0.1),
                        DataSpec.from_samples([([0.5, -1.0, 0.25, 2.0], [1.0, 0.0])]))
    session = Session(scenario)
    canvas = NetworkCanvas(session)
    canvas.resize(width, height)
    canvas.show()
    QApplication.processEvents()
    return session, canvas


def measure(width: int, height: int, frames: int, seed: int = 1):
    """(wall seconds, CPU seconds, restyle seconds) for ``frames`` frames."""
    session, canvas = build(width, height)
    rng = np.random.default_rng(seed)
    shapes_w = [w.shape for w in session.network.weights]
    shapes_b = [b.shape for b in session.network.biases]
    params = [([rng.normal(0, 1, s) for s in shapes_w], [rng.normal(0, 0.5, s) for s in shapes_b])
              for _ in range(frames + 10)]
    image = QImage(canvas.viewport().size(), QImage.Format.Format_ARGB32_Premultiplied)

    def repaint() -> None:
        painter = QPainter(image)
        painter.setRenderHints(canvas.renderHints())  # as the view paints itself
        canvas.render(painter)
        painter.end()

    for weights, biases in params[:10]:  # warm-up: glyph caches, first allocations
        session.set_parameters(weights, biases)
        repaint()
    restyle = 0.0
    wall, cpu = time.perf_counter(), time.process_time()
    for weights, biases in params[10:]:
        t0 = time.perf_counter()
        session.set_parameters(weights, biases)
        restyle += time.perf_counter() - t0
        repaint()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    # For information: the one smooth (antialiased) repaint after values settle.
    canvas._on_settled()
    t0 = time.perf_counter()
    repaint()
    settled = time.perf_counter() - t0
    if os.environ.get("BENCH_CANVAS_PNG"):
        image.save(os.environ["BENCH_CANVAS_PNG"])
    canvas.close()
    return wall, cpu, restyle, settled


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=200)
    parser.add_argument("--size", default="1600x1000", help="view size WxH (default: a "
                        "full-screen canvas on a 1600x1000 projector)")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    QApplication.instance() or QApplication([])
    edges = sum(a * b for a, b in zip(LAYERS[:-1], LAYERS[1:]))

    wall, cpu, restyle, settled = measure(width, height, args.frames)
    n = args.frames
    fps = n / wall
    print(f"canvas: {LAYERS} network, {edges} edges, view {width}x{height}, {n} frames "
          f"of new weights (restyle + repaint)")
    print(f"  restyle {1000 * restyle / n:.1f} ms/frame; restyle + repaint "
          f"{1000 * wall / n:.1f} ms/frame wall, {1000 * cpu / n:.1f} ms/frame CPU")
    print(f"  smooth repaint once values settle: {1000 * settled:.0f} ms")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"  machine load (1 min): {load:.1f} on {os.cpu_count()} cores")
    print(f"  target >= {TARGET_FPS:.0f} fps; measured {fps:.0f} fps "
          f"({n / cpu:.0f} fps by CPU time) -> {'OK' if fps >= TARGET_FPS else 'BELOW TARGET'}")
    return 0 if fps >= TARGET_FPS else 1


if __name__ == "__main__":
    sys.exit(main())
