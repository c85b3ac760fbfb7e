"""Weight initializers.  Every scheme draws from a seeded numpy Generator.

Biases start at zero for every scheme except ``constant``, which sets them to c too.
fan_in = n_{l-1}, fan_out = n_l for the weights W⁽ˡ⁾ of shape (n_l, n_{l-1}).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

SCHEMES = ("xavier_uniform", "xavier_normal", "he_uniform", "he_normal",
           "uniform", "normal", "constant", "zeros")

#: Parameters of each scheme with their defaults.
SCHEME_PARAMS: dict[str, dict[str, float]] = {
    "uniform": {"a": -0.5, "b": 0.5},
    "normal": {"sigma": 0.1},
    "constant": {"c": 0.1},
}


@dataclass(frozen=True)
class InitSpec:
    """How weights are (re)initialized: a scheme, its parameters, and a seed."""

    scheme: str = "xavier_uniform"
    seed: int = 0
    params: dict = field(default_factory=dict)

    def param(self, name: str) -> float:
        return float(self.params.get(name, SCHEME_PARAMS.get(self.scheme, {})[name]))


def _layer(rng, spec: InitSpec, fan_out: int, fan_in: int) -> tuple[np.ndarray, np.ndarray]:
    shape = (fan_out, fan_in)
    scheme = spec.scheme
    bias = np.zeros(fan_out)
    if scheme == "xavier_uniform":  # U(±√(6/(fan_in+fan_out)))
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, shape), bias
    if scheme == "xavier_normal":  # N(0, 2/(fan_in+fan_out))
        return rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)), shape), bias
    if scheme == "he_uniform":  # U(±√(6/fan_in))
        limit = np.sqrt(6.0 / fan_in)
        return rng.uniform(-limit, limit, shape), bias
    if scheme == "he_normal":  # N(0, 2/fan_in)
        return rng.normal(0.0, np.sqrt(2.0 / fan_in), shape), bias
    if scheme == "uniform":
        return rng.uniform(spec.param("a"), spec.param("b"), shape), bias
    if scheme == "normal":
        # + 0.0 turns a σ of −0.0 into 0.0: numpy refuses a negative-signed scale
        return rng.normal(0.0, spec.param("sigma") + 0.0, shape), bias
    if scheme == "constant":
        c = spec.param("c")
        return np.full(shape, c), np.full(fan_out, c)
    if scheme == "zeros":
        return np.zeros(shape), bias
    raise KeyError(scheme)


def initialize(layers: list[int], spec: InitSpec) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Weights and biases for a network of the given layer sizes."""
    rng = np.random.default_rng(spec.seed)
    weights, biases = [], []
    for fan_in, fan_out in zip(layers[:-1], layers[1:]):
        w, b = _layer(rng, spec, fan_out, fan_in)
        weights.append(w)
        biases.append(b)
    return weights, biases
