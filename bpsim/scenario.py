"""A scenario is what a scenario file (.bpsim.json) holds: a network, training settings, and data.

:meth:`Scenario.check` holds the rules that tie one part to another (the loss against
the output layer, the samples against the input and output layers); each part's own
values are checked by :mod:`bpsim.settings_spec`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

import numpy as np

from . import data as data_mod
from . import features as features_mod
from .initializers import InitSpec, initialize
from .network import Network
from .notation.symbols import Numbering
from .training import Trainer, TrainingSettings


class ScenarioError(ValueError):
    """A scenario (or scenario file) that cannot be used.

    ``str(error)`` is ``"<where>: <problem>"``; ``where`` is a path into the file's
    JSON (``network.weights[1][0][2]``) or, for problems with the file itself, the file
    name.  ``source`` names the file or string the scenario came from.
    """

    def __init__(self, where: str, problem: str, source: str | None = None):
        self.where = where
        self.problem = problem
        self.source = source
        super().__init__(f"{where}: {problem}" if where else problem)

    def report(self) -> str:
        """One line naming the file and the problem, for a terminal or a dialog."""
        text = str(self)
        if self.source is None or self.where == self.source:
            return text
        return f"{self.source}: {text}"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _shown(values) -> str:
    text = json.dumps([float(v) for v in values])
    return text if len(text) <= 40 else f"a list of {len(values)} items"


#: output activations whose values lie strictly between 0 and 1
_PROBABILITY_OUTPUTS = ("sigmoid", "softmax")


@dataclass(frozen=True)
class DataSpec:
    """Either literal samples or a generator with its parameters."""

    #: ((x, y), ...) with x and y tuples of floats; None when a generator is used
    samples: tuple | None = None
    generator: str | None = None
    n: int = 0
    noise: float = 0.0
    seed: int = 0
    #: the input layer's features of the 2-D points (:mod:`bpsim.features`); the
    #: default is the points themselves
    features: tuple = features_mod.DEFAULT_FEATURES
    #: the share of the samples held out for testing (chosen by ``seed``)
    test_fraction: float = 0.0

    @classmethod
    def from_samples(cls, samples, features=features_mod.DEFAULT_FEATURES,
                     test_fraction: float = 0.0, seed: int = 0) -> "DataSpec":
        return cls(samples=tuple((tuple(map(float, x)), tuple(map(float, y)))
                                 for x, y in samples), features=tuple(features),
                   test_fraction=test_fraction, seed=seed)

    @property
    def has_features(self) -> bool:
        """The input layer gets features of the points, not the points themselves."""
        return not features_mod.is_default(self.features)

    def network_inputs(self, points: np.ndarray) -> np.ndarray:
        """What the input layer gets for raw points: their feature columns."""
        return features_mod.columns(self.features, points)

    @property
    def sample_count(self) -> int:
        return self.n if self.generator is not None else len(self.samples)

    def split(self) -> tuple[np.ndarray, np.ndarray]:
        """(training indices, test indices) into :meth:`dataset`: see
        :func:`bpsim.data.split`."""
        return data_mod.split(self.sample_count, self.test_fraction, self.seed)

    @property
    def is_generated(self) -> bool:
        return self.generator is not None

    def dataset(self) -> data_mod.Dataset:
        if self.generator is not None:
            return data_mod.generate(self.generator, self.n, self.noise, self.seed)
        x = np.array([s[0] for s in self.samples], dtype=float)
        y = np.array([s[1] for s in self.samples], dtype=float)
        return data_mod.Dataset(x.reshape(len(self.samples), -1),
                                y.reshape(len(self.samples), -1))


def targets_for(y: np.ndarray, n_out: int, loss: str) -> np.ndarray:
    """Targets as the output layer sees them: class indices become one-hot rows for
    cross-entropy over several outputs."""
    if loss == "cross_entropy" and y.shape[1] == 1 and n_out > 1:
        return np.eye(n_out)[y[:, 0].astype(int)]
    return y


@dataclass
class Scenario:
    network: Network
    training: TrainingSettings = field(default_factory=TrainingSettings)
    data: DataSpec = field(default_factory=DataSpec)
    #: how "re-initialize weights" draws new ones
    init: InitSpec = field(default_factory=InitSpec)
    title: str = ""
    description: str = ""
    #: how layers are numbered on screen (the file's "notation": {"input_layer": 1})
    numbering: Numbering = field(default_factory=Numbering)

    def dataset(self) -> data_mod.Dataset:
        """The samples, with targets in the output layer's form."""
        ds = self.data.dataset()
        y = targets_for(ds.y, self.network.layers[-1], self.training.loss)
        if self.data.has_features:
            return data_mod.Dataset(self.data.network_inputs(ds.x), y, points=ds.x)
        return data_mod.Dataset(ds.x, y)

    def trainer(self, dataset: data_mod.Dataset | None = None) -> Trainer:
        """A trainer that updates this scenario's network in place (on ``dataset``,
        when the caller already has this scenario's :meth:`dataset`)."""
        ds = dataset if dataset is not None else self.dataset()
        return Trainer(self.network, ds.x, ds.y, self.training, self.data.split())

    def copy(self) -> "Scenario":
        return replace(self, network=self.network.copy())

    def check(self) -> "Scenario":
        """The scenario itself if its parts fit together, else ScenarioError naming the
        first rule broken, with its place in the file (``training.loss: bce needs …``).

        The rules: every weight and bias finite; a uniform initializer's a ≤ b; bce needs outputs in (0, 1) (sigmoid
        or softmax) and targets in [0, 1]; cross-entropy needs a softmax output of at
        least 2 neurons and one-hot targets (or class indices); each sample has one x
        per input neuron and one y per output neuron; a generator makes samples of the
        network's input and output widths, with targets the loss can use.
        """
        check_init(self.init)
        net, loss = self.network, self.training.loss
        _check_finite_parameters(net)
        n_in, n_out, output = net.layers[0], net.layers[-1], net.activations[-1]
        if loss == "cross_entropy":
            if n_out < 2:
                raise ScenarioError("training.loss", "cross_entropy needs at least 2 "
                                                     "output neurons (use bce for one output)")
            if output != "softmax":
                # −Σ y_k log ŷ_k only pushes the other classes down through softmax's sum
                raise ScenarioError("training.loss", "cross_entropy needs a softmax "
                                                     f"output layer, not {output}")
        if loss == "bce" and output not in _PROBABILITY_OUTPUTS:
            # log ŷ and log(1 − ŷ) exist only for outputs strictly between 0 and 1
            raise ScenarioError("training.loss", "bce needs outputs between 0 and 1: use a "
                                                 "sigmoid (or softmax) output layer, not "
                                                 f"{output}")
        points_in = n_in
        if self.data.has_features:
            points_in = _check_features(self.data, n_in)
        if self.data.is_generated:
            _check_generator(self.data.generator, points_in, n_out, loss)
        else:
            _check_samples(self.data.samples, points_in, n_out, loss)
        samples = self.data.n if self.data.is_generated else len(self.data.samples)
        work = samples * weight_count(net.layers)
        if work > MAX_WORK:
            # a pass over the whole dataset (the loss after training, the plots) costs
            # one multiply-add per sample and weight
            raise ScenarioError("data", f"{samples:,} samples × {weight_count(net.layers):,} "
                                        f"weights is {work:,} multiply-adds per pass; at "
                                        f"most {MAX_WORK:,} (fewer samples or a smaller "
                                        "network)")
        values = samples * sum(int(n) for n in net.layers)
        if values > MAX_NEURON_VALUES:
            # a step keeps z, a and δ of every neuron for every sample of the batch
            raise ScenarioError("data", f"{samples:,} samples × {sum(net.layers):,} neurons "
                                        f"is {values:,} neuron values per pass; at most "
                                        f"{MAX_NEURON_VALUES:,} (fewer samples or a smaller "
                                        "network)")
        return self

    def reinitialize(self, init: InitSpec | None = None) -> None:
        """Draw new weights and biases with ``init`` (default: this scenario's)."""
        if init is not None:
            self.init = init
        weights, biases = initialize(self.network.layers, self.init)
        self.network.set_parameters(weights, biases)


#: samples × weights: the most one pass over the whole dataset may cost, in multiply-
#: adds (a training step on all samples takes about 1 ns each: well under a second)
MAX_WORK = 400_000_000


#: samples × neurons: the most neuron values one pass over the whole dataset may make
#: (a step's records take about 100 ns per value: under half a second)
MAX_NEURON_VALUES = 5_000_000


def weight_count(layers) -> int:
    """Σ n_l · n_{l−1}: the weights of a network of these layer sizes."""
    return sum(int(a) * int(b) for a, b in zip(layers[:-1], layers[1:]))


def check_init(init: InitSpec) -> None:
    """ScenarioError unless ``init`` can draw weights (a uniform's a ≤ b)."""
    if init.scheme == "uniform" and init.param("a") > init.param("b"):
        raise ScenarioError("network.init.b", f"must be at least a ({init.param('a')!r}), "
                                              f"got {init.param('b')!r}")


def _check_finite_parameters(network) -> None:
    """Every weight and bias a finite number (joining two layers multiplies their
    weights, which can overflow even where each weight is finite)."""
    for kind, arrays in (("weights", network.weights), ("biases", network.biases)):
        for layer, values in enumerate(arrays):
            if not np.all(np.isfinite(values)):
                raise ScenarioError(f"network.{kind}[{layer}]",
                                    "has values too large to hold (±∞ or NaN)")


def _check_features(data: DataSpec, n_in: int) -> int:
    """The width of the raw points (2) when ``data``'s features suit an input layer of
    ``n_in`` neurons, else ScenarioError."""
    where = "data.features"
    problem = features_mod.problem(data.features)
    if problem:
        raise ScenarioError(where, problem)
    width = (data_mod.GENERATOR_SHAPES[data.generator][0] if data.is_generated
             else len(data.samples[0][0]) if data.samples else 2)
    if width != 2:
        source = f"“{data.generator}” gives" if data.is_generated else "the samples have"
        raise ScenarioError(where, f"features are made from 2-D points (x₁, x₂), but "
                                   f"{source} {_plural(width, 'input')}")
    if len(data.features) != n_in:
        raise ScenarioError(where, f"{_plural(len(data.features), 'feature')}, but the "
                                   f"input layer has {_plural(n_in, 'neuron')}")
    return 2


def _check_generator(name: str, n_in: int, n_out: int, loss: str) -> None:
    gives_in, gives_out = data_mod.GENERATOR_SHAPES[name]
    where = "data.generator"
    if n_in != gives_in:
        raise ScenarioError(where, f"{name} gives {_plural(gives_in, 'input')}, but the "
                                   f"input layer has {_plural(n_in, 'neuron')}")
    regression = name == "sine"
    if loss == "cross_entropy":
        # the classifiers give one class index per sample, which suits any width ≥ 2
        if regression:
            raise ScenarioError(where, f"{name} gives real-valued targets; "
                                       "cross_entropy needs classes")
    elif n_out != gives_out:
        raise ScenarioError(where, f"{name} gives {_plural(gives_out, 'target')}, but the "
                                   f"output layer has {_plural(n_out, 'neuron')}")
    elif loss == "bce" and regression:
        raise ScenarioError(where, f"{name} gives targets outside 0..1; "
                                   "bce needs targets between 0 and 1")


def _check_samples(samples, n_in: int, n_out: int, loss: str) -> None:
    for k, (x, y) in enumerate(samples):
        where = f"data.samples[{k}]"
        if len(x) != n_in:
            raise ScenarioError(f"{where}.x", f"expected {n_in} numbers (the input layer "
                                              f"has {_plural(n_in, 'neuron')}), got {len(x)}")
        problem = target_problem(y, n_out, loss)
        if problem:
            raise ScenarioError(f"{where}.y", problem)


def target_problem(y, n_out: int, loss: str) -> str:
    """Why ``y`` cannot be the target of a network with ``n_out`` outputs trained with
    ``loss`` ("" when it can)."""
    if loss == "cross_entropy":
        # a one-hot row of n_out numbers, or one class index 0..n_out−1
        if len(y) not in (1, n_out):
            return (f"expected a one-hot row of {n_out} numbers or one class index, got "
                    f"{len(y)} numbers")
        if len(y) == 1:
            index = float(y[0])
            if not (index.is_integer() and 0 <= index < n_out):
                # 1e308 is a whole number too: written as a float, not its 309 digits
                shown = int(index) if index.is_integer() and abs(index) < 1e15 else index
                return (f"a class index must be a whole number from 0 to {n_out - 1}, "
                        f"got {shown!r}")
        elif sorted(y) != [0.0] * (n_out - 1) + [1.0]:
            return f"cross_entropy needs a one-hot row (one 1, the rest 0), got {_shown(y)}"
        return ""
    if len(y) != n_out:
        return (f"expected {n_out} numbers (the output layer has "
                f"{_plural(n_out, 'neuron')}), got {len(y)}")
    if loss == "bce" and not all(0.0 <= v <= 1.0 for v in y):
        return f"bce needs targets between 0 and 1, got {_shown(y)}"
    return ""
