"""The vanishing-gradient and learning-rate lab: train copies of a scenario that differ
in one setting.

Every variant starts from the same place and sees the same batches, so any difference
in the loss curves and in the per-layer gradient profile comes from the one setting:

- ``"activation"``: the hidden layers' activation (sigmoid, tanh, relu, leaky_relu);
  all variants start from the scenario's current weights.  The output layer keeps its
  activation.
- ``"init"``: the initializer scheme (an :class:`~bpsim.initializers.InitSpec` or a
  scheme name); each variant draws its own weights with the scenario's init seed.
- ``"learning_rate"``, ``"momentum"``: η or μ (numbers, each checked against the
  settings table's range); ``"optimizer"``: sgd, nesterov, rmsprop or adam.  All
  variants start from the scenario's current weights, so "η = 1, 0.05, 0.001" shows
  one network overshooting, converging and crawling side by side.

The given scenario is never changed: each variant trains its own copy.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Callable

import numpy as np

from . import activations as act
from .blas import one_blas_thread
from .history import mean_abs_gradients
from .initializers import SCHEMES, InitSpec, initialize
from . import settings_spec
from .network import Network
from .notation.numbers import format_exact, parse_number
from .scenario import Scenario
from .training import OPTIMIZER_SETTINGS, OPTIMIZERS, Trainer, TrainingSettings

SETTINGS = ("activation", "init", "learning_rate", "momentum", "optimizer")
#: the settings of training (the network stays as it is)
TRAINING_SETTINGS = ("learning_rate", "momentum", "optimizer")
#: the settings whose variants a person types as a list of numbers
NUMBER_SETTINGS = ("learning_rate", "momentum")
#: the most variants one comparison trains (each has its own colour and symbol)
MAX_VARIANTS = 8

OPTIMIZER_LABELS = {"sgd": "SGD", "nesterov": "Nesterov", "rmsprop": "RMSprop",
                    "adam": "Adam"}

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
    #: one of SETTINGS
    setting: str
    #: the activation name, the InitSpec, the number (η, μ) or the optimizer's name
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
    if setting in NUMBER_SETTINGS:
        # the exact number: η = 0.001 and η = 0.0012 must not share a legend entry
        return f"{settings_spec.get(setting).symbol} = {format_exact(variant)}"
    if setting == "optimizer":
        return OPTIMIZER_LABELS.get(variant, variant)
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


def parse_values(setting: str, text: str) -> list[float]:
    """The numbers a person typed for η or μ: "1, 0.05, 0.001", "1; 0.05; 0.001" or
    "1 0.05 0.001" (a lone "0,5" is a decimal comma, as everywhere in bpsim).  Each is
    read by :func:`~bpsim.notation.numbers.parse_number` and checked against the
    settings table's range; ValueError says which one is refused and why."""
    spec = settings_spec.get(setting)
    tokens = [t for t in re.split(r";|,\s|\s", text.strip()) if t]
    pieces = []
    for token in tokens:
        token = token.strip(",")
        # "1,0.05" or "1,2,3": commas between numbers (a decimal comma has no dot
        # beside it and comes once)
        if "," in token and ("." in token or token.count(",") > 1):
            pieces += [t for t in token.split(",") if t]
        elif token:
            pieces.append(token)
    if not pieces:
        raise ValueError(f"Type one or more values of {settings_spec.phrase(setting)}, "
                         "e.g. 1, 0.05, 0.001")
    values = []
    for piece in pieces:
        try:
            number = parse_number(piece)
            # a whole number is shown as typed in the message ("got -1", not "-1.0")
            number = spec.check(int(number) if number.is_integer() else number)
        except ValueError as error:
            raise ValueError(f"{spec.title}: {_sentence(error)}") from None
        if number in values:
            raise ValueError(f"{spec.title}: {format_exact(number)} is listed twice")
        values.append(number)
    if len(values) > MAX_VARIANTS:
        raise ValueError(f"{spec.title}: at most {MAX_VARIANTS} values, got {len(values)}")
    return values


def _sentence(error: ValueError) -> str:
    text = str(error)
    return text[:1].lower() + text[1:] if text[:1].isupper() and text[1:2].islower() \
        else text


def variant_training(scenario: Scenario, setting: str, variant) -> TrainingSettings:
    """The scenario's training settings with the one setting changed (η, μ or the
    optimizer), checked against the settings table; ValueError otherwise."""
    training = scenario.training
    if setting not in TRAINING_SETTINGS:
        return training
    value = settings_spec.check(setting, variant)
    if setting == "momentum" and "momentum" not in OPTIMIZER_SETTINGS[training.optimizer]:
        raise ValueError(f"the momentum μ acts with SGD and Nesterov only; the optimizer "
                         f"is {OPTIMIZER_LABELS[training.optimizer]}")
    if setting == "optimizer" and value not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {value!r}")
    return replace(training, **{setting: value})


def variant_network(scenario: Scenario, setting: str, variant) -> Network:
    """The scenario's network with the one setting changed (a new object); for a
    training setting, a copy of it as it is (the same starting weights)."""
    net = scenario.network
    if setting in TRAINING_SETTINGS:
        return net.copy()
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
    # a diverging variant is reported in its result (divergence), not by numpy warnings
    with one_blas_thread(), np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return _compare(scenario, setting, list(variants), int(steps), progress, cancelled)


def _compare(scenario, setting, variants, steps, progress, cancelled):
    networks = [variant_network(scenario, setting, v) for v in variants]
    trainings = [variant_training(scenario, setting, v) for v in variants]
    # Targets as the output layer sees them; the same for every variant.
    dataset = scenario.dataset()
    total = steps * len(variants)
    report_every = max(1, total // 200)
    done = 0
    results = []
    for variant, network, training in zip(variants, networks, trainings):
        # The same seed gives every variant the same batches.
        trainer = Trainer(network, dataset.x, dataset.y, training)
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
