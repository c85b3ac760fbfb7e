"""The built-in scenarios load, and each shows what its description promises."""

import numpy as np
import pytest

from bpsim import io

REQUIRED = ("lecture-example", "xor", "deep-sigmoid", "deep-relu", "circles", "spiral",
            "sine")


def test_required_scenarios_are_built_in():
    names = io.builtin_scenario_names()
    assert set(REQUIRED) <= set(names)
    assert names[0] == io.DEFAULT_SCENARIO == "lecture-example"


@pytest.mark.parametrize("name", io.builtin_scenario_names())
def test_builtin_scenario_loads_with_title_and_description(name):
    scenario = io.load_builtin(name)
    assert scenario.title and scenario.description
    assert io.builtin_path(name).name == f"{name}.bpsim.json"
    # a saved built-in scenario reads back identically
    assert io.to_dict(io.loads(io.dumps(scenario))) == io.to_dict(scenario)


def test_unknown_id_lists_the_builtin_scenarios():
    with pytest.raises(io.ScenarioError, match="no such built-in scenario; the built-in "
                                               "scenarios are: lecture-example, xor"):
        io.load_builtin("mnist")


def test_a_builtin_scenario_is_recognised_by_its_title(tmp_path):
    """A saved copy of a built-in scenario keeps its id (and so its tour); a scenario
    of one's own has none."""
    copy = tmp_path / "my-xor.bpsim.json"
    io.save(io.load_builtin("xor"), copy)
    assert io.builtin_id(io.load(copy)) == "xor"
    assert [io.builtin_id(io.load_builtin(name)) for name in io.builtin_scenario_names()] \
        == io.builtin_scenario_names()
    own = io.from_dict(io.to_dict(io.load_builtin("xor")) | {"title": "My own"})
    assert io.builtin_id(own) is None
    assert io.builtin_id(io.from_dict(io.to_dict(own) | {"title": ""})) is None


def first_step_grad_norms(name):
    return io.load_builtin(name).trainer().step().grad_norms


def test_deep_sigmoid_gradient_vanishes_towards_the_input():
    norms = first_step_grad_norms("deep-sigmoid")
    assert len(norms) >= 9  # 8 hidden sigmoid layers and the output layer
    assert norms[-1] / norms[0] >= 100
    assert norms[-1] / norms[0] == pytest.approx(2.2e6, rel=0.05)


def test_deep_relu_gradient_reaches_the_input():
    sigmoid, relu = io.load_builtin("deep-sigmoid"), io.load_builtin("deep-relu")
    assert relu.network.layers == sigmoid.network.layers
    assert relu.data == sigmoid.data
    norms = first_step_grad_norms("deep-relu")
    assert norms[-1] / norms[0] < 100
    assert norms[-1] / norms[0] == pytest.approx(3.96, rel=0.05)


def train(name, steps):
    scenario = io.load_builtin(name)
    records = scenario.trainer().train(steps)
    assert not records[-1].diverged
    return scenario, [r.loss.loss for r in records]


def accuracy(scenario):
    dataset = scenario.dataset()
    return np.mean((scenario.network.predict(dataset.x) > 0.5) == (dataset.y > 0.5))


def test_xor_learns_within_5000_steps():
    scenario, losses = train("xor", 5000)
    first_below = next(k for k, loss in enumerate(losses) if loss < 0.01)
    assert 1000 < first_below < 5000
    assert accuracy(scenario) == 1.0


def test_deep_sigmoid_stays_stuck_while_deep_relu_learns():
    _, stuck = train("deep-sigmoid", 200)
    assert stuck[-1] == pytest.approx(np.log(2), abs=0.01)
    relu, losses = train("deep-relu", 200)
    assert losses[-1] < 0.2
    assert accuracy(relu) > 0.95


@pytest.mark.parametrize("name, steps, accuracy_above",
                         [("circles", 600, 0.95), ("spiral", 1000, 0.95)])
def test_classification_scenarios_learn(name, steps, accuracy_above):
    scenario, losses = train(name, steps)
    assert losses[-1] < losses[0] / 5
    assert accuracy(scenario) > accuracy_above


def test_sine_fits_down_to_the_noise():
    scenario, losses = train("sine", 1500)
    # noise σ = 0.05 around sin(x): the best mean squared error is about σ² = 0.0025
    assert losses[-1] < 0.004
