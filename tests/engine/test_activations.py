"""Each activation, its derivative, and the numerically delicate cases."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from bpsim import activations as act

EPSILON = 1e-6
SLOPE = 0.2  # a non-default leaky slope, so that using the default would show

#: z values away from the ReLU kink at 0, both signs, small and large
Z = np.array([[-3.0, -0.7, -0.01, 0.02, 0.5, 2.5],
              [-12.0, -1.3, 0.3, 1.7, 6.0, -0.2]])


@pytest.mark.parametrize("name", ["identity", "linear", "sigmoid", "tanh", "relu",
                                  "leaky_relu"])
def test_derivative_matches_finite_differences(name):
    a = act.forward(name, Z, SLOPE)
    numerical = (act.forward(name, Z + EPSILON, SLOPE)
                 - act.forward(name, Z - EPSILON, SLOPE)) / (2 * EPSILON)
    np.testing.assert_allclose(act.derivative(name, Z, a, SLOPE), numerical,
                               rtol=1e-7, atol=1e-10)
    # backward is f'(z) ⊙ ∂J/∂a for elementwise activations
    grad_a = np.linspace(-1.0, 2.0, Z.size).reshape(Z.shape)
    np.testing.assert_allclose(act.backward(name, Z, a, grad_a, SLOPE),
                               grad_a * numerical, rtol=1e-7, atol=1e-10)


def test_softmax_backward_is_the_jacobian_product():
    grad_a = np.array([[0.3, -1.0, 2.0, 0.1, 0.0, -0.4],
                       [1.0, 1.0, -2.0, 0.5, 0.25, 3.0]])
    a = act.softmax(Z)

    def objective(z):  # Σ ∂J/∂a · softmax(z), whose gradient is the vector-Jacobian product
        return np.sum(grad_a * act.softmax(z))

    numerical = np.zeros_like(Z)
    for index in np.ndindex(Z.shape):
        step = np.zeros_like(Z)
        step[index] = EPSILON
        numerical[index] = (objective(Z + step) - objective(Z - step)) / (2 * EPSILON)
    np.testing.assert_allclose(act.backward("softmax", Z, a, grad_a), numerical,
                               rtol=1e-6, atol=1e-10)
    # its "derivative" (shown in the window) is the Jacobian's diagonal a_k(1 − a_k)
    np.testing.assert_allclose(act.derivative("softmax", Z, a), a * (1 - a))


def test_relu_and_leaky_relu_by_the_formula():
    z = np.array([-2.0, 0.0, 3.0])
    assert act.relu(z).tolist() == [0.0, 0.0, 3.0]
    assert act.leaky_relu(z, SLOPE).tolist() == [-2.0 * SLOPE, 0.0, 3.0]
    assert act.leaky_relu(z).tolist() == [-2.0 * act.DEFAULT_LEAKY_SLOPE, 0.0, 3.0]
    # at the kink the derivative taken is the left one: 0 for ReLU, α for leaky ReLU
    assert act.relu_derivative(z, act.relu(z)).tolist() == [0.0, 0.0, 1.0]
    assert act.leaky_relu_derivative(z, None, SLOPE).tolist() == [SLOPE, SLOPE, 1.0]


def test_sigmoid_is_stable_for_huge_inputs():
    z = np.array([-1000.0, -40.0, 0.0, 40.0, 1000.0])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        a = act.sigmoid(z)
        derivative = act.sigmoid_derivative(z, a)
    assert 0.0 <= a[0] < 1e-300 and a[-1] == 1.0 and a[2] == 0.5
    # far out on the negative side the value is tiny but still relatively exact
    assert a[1] == pytest.approx(np.exp(-40.0), rel=1e-12)
    assert np.all(np.isfinite(derivative))
    assert 0.0 <= derivative[0] < 1e-300 and derivative[-1] == 0.0
    # σ(−z) = 1 − σ(z)
    mid = np.linspace(-8, 8, 33)
    np.testing.assert_allclose(act.sigmoid(-mid), 1 - act.sigmoid(mid), atol=1e-15)


@pytest.mark.parametrize("name", sorted(act.ACTIVATIONS))
def test_a_single_number_works_like_an_array(name):
    # the window evaluates f(z) of one neuron; a plain float must give the same result
    for z in (-2.5, 0.0, 1.5):
        one = act.forward(name, z, SLOPE)
        assert np.shape(one) == ()
        assert float(one) == act.forward(name, np.array([z]), SLOPE)[0]


def test_softmax_rows_sum_to_one_even_for_huge_inputs():
    z = np.array([[1000.0, 1001.0, 999.0],
                  [-1000.0, -1000.0, -1000.0],
                  [800.0, -800.0, 0.0],
                  [0.0, 1.0, 2.0]])
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        a = act.softmax(z)
    assert np.all(np.isfinite(a))
    np.testing.assert_allclose(a.sum(axis=1), 1.0, rtol=1e-15)
    # only differences of z matter: the first row is the last one shifted by 999
    np.testing.assert_allclose(a[0], a[3][[1, 2, 0]], rtol=1e-15)
    np.testing.assert_allclose(a[1], 1 / 3)
    assert a[2].tolist() == [1.0, 0.0, 0.0]


def test_names_and_alias():
    assert act.canonical("linear") == "identity"
    assert set(act.HIDDEN_ACTIVATIONS) == set(act.ACTIVATIONS) - {"softmax"}
    with pytest.raises(KeyError):
        act.canonical("swish")
