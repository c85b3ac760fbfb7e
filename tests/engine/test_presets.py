"""The bundled presets load, and each shows what its description promises."""

import numpy as np
import pytest

from bpsim import io

REQUIRED = ("lecture-example", "xor", "deep-sigmoid", "deep-relu", "circles", "spiral",
            "sine")


def test_required_presets_are_bundled():
    names = io.preset_names()
    assert set(REQUIRED) <= set(names)
    assert names[0] == io.DEFAULT_PRESET == "lecture-example"


@pytest.mark.parametrize("name", io.preset_names())
def test_preset_loads_with_title_and_description(name):
    scenario = io.load_preset(name)
    assert scenario.title and scenario.description
    assert io.preset_path(name).name == f"{name}.bpsim.json"
    # a saved preset reads back identically
    assert io.to_dict(io.loads(io.dumps(scenario))) == io.to_dict(scenario)


def test_unknown_preset_lists_the_presets():
    with pytest.raises(io.ScenarioError, match="no such preset; the presets are: "
                                               "lecture-example, xor"):
        io.load_preset("mnist")


def first_step_grad_norms(name):
    return io.load_preset(name).trainer().step().grad_norms


def test_deep_sigmoid_gradient_vanishes_towards_the_input():
    norms = first_step_grad_norms("deep-sigmoid")
    assert len(norms) >= 9  # 8 hidden sigmoid layers and the output layer
    assert norms[-1] / norms[0] >= 100
    assert norms[-1] / norms[0] == pytest.approx(2.2e6, rel=0.05)


def test_deep_relu_gradient_reaches_the_input():
    sigmoid, relu = io.load_preset("deep-sigmoid"), io.load_preset("deep-relu")
    assert relu.network.layers == sigmoid.network.layers
    assert relu.data == sigmoid.data
    norms = first_step_grad_norms("deep-relu")
    assert norms[-1] / norms[0] < 100
    assert norms[-1] / norms[0] == pytest.approx(3.96, rel=0.05)


def train(name, steps):
    scenario = io.load_preset(name)
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
def test_classification_presets_learn(name, steps, accuracy_above):
    scenario, losses = train(name, steps)
    assert losses[-1] < losses[0] / 5
    assert accuracy(scenario) > accuracy_above


def test_sine_fits_down_to_the_noise():
    scenario, losses = train("sine", 1500)
    # noise σ = 0.05 around sin(x): the best mean squared error is about σ² = 0.0025
    assert losses[-1] < 0.004
