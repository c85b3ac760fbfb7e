"""Canvas benchmark: full restyle + repaint of a [4,16,16,16,16,2] network (864 edges).

Each frame sets new random weights and biases through the session (the canvas
restyles through its parameters_changed signal: edge colours and widths, bias labels,
the forward pass in the neurons) and then renders the view into a QImage with
``view.render(painter)``, with the view's own render hints.  Offscreen.

Run: python bench/canvas.py [--frames N] [--size WxH] [--no-busy]
Prints the target and the measured frames per second (wall clock, the number that
counts) and the CPU time per frame (what the machine's load does not change much), at
1920x1080: as the canvas draws while values change (edges without antialiasing) and
with every frame antialiased, on the machine as it is and beside one competing busy
process (started and ended here).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/load.py

import numpy as np  # noqa: E402
from PySide6.QtGui import QImage, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from bpsim.initializers import InitSpec, initialize  # noqa: E402
from bpsim.network import Network  # noqa: E402
from bpsim.scenario import DataSpec, Scenario  # noqa: E402
from bpsim.training import TrainingSettings  # noqa: E402
from load import busy_process, load_average  # noqa: E402

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


def measure(width: int, height: int, frames: int, seed: int = 1, smooth: bool = False):
    """(wall seconds, CPU seconds, restyle seconds, one settled repaint's seconds) for
    ``frames`` frames.  ``smooth``: every frame drawn as after the values settle (the
    edges antialiased too), not only the one after the last change."""
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
        if smooth:
            canvas._on_settled()
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
    parser.add_argument("--size", default="1920x1080", help="view size WxH (default: a "
                        "full-screen canvas on a 1920x1080 projector)")
    parser.add_argument("--no-busy", action="store_true",
                        help="skip the runs beside one competing busy process")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    QApplication.instance() or QApplication([])
    edges = sum(a * b for a, b in zip(LAYERS[:-1], LAYERS[1:]))
    n = args.frames
    print(f"canvas: {LAYERS} network, {edges} edges, view {width}x{height}, {n} frames "
          f"of new weights (restyle + repaint); target >= {TARGET_FPS:.0f} fps")
    measure(width, height, 20)  # warm-up: fonts, glyph caches

    def run(how: str, smooth: bool) -> float:
        wall, cpu, restyle, settled = measure(width, height, n, smooth=smooth)
        fps = n / wall
        print(f"  {how:<44} {fps:5.0f} fps ({n / cpu:4.0f} by CPU time); restyle "
              f"{1000 * restyle / n:4.1f} ms, frame {1000 * wall / n:4.1f} ms wall, "
              f"{1000 * cpu / n:4.1f} ms CPU; {load_average()}")
        return fps

    # the edges are drawn without antialiasing while the values change and smoothly
    # once they settle (items.EdgesItem.fast); "antialiased": every frame smooth
    rows = [("machine as it is", False), ("machine as it is, antialiased", True)]
    results = [run(how, smooth) for how, smooth in rows]
    if not args.no_busy:
        with busy_process():
            results += [run(f"beside one busy process{how[16:]}", smooth)
                        for how, smooth in rows]
    ok = min(results) >= TARGET_FPS
    print(f"  slowest {min(results):.0f} fps -> {'OK' if ok else 'BELOW TARGET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
