"""Input features of the 2-D points (x₁², sin x₂, …) and the neuron maps over the
input plane."""

import json
from dataclasses import replace

import numpy as np
import pytest

from bpsim import edits, features, io
from bpsim.notation.features import feature_label, input_labels
from bpsim.scenario import ScenarioError

ALL = list(features.FEATURES)


def test_feature_columns_are_the_formulas():
    p = np.random.default_rng(3).normal(size=(40, 2))
    x1, x2 = p[:, 0], p[:, 1]
    expected = np.column_stack([x1, x2, x1 * x1, x2 * x2, x1 * x2, np.sin(x1), np.sin(x2)])
    assert np.array_equal(features.columns(ALL, p), expected)
    # any subset, in the order given
    assert np.array_equal(features.columns(["sin(x2)", "x1"], p), np.c_[np.sin(x2), x1])


def test_the_scenario_trains_on_the_features_and_keeps_the_points(built_in):
    scenario = built_in("circles")
    raw = scenario.data.dataset()
    chosen = ("x1^2", "x2^2")
    scenario.data = replace(scenario.data, features=chosen)
    scenario.network = edits.with_features(scenario.network, ("x1", "x2"), chosen)
    ds = scenario.check().dataset()
    assert np.array_equal(ds.x, raw.x ** 2)
    assert np.array_equal(ds.plane, raw.x)  # the points themselves stay the data
    assert np.array_equal(scenario.trainer(ds).x, raw.x ** 2)


def test_default_features_leave_the_data_as_it_was(built_in):
    for name in ("spiral", "sine", "xor"):
        scenario = built_in(name)
        ds = scenario.dataset()
        assert ds.points is None
        assert np.array_equal(ds.x, scenario.data.dataset().x)


def test_toggling_a_feature_keeps_the_other_weights(built_in):
    net = built_in("spiral").network
    old, new = ("x1", "x2"), ("x1", "x2", "x1*x2")
    grown = edits.with_features(net, old, new)
    assert grown.layers[0] == 3 and grown.layers[1:] == net.layers[1:]
    w_old, w_new = net.weights[0], grown.weights[0]
    assert np.array_equal(w_new[:, :2], w_old)
    assert not w_new[:, 2].any()  # a new feature starts at weight 0: ŷ unchanged
    assert all(np.array_equal(a, b) for a, b in zip(grown.weights[1:], net.weights[1:]))
    assert all(np.array_equal(a, b) for a, b in zip(grown.biases, net.biases))
    # dropping x1 keeps x2's and x1x2's columns, matched by feature
    shrunk = edits.with_features(grown, new, ("x2", "x1*x2"))
    assert np.array_equal(shrunk.weights[0], w_new[:, 1:])


def test_features_round_trip_in_the_file(built_in, tmp_path):
    scenario = built_in("spiral")
    chosen = ("x1", "x2", "x1^2", "sin(x2)")
    scenario.data = replace(scenario.data, features=chosen)
    scenario.network = edits.with_features(scenario.network, ("x1", "x2"), chosen)
    path = tmp_path / "s.bpsim.json"
    io.save(scenario.check(), path)
    assert json.loads(path.read_text())["data"]["features"] == list(chosen)
    again = io.load(path)
    assert again.data.features == chosen
    assert np.array_equal(again.dataset().x, scenario.dataset().x)
    # the default is not written: version-1 files stay as they were
    assert "features" not in io.to_dict(built_in("spiral"))["data"]


@pytest.mark.parametrize("value, words", [
    (["x1", "x3"], "unknown feature 'x3'"),
    (["x1", "x1"], "listed twice"),
    ([], "at least 1 feature"),
    ("x1", "expected a list"),
    ([["x1"]], "unknown feature"),
])
def test_bad_features_are_refused_with_a_clear_message(built_in, value, words):
    obj = io.to_dict(built_in("spiral"))
    obj["data"]["features"] = value
    with pytest.raises(ScenarioError) as error:
        io.from_dict(obj)
    assert error.value.where == "data.features"
    assert words in error.value.problem


def test_features_must_fit_the_input_layer_and_2d_points(built_in):
    obj = io.to_dict(built_in("spiral"))
    obj["data"]["features"] = ["x1", "x2", "x1^2"]
    with pytest.raises(ScenarioError, match="3 features, but the input layer has 2"):
        io.from_dict(obj)
    obj = io.to_dict(built_in("sine"))
    obj["data"]["features"] = ["x1"]
    with pytest.raises(ScenarioError, match="2-D points"):
        io.from_dict(obj)


def test_input_labels_name_the_features():
    assert feature_label("x1^2") == "x₁²"
    assert feature_label("sin(x2)") == "sin x₂"
    assert input_labels(("x1", "x1*x2", "sin(x1)"), 3) == ["x₁", "x₁x₂", "sin x₁"]
    assert input_labels(("x1", "x2"), 2) == ["x₁", "x₂"]
    assert input_labels(("x1", "x2"), 1) == ["x"]
    assert input_labels(("x1", "x2"), 4) == ["x₁", "x₂", "x₃", "x₄"]


def test_neuron_maps_are_the_engine_activations_on_the_grid(built_in):
    scenario = built_in("spiral")
    points = scenario.dataset().plane
    maps = features.neuron_maps(scenario.network, ("x1", "x2"), points, size=24)
    assert [m.shape for m in maps.maps] == [(n, 24, 24) for n in scenario.network.layers]
    # neuron j of layer l at grid point (row r, column c) is a⁽ˡ⁾_j of that point
    for r, c in ((0, 0), (5, 17), (23, 23)):
        point = np.array([[maps.grid_x[c], maps.grid_y[r]]])
        records = scenario.network.forward(point)
        for l, record in enumerate(records, start=1):
            assert np.allclose(maps.maps[l][:, r, c], record.a[0])
        assert np.allclose(maps.maps[0][:, r, c], point[0])
    assert maps.grid_x[0] < points[:, 0].min() and maps.grid_x[-1] > points[:, 0].max()
