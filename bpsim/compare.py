"""The vanishing-gradient lab: train copies of a scenario that differ in one setting.

Every variant starts from the same place and sees the same batches, so any difference
in the loss curves and in the per-layer gradient profile comes from the one setting:

- ``"activation"``: the hidden layers' activation (sigmoid, tanh, relu, leaky_relu);
  all variants start from the scenario's current weights.  The output layer keeps its
  activation.
- ``"init"``: the initializer scheme (an :class:`~bpsim.initializers.InitSpec` or a
  scheme name); each variant draws its own weights with the scenario's init seed.

The given scenario is never changed: each variant trains its own copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import activations as act
from .blas import one_blas_thread
from .history import mean_abs_gradients
from .initializers import SCHEMES, InitSpec, initialize
from .network import Network
from .scenario import Scenario
from .training import Trainer

SETTINGS = ("activation", "init")

#: the hidden activations the lab offers, in the order of the lecture
ACTIVATION_VARIANTS = ("sigmoid", "tanh", "relu", "leaky_relu")

INIT_LABELS = {
    "xavier_uniform": "Xavier uniform", "xavier_normal": "Xavier normal",
    "he_uniform": "He uniform", "he_normal": "He normal", "uniform": "Uniform",
    "normal": "Normal", "constant": "Constant", "zeros": "Zeros",
}


@dataclass(frozen=True)
class CompareResult:
    """One variant's run."""

    #: what the variant is called in legends, e.g. "Sigmoid" or "He normal"
    label: str
    #: "activation" or "init"
    setting: str
    #: the activation name or the InitSpec
    variant: object
    #: J of each step, shape (steps_done,)
    losses: np.ndarray
    #: ‖∂J/∂W⁽ˡ⁾‖ of each step, shape (steps_done, L), layer 1 (input side) first
    grad_norms: np.ndarray
    #: mean |∂J/∂w| of each layer at each step, shape (steps_done, L)
    mean_abs_grads: np.ndarray
    #: None, or where the loss diverged, e.g. "step 12, forward layer 3"
    divergence: str | None = None

    @property
    def steps_done(self) -> int:
        return len(self.losses)

    @property
    def initial_profile(self) -> np.ndarray:
        """‖∂J/∂W⁽ˡ⁾‖ per layer at the first step (the weights as initialized)."""
        return self.grad_norms[0]

    @property
    def final_profile(self) -> np.ndarray:
        """‖∂J/∂W⁽ˡ⁾‖ per layer at the last step run."""
        return self.grad_norms[-1]


def label_for(setting: str, variant) -> str:
    if setting == "activation":
        return act.get(variant).label
    spec = _init_spec(variant, InitSpec())
    return INIT_LABELS.get(spec.scheme, spec.scheme)


def _init_spec(variant, base: InitSpec) -> InitSpec:
    """A scheme name becomes an InitSpec with the scenario's seed (and its parameters
    when it is the scenario's own scheme)."""
    if isinstance(variant, InitSpec):
        return variant
    if variant not in SCHEMES:
        raise ValueError(f"unknown initializer {variant!r}")
    params = base.params if variant == base.scheme else {}
    return InitSpec(variant, base.seed, dict(params))


def variant_network(scenario: Scenario, setting: str, variant) -> Network:
    """The scenario's network with the one setting changed (a new object)."""
    net = scenario.network
    if setting == "activation":
        if net.depth < 2:
            raise ValueError("comparing activations needs at least one hidden layer")
        activations = [act.canonical(variant)] * (net.depth - 1) + [net.activations[-1]]
        return Network(net.layers, activations, net.weights, net.biases, net.leaky_slope)
    if setting == "init":
        weights, biases = initialize(net.layers, _init_spec(variant, scenario.init))
        return Network(net.layers, net.activations, weights, biases, net.leaky_slope)
    raise ValueError(f"unknown setting {setting!r}; expected one of {SETTINGS}")


def compare(scenario: Scenario, setting: str, variants, steps: int,
            progress: Callable[[int, int], None] | None = None,
            cancelled: Callable[[], bool] | None = None) -> list[CompareResult]:
    """Train one copy of ``scenario`` per variant for ``steps`` steps.

    ``progress(k, total)`` is called now and then with the steps done over all
    variants; when ``cancelled()`` returns True the run stops, and the results so far
    are returned (the last one possibly shorter).  A variant that diverges stops there.
    """
    with one_blas_thread():  # small matrices: see bpsim.blas
        return _compare(scenario, setting, list(variants), int(steps), progress, cancelled)


def _compare(scenario, setting, variants, steps, progress, cancelled):
    networks = [variant_network(scenario, setting, v) for v in variants]
    # Targets as the output layer sees them; the same for every variant.
    dataset = scenario.dataset()
    total = steps * len(variants)
    report_every = max(1, total // 200)
    done = 0
    results = []
    for variant, network in zip(variants, networks):
        # The same settings (and so the same seed) give every variant the same batches.
        trainer = Trainer(network, dataset.x, dataset.y, scenario.training)
        depth = network.depth
        losses = np.empty(steps)
        grad_norms = np.empty((steps, depth))
        mean_abs = np.empty((steps, depth))
        divergence = None
        stopped = False
        k = 0
        while k < steps:
            if cancelled is not None and cancelled():
                stopped = True
                break
            record = trainer.step()
            losses[k] = record.loss.loss
            grad_norms[k] = record.grad_norms
            mean_abs[k] = mean_abs_gradients(record)
            k += 1
            done += 1
            if progress is not None and done % report_every == 0:
                progress(done, total)
            if record.diverged:
                divergence = f"step {record.step + 1}, {record.divergence}"
                break
        if k:
            results.append(CompareResult(label_for(setting, variant), setting, variant,
                                         losses[:k], grad_norms[:k], mean_abs[:k],
                                         divergence))
        if stopped:
            break
        done += steps - k  # a diverged variant's remaining steps count as done
    if progress is not None and done % report_every:
        progress(done, total)
    return results
