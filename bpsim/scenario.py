"""A scenario is what a lesson file holds: a network, training settings, and data."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from . import data as data_mod
from .initializers import InitSpec, initialize
from .network import Network
from .training import Trainer, TrainingSettings


@dataclass(frozen=True)
class DataSpec:
    """Either literal samples or a generator with its parameters."""

    #: ((x, y), ...) with x and y tuples of floats; None when a generator is used
    samples: tuple | None = None
    generator: str | None = None
    n: int = 0
    noise: float = 0.0
    seed: int = 0

    @classmethod
    def from_samples(cls, samples) -> "DataSpec":
        return cls(samples=tuple((tuple(map(float, x)), tuple(map(float, y)))
                                 for x, y in samples))

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

    def dataset(self) -> data_mod.Dataset:
        """The samples, with targets in the output layer's form."""
        ds = self.data.dataset()
        return data_mod.Dataset(ds.x, targets_for(ds.y, self.network.layers[-1],
                                                  self.training.loss))

    def trainer(self, dataset: data_mod.Dataset | None = None) -> Trainer:
        """A trainer that updates this scenario's network in place (on ``dataset``,
        when the caller already has this scenario's :meth:`dataset`)."""
        ds = dataset if dataset is not None else self.dataset()
        return Trainer(self.network, ds.x, ds.y, self.training)

    def copy(self) -> "Scenario":
        return replace(self, network=self.network.copy())

    def reinitialize(self, init: InitSpec | None = None) -> None:
        """Draw new weights and biases with ``init`` (default: this scenario's)."""
        if init is not None:
            self.init = init
        weights, biases = initialize(self.network.layers, self.init)
        self.network.set_parameters(weights, biases)
