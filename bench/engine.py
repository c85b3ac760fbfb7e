"""µs per training step: bpsim's trainer against a minimal hand-written numpy loop.

All run the same nets on the same data in the same process: forward, MSE, backward,
SGD update, all layers sigmoid, full batch.  The loop is the least work a numpy
implementation can do.  bpsim is timed two ways:

- ``Trainer.run`` (bulk training, what ``bpsim train`` and fast play use): the same
  arithmetic, plus the per-layer gradient norms and the divergence checks.
  Target: within 1.3× of the loop.
- ``Trainer.step``: additionally keeps an immutable record of every phase (z, a, δ,
  ∂J/∂W, ∂J/∂b, the parameters before and after), what stepping in the window shows.

    python bench/engine.py [--repeats 21]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

# Runnable from a checkout without installing: python bench/engine.py
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bpsim.initializers import InitSpec, initialize  # noqa: E402
from bpsim.network import Network  # noqa: E402
from bpsim.training import Trainer, TrainingSettings  # noqa: E402

TARGET_RATIO = 1.3
LEARNING_RATE = 0.5

#: (label, layer sizes, batch size, steps per timed run); runs are short and many so that
#: both sides see the same background load
CASES = (
    ("[2,8,8,1] batch 64", [2, 8, 8, 1], 64, 300),
    ("[1]+[16]*10+[1] batch 32", [1] + [16] * 10 + [1], 32, 80),
)


def make_data(layers, batch, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, (batch, layers[0]))
    y = (rng.uniform(0.0, 1.0, (batch, layers[-1])) > 0.5).astype(float)
    return x, y


def make_parameters(layers):
    return initialize(layers, InitSpec("xavier_uniform", seed=1))


class NumpyLoop:
    """The baseline: sigmoid layers, MSE, plain SGD, nothing kept."""

    def __init__(self, layers, x, y):
        weights, biases = make_parameters(layers)
        self.weights = [np.array(w) for w in weights]
        self.biases = [np.array(b) for b in biases]
        self.x, self.y = x, y

    def step(self) -> float:
        activations = [self.x]
        a = self.x
        for w, b in zip(self.weights, self.biases):
            a = 1.0 / (1.0 + np.exp(-(a @ w.T + b)))
            activations.append(a)
        error = a - self.y
        loss = float(np.mean(error * error))
        # δᴸ = 2(ŷ − y)/(B·n_out) ⊙ σ'(z),  δˡ⁻¹ = (δˡ Wˡ) ⊙ σ'(zˡ⁻¹)
        delta = 2.0 * error / error.size * a * (1.0 - a)
        for l in range(len(self.weights) - 1, -1, -1):
            a_prev = activations[l]
            grad_w = delta.T @ a_prev
            grad_b = delta.sum(axis=0)
            if l:
                delta = (delta @ self.weights[l]) * a_prev * (1.0 - a_prev)
            self.weights[l] -= LEARNING_RATE * grad_w
            self.biases[l] -= LEARNING_RATE * grad_b
        return loss


def make_trainer(layers, x, y) -> Trainer:
    weights, biases = make_parameters(layers)
    network = Network(layers, ["sigmoid"] * (len(layers) - 1), weights, biases)
    settings = TrainingSettings(loss="mse", learning_rate=LEARNING_RATE)
    return Trainer(network, x, y, settings)


def check_same_computation(layers, x, y) -> None:
    """Both sides must compute the same thing, or the comparison means nothing."""
    trainer, loop = make_trainer(layers, x, y), NumpyLoop(layers, x, y)
    for _ in range(3):
        record = trainer.step()
        loss = loop.step()
        if not np.isclose(record.loss.loss, loss, rtol=1e-12, atol=0.0):
            raise SystemExit(f"bpsim and the loop disagree on {layers}: "
                             f"{record.loss.loss} vs {loss}")
    for mine, theirs in zip(trainer.network.weights, loop.weights):
        if not np.allclose(mine, theirs, rtol=1e-12, atol=1e-15):
            raise SystemExit(f"bpsim and the loop disagree on the weights of {layers}")


def time_per_step(step, steps: int) -> float:
    """µs per call of ``step``, over ``steps`` calls."""
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return (time.perf_counter() - start) / steps * 1e6


def measure(layers, batch, steps, repeats) -> tuple[float, float, float, float]:
    """Median µs per step of Trainer.run, Trainer.step and the loop, and the ratio of
    the fastest run/loop; repeats alternate so that background load hits all alike."""
    x, y = make_data(layers, batch)
    check_same_computation(layers, x, y)
    trainer, loop = make_trainer(layers, x, y), NumpyLoop(layers, x, y)
    time_per_step(trainer.step, steps // 5)  # warm-up
    time_per_step(loop.step, steps // 5)
    run_times, step_times, loop_times = [], [], []
    for _ in range(repeats):
        run_times.append(time_run(trainer, steps))
        loop_times.append(time_per_step(loop.step, steps))
        step_times.append(time_per_step(trainer.step, steps))
    return (statistics.median(run_times), statistics.median(step_times),
            statistics.median(loop_times), min(run_times) / min(loop_times))


def time_run(trainer, steps: int) -> float:
    """µs per step of ``trainer.run(steps)``."""
    start = time.perf_counter()
    trainer.run(steps)
    return (time.perf_counter() - start) / steps * 1e6


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=21,
                        help="timed runs per side; the median is reported (default 21)")
    args = parser.parse_args(argv)

    print(f"numpy {np.__version__}, Python {sys.version.split()[0]}; "
          f"median of {args.repeats} runs, µs per training step")
    header = (f"{'case':<28}{'numpy loop':>11}{'run':>9}{'ratio':>8}{'best':>8}"
              f"{'step':>9}{'ratio':>8}   run target ≤ {TARGET_RATIO}×")
    print(header)
    print("-" * len(header))
    within = True
    for label, layers, batch, steps in CASES:
        run_us, step_us, loop_us, best_ratio = measure(layers, batch, steps, args.repeats)
        ratio = run_us / loop_us
        ok = ratio <= TARGET_RATIO
        within &= ok
        print(f"{label:<28}{loop_us:>11.1f}{run_us:>9.1f}{ratio:>7.2f}×{best_ratio:>7.2f}×"
              f"{step_us:>9.1f}{step_us / loop_us:>7.2f}×   "
              f"{'ok' if ok else 'slower than target'}")
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
