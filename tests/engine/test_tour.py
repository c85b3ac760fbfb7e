"""Guided tours as data: tour files are validated (each refusal says where and why),
name their built-in scenario by id, and their conditions check what the window reports."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from bpsim import io, tour
from bpsim.tour import Condition, Tour, TourError, TourStep, loads_tour


def tour_json(**changes) -> str:
    data = {"format": "bpsim-tour", "version": 1, "scenario": "xor", "title": "T",
            "steps": [{"text": "Press → for the loss.",
                       "condition": {"wait_for": "phase", "phase": "loss"}}]}
    data.update(changes)
    return json.dumps(data)


# -- the bundled tours ------------------------------------------------------------------


def test_the_bundled_tours_load_for_the_four_scenarios():
    bundled = tour.bundled_tours()
    assert {"lecture-example", "xor", "deep-sigmoid", "deep-relu"} <= set(bundled)
    scenarios = io.builtin_scenario_names()
    for name, found in bundled.items():
        assert name in scenarios and found.scenario == name
        assert len(found.steps) >= 5
        assert found.steps[-1].condition.kind == "next"
        kinds = {step.condition.kind for step in found.steps}
        assert kinds - {"next"}, name  # the tour follows the user, not only Next
    sigmoid_text = " ".join(s.text for s in bundled["deep-sigmoid"].steps)
    assert "σ′ ≤ 0.25" in sigmoid_text
    # in the built-in scenarios' teaching order
    assert list(bundled) == [name for name in scenarios if name in bundled]


def test_each_tour_file_is_named_after_its_scenario():
    folder = tour._tours_folder()
    files = sorted(entry.name for entry in folder.iterdir()
                   if entry.name.endswith(tour.EXTENSION))
    assert files == sorted(f"{name}{tour.EXTENSION}" for name in tour.bundled_tours())


def test_a_tour_is_found_by_scenario_id_not_by_title():
    xor = tour.tour_for("xor")
    assert xor is not None and xor.scenario == "xor"
    assert tour.tour_for("spiral") is None  # a built-in scenario without a tour
    assert tour.tour_for(None) is None       # a scenario that is not built in
    assert tour.tour_for(io.load_builtin("xor").title) is None
    # the window finds the tour of the scenario it shows through its id
    assert tour.tour_for(io.builtin_id(io.load_builtin("deep-relu"))).scenario == "deep-relu"


def test_a_tour_file_from_disk(tmp_path):
    path = tmp_path / "mine.tour.json"
    path.write_text(tour_json(title="Mine"), encoding="utf-8")
    loaded = tour.load_tour(path)
    assert loaded == Tour("xor", "Mine", "", (TourStep(
        "", "Press → for the loss.", Condition("phase", {"phase": "loss"})),))
    with pytest.raises(TourError) as error:
        tour.load_tour(tmp_path / "missing.tour.json")
    assert "missing.tour.json" in error.value.where and "cannot be read" in error.value.reason


# -- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize("changes, where, words", [
    ({"format": "other"}, "format", "bpsim-tour"),
    ({"format": "bpsim-lesson"}, "format", "bpsim-tour"),
    ({"version": 2}, "version", "expected 1"),
    ({"scenario": "XOR with one hidden layer"}, "scenario", "id of a built-in scenario"),
    ({"scenario": "mnist"}, "scenario", "lecture-example, xor"),
    ({"preset": "xor"}, "bad.json", "unknown key 'preset'"),
    ({"steps": []}, "steps", "non-empty"),
    ({"steps": [{"text": "x", "condition": {"wait_for": "magic"}}]},
     "steps[0].condition.wait_for", "phase"),
    ({"steps": [{"text": "x", "condition": {"wait_for": "phase", "phase": "sideways"}}]},
     "steps[0].condition.phase", "forward"),
    ({"steps": [{"text": "x", "condition": {"wait_for": "phase", "phase": "loss",
                                             "layer": 2}}]},
     "steps[0].condition.layer", "no layer"),
    ({"steps": [{"text": "x", "condition": {"wait_for": "steps", "count": 0}}]},
     "steps[0].condition.count", "≥ 1"),
    ({"steps": [{"text": "x", "condition": {"wait_for": "steps"}}]},
     "steps[0].condition", "needs 'count'"),
    ({"steps": [{"text": "x", "condition": {"wait_for": "setting",
                                             "name": "learning_rate"}}]},
     "steps[0].condition", "at_most"),
    ({"steps": [{"text": "x", "condition": {"wait_for": "setting", "name": "epochs",
                                             "at_most": 3}}]},
     "steps[0].condition.name", "learning_rate"),
    ({"steps": [{"text": "x", "condition": {"wait_for": "loss_below", "value": True}}]},
     "steps[0].condition.value", "finite number"),
    ({"steps": [{"text": "x", "wait": "typo"}]}, "steps[0]", "unknown key 'wait'"),
    ({"steps": [{"text": 3}]}, "steps[0].text", "text"),
    ({"steps": [{"text": "x" * 2001}]}, "steps[0].text", "longer than 2000"),
    ({"steps": [{"text": "x"}] * 61}, "steps", "more than 60"),
    ({"steps": [{"text": "x", "condition": {"wait_for": "action",
                                             "name": "__import__('os')"}}]},
     "steps[0].condition.name", "action name"),
])
def test_a_malformed_tour_says_where_and_why(changes, where, words):
    with pytest.raises(TourError) as error:
        loads_tour(tour_json(**changes), "bad.json")
    assert where in error.value.where and words in error.value.reason
    assert str(error.value) == f"{error.value.where}: {error.value.reason}"


def test_tour_text_is_kept_literally_never_run():
    loaded = loads_tour(tour_json(steps=[{"text": "<b>{__import__('os')}</b> **σ′**"}]))
    assert loaded.steps[0].text == "<b>{__import__('os')}</b> **σ′**"
    assert loaded.steps[0].condition == Condition("next", {})
    with pytest.raises(TourError, match="not valid JSON"):
        loads_tour("{'python': 'dict'}")


# -- the conditions ------------------------------------------------------------------------


def test_phase_conditions_match_the_phase_and_layer_waited_for():
    record = io.load_builtin("xor").trainer().step()
    forward_2 = Condition("phase", {"phase": "forward", "layer": 2})
    assert [forward_2.phase_matches(phase) for phase in record.phases] == \
        [False, True, False, False, False, False]
    any_backward = Condition("phase", {"phase": "backward"})
    assert [any_backward.phase_matches(phase) for phase in record.phases] == \
        [False, False, False, True, True, False]
    assert Condition("phase", {"phase": "update"}).phase_matches(record.update)
    assert not Condition("phase", {"phase": "loss"}).phase_matches(None)
    assert not Condition("steps", {"count": 1}).phase_matches(record.loss)


def test_selection_and_setting_conditions():
    bias_1 = Condition("selection", {"kind": "bias", "layer": 1})
    assert bias_1.selection_matches(("bias", 1, 0))
    assert not bias_1.selection_matches(("bias", 2, 0))
    assert not bias_1.selection_matches(("weight", 1, 0, 0))
    assert Condition("selection", {}).selection_matches(("neuron", 2, 1))
    assert not Condition("selection", {}).selection_matches(None)

    settings = io.load_builtin("lecture-example").training
    small = Condition("setting", {"name": "learning_rate", "at_most": 0.1})
    assert not small.setting_matches(replace(settings, learning_rate=0.5))
    assert small.setting_matches(replace(settings, learning_rate=0.1))
    between = Condition("setting", {"name": "momentum", "at_least": 0.5, "at_most": 0.9})
    assert [between.setting_matches(replace(settings, momentum=m))
            for m in (0.4, 0.5, 0.9, 0.95)] == [False, True, True, False]
    whole = Condition("setting", {"name": "batch_size", "equals": 4})
    assert not whole.setting_matches(replace(settings, batch_size=None))  # all samples
    assert whole.setting_matches(replace(settings, batch_size=4))


def test_what_a_condition_says_it_waits_for():
    assert Condition().describe() == "Press Next when you are ready."
    assert Condition("phase", {"phase": "backward", "layer": 2}).describe() == \
        "Waiting for the backward pass of layer 2 (→ steps through it)."
    assert Condition("steps", {"count": 1}).describe() == "Waiting for 1 training step."
    assert Condition("selection", {"kind": "neuron"}).describe() == \
        "Waiting for you to click a neuron on the canvas."
    # numbers as everywhere else in bpsim: a real minus sign, powers of ten as ×10ⁿ
    assert Condition("loss_below", {"value": 0.00001}).describe() == \
        "Waiting for a loss J below 1×10⁻⁵."
    assert Condition("setting", {"name": "learning_rate", "at_most": 0.1}).describe() == \
        f"Waiting for {tour.setting_label('learning_rate')} ≤ 0.1."
    assert tour.setting_label("learning_rate") == "the learning rate η"
    assert Condition("setting", {"name": "momentum", "at_least": 0.5,
                                 "at_most": 0.9}).describe() == \
        "Waiting for the momentum μ ≤ 0.9 and ≥ 0.5."
