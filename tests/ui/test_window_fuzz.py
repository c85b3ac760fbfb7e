"""A fast seeded run of the random editing sessions (tests/ui/window_fuzz.py): every
invariant of "nothing a user does crashes bpsim or loses work" after every action.
The long run: ``make fuzz-window``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import window_fuzz  # noqa: E402

#: fixed seeds: the same sessions in every run (a failure names its seed)
SEEDS = range(10)


@pytest.mark.parametrize("seed", SEEDS)
def test_random_editing_session(seed, qtbot, tmp_path):
    actions = window_fuzz.draw_actions(seed)
    outcome = window_fuzz.Runner(tmp_path).run(seed, actions)
    assert outcome.failure is None, (
        f"seed {seed}, action {outcome.done} of {len(actions)} "
        f"({actions[max(0, outcome.done - 1)]}): {outcome.failure}\n{outcome.details}")
    assert outcome.done == len(actions)


def test_a_broken_invariant_is_reported_with_its_action(qtbot, tmp_path, monkeypatch):
    """The fuzzer itself: an exception raised in a slot fails the session."""
    from bpsim.ui.docks.training import TrainingDock

    def broken(self, value):
        raise RuntimeError("slot failed")

    monkeypatch.setattr(TrainingDock, "_on_learning_rate", broken)
    actions = [["trigger", 0.0, 0.0, "", "full_step"],
               ["type_learning_rate", 0.0, 0.0, "0.25", "full_step"]]
    outcome = window_fuzz.Runner(tmp_path).run(0, actions)
    assert outcome.failure is not None and "slot failed" in outcome.failure


#: editing sessions the long run found failing, kept as they were found (minimal)
KEPT = sorted((Path(__file__).parent / "fuzz_cases").glob("*.json"))


@pytest.mark.parametrize("path", KEPT, ids=[p.stem for p in KEPT])
def test_a_session_the_long_run_found_failing_passes(path, qtbot, tmp_path):
    import json

    case = json.loads(path.read_text(encoding="utf-8"))
    actions = [tuple(action) for action in case["actions"]]
    outcome = window_fuzz.Runner(tmp_path).run(case["seed"], actions)
    assert outcome.failure is None, f"{case['found']}: {outcome.failure}\n{outcome.details}"
