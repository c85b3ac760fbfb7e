"""Shared fixtures: the built-in scenarios, each a fresh copy a test may change."""

import os

import pytest

# Tests never need a screen: Qt renders offscreen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture
def built_in():
    """``built_in(name)``: a fresh copy of the built-in scenario ``name``, read from its
    file as ``bpsim`` opens it (each call a new one)."""
    from bpsim import io

    return io.load_builtin


@pytest.fixture
def lecture_example(built_in):
    """The lecture's worked example: x = 3, w = 0.1, b = 0 (not trained), identity,
    y = 1, loss (ŷ − y)², η = 1.  One step: ŷ = 0.3, J = 0.49, ∂J/∂w = −4.2, w → 4.3."""
    return built_in("lecture-example")


@pytest.fixture
def xor(built_in):
    """XOR with one hidden layer: 2-2-1 sigmoid, the four samples, ½Σ(ŷ − y)², η = 1."""
    return built_in("xor")


@pytest.fixture
def deep_sigmoid(built_in):
    """Eight hidden layers of eight sigmoid neurons: the first layers' gradients vanish."""
    return built_in("deep-sigmoid")


@pytest.fixture
def two_blas_threads(monkeypatch):
    """BLAS on two threads and no bpsim limit in force (as in a script that imports
    the engine), so that a test sees the engine set one thread and give the two back.
    Whatever this process had (a window test holds one thread) returns afterwards."""
    from threadpoolctl import threadpool_limits

    from bpsim import blas

    for name, value in (("_users", 0), ("_limiter", None), ("_held", False)):
        monkeypatch.setattr(blas, name, value)
    with threadpool_limits(limits=2, user_api="blas"):
        if blas.blas_threads() != 2:
            pytest.skip("numpy's BLAS will not run on two threads here")
        yield
