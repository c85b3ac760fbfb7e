"""Live plots benchmark, offscreen.

1. Updates per second: the five plot docks side by side below the (empty) canvas
   area of a 1600×1000 window, 35 % of its height (each plot about 320×300), the
   session's history already holding 100,000 steps; each update records one more
   step (the session's steps_recorded, as training does), updates every plot
   (``controller.flush()``: the throttled ones too) and lets the event loop paint
   them (the plots' paint events, timed as they happen).
   Target ≥ 60 updates/s.  Also reported: the same for a deep [2]+[8]*8+[1] net
   (nine gradient curves), and the updates/s the plots' own pacing gives (≤ 30 Hz,
   the decision and activation plots at ≤ 10 and 15 Hz), which is what training pays.
   The pacing itself is checked there too: while steps arrive every millisecond, at
   most one repaint per REPAINT_MS (33 ms), never two closer than 80 % of it.
2. Training rate of the main window with every plot visible against the headless
   engine, [2,8,8,1] batch 64, in the same run (see bench/training.py).
   Target ≥ 70 %.

    python bench/plots.py [--updates 300] [--seconds 4]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

import training as training_bench  # noqa: E402  (bench/training.py)
from load import load_average  # noqa: E402  (bench/load.py)

TARGET_UPDATES = 60.0
#: the window's training rate with every plot shown, against the headless engine
TARGET_WINDOW_RATIO = 0.7
HISTORY_STEPS = 100_000


def deep_scenario():
    from bpsim.initializers import InitSpec, initialize
    from bpsim.network import Network
    from bpsim.scenario import DataSpec, Scenario
    from bpsim.training import TrainingSettings

    layers = [2] + [8] * 8 + [1]
    init = InitSpec("xavier_uniform", 0)
    weights, biases = initialize(layers, init)
    network = Network(layers, ["sigmoid"] * 9, weights, biases)
    return Scenario(network, TrainingSettings("bce", 0.5, batch_size=64),
                    DataSpec(generator="circles", n=256, noise=0.1, seed=1), init)


def fill_history(session, steps: int) -> None:
    """``steps`` past steps in the session's history: losses and gradient norms shaped
    like a real run (decaying, noisy), then the trainer continues from there."""
    history = session.history
    rng = np.random.default_rng(0)
    depth = session.network.depth
    scale = 0.25 ** np.arange(depth - 1, -1, -1)
    for step in range(steps):
        decay = 1.0 / (1.0 + step / 2000)
        norms = scale * decay * (1 + 0.1 * rng.random(depth))
        history.append_values(step, 0.7 * decay + 0.01 * rng.random(), norms, norms / 8)
    session.trainer.steps_done = steps


#: the plots' share of the window's height, as the main window lays them out
PLOTS_HEIGHT = 0.35


def plot_window(scenario, size=(1600, 1000)):
    """A window as the main window lays it out, the canvas replaced by an empty
    widget, with all five plot docks side by side below it, all visible."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication, QMainWindow, QWidget

    from bpsim.ui.plots import create_plot_docks
    from bpsim.ui.session import Session

    session = Session(scenario)
    window = QMainWindow()
    window.setCentralWidget(QWidget())
    docks = create_plot_docks(session, parent=window)
    for dock in docks:
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
    for left, right in zip(docks, docks[1:]):
        window.splitDockWidget(left, right, Qt.Orientation.Horizontal)
    window.resize(*size)
    window.show()
    window.resizeDocks(docks[:1], [int(size[1] * PLOTS_HEIGHT)], Qt.Orientation.Vertical)
    QApplication.instance().processEvents()
    return window, session, docks[0].controller


def updates_per_second(scenario, updates: int, force: bool = True) -> tuple[float, float]:
    """(updates/s wall clock, CPU ms per update) of: record one step, update the
    plots (all of them, or with ``force=False`` as their own pacing allows: the
    activations ≤ 15 Hz, the decision surface ≤ 10 Hz, the readout lines ≤ 5 Hz),
    let them paint."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    window, session, controller = plot_window(scenario)
    fill_history(session, HISTORY_STEPS)
    # the steps to append, trained beforehand so only the plots are timed
    trainer = scenario.copy().trainer()
    trainer.steps_done = HISTORY_STEPS
    records = [trainer.step() for _ in range(updates + 20)]

    def update(record) -> None:
        session.history.append(record, None)
        session.steps_recorded.emit([record])
        controller.flush(force)
        app.processEvents()  # the plots paint, as in the next frame of the window

    for record in records[:20]:  # warm-up: glyph caches, first allocations
        update(record)
    wall, cpu = time.perf_counter(), time.process_time()
    for record in records[20:]:
        update(record)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert len(session.history) <= session.history.capacity
    window.close()
    return updates / wall, 1000 * cpu / updates


def paced_updates(scenario, seconds: float) -> tuple[float, float, bool]:
    """(repaints per second, shortest gap between two repaints in ms, whether the
    pacing held) when steps arrive continuously and the plots pace themselves (the
    event loop running).  The pacing holds when there was at least one repaint, no
    more than one per REPAINT_MS (+2 for the ends of the run), and no two closer
    than 0.8 REPAINT_MS."""
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer

    from bpsim.ui.plots.controller import REPAINT_MS

    window, session, controller = plot_window(scenario)
    fill_history(session, HISTORY_STEPS)
    paints = []
    controller.updated.connect(lambda: paints.append(time.perf_counter()))
    ticker = QTimer()
    ticker.setInterval(1)
    ticker.timeout.connect(lambda: session.train(1))
    loop = QEventLoop()
    started = time.perf_counter()
    ticker.start()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    ticker.stop()
    # the repaint asked for by the last steps, if one is still waiting
    deadline = time.perf_counter() + 1.0
    while controller._timer.isActive() and time.perf_counter() < deadline:
        QCoreApplication.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)
    elapsed_ms = (time.perf_counter() - started) * 1000
    window.close()
    gaps_ms = np.diff(paints) * 1000
    shortest = float(gaps_ms.min()) if gaps_ms.size else float("nan")
    held = (1 <= len(paints) <= elapsed_ms / REPAINT_MS + 2
            and bool(np.all(gaps_ms >= REPAINT_MS * 0.8)))
    return len(paints) / seconds, shortest, held


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=300)
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args(argv)

    from bpsim.ui.app import application

    application()
    print(f"plots, offscreen, five plots side by side in a 1600×1000 window, "
          f"{HISTORY_STEPS:,} steps already recorded")
    ok = True
    print(f"  append one step, update the plots, paint; target ≥ {TARGET_UPDATES:.0f} updates/s")
    for label, scenario in (("[2,8,8,1]", training_bench.bench_scenario()),
                            ("[2]+[8]*8+[1]", deep_scenario())):
        for force, how in ((False, "paced as in the app"), (True, "every plot every time")):
            rate, cpu_ms = updates_per_second(scenario, args.updates, force)
            if not force:
                ok &= rate >= TARGET_UPDATES
            print(f"  {label:<14} {how:<22}{rate:6.1f} updates/s ({cpu_ms:4.1f} ms CPU each, "
                  f"{1000 / cpu_ms:4.0f}/s by CPU time; {load_average()})"
                  + (f"  {'OK' if rate >= TARGET_UPDATES else 'BELOW TARGET'}"
                     if not force else ""))
    paced, shortest_ms, held = paced_updates(training_bench.bench_scenario(),
                                             min(args.seconds, 3.0))
    ok &= held
    print(f"  while training step by step, the plots repaint {paced:.0f} times/s (≤ 30 by "
          f"design), at least {shortest_ms:.0f} ms apart  {'OK' if held else 'NOT PACED'}")
    print()
    rates = training_bench.compare_rates(True, args.seconds)
    ok &= training_bench.report(rates, "window with every plot visible "
                                       "(ui.app.build_window + the plot docks side by side)",
                                TARGET_WINDOW_RATIO)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
