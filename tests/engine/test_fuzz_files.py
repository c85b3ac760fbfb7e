"""A fast seeded run of the scenario-file fuzzer (fuzz/files.py; ``make fuzz`` runs it
for longer): every mutated file gets a result or a one-line refusal from every
``bpsim`` command, never a traceback, a warning, a hang or a flood of output."""

import importlib.util
import sys
from pathlib import Path

FUZZER = Path(__file__).resolve().parents[2] / "fuzz" / "files.py"


def _fuzzer():
    spec = importlib.util.spec_from_file_location("bpsim_fuzz_files", FUZZER)
    module = sys.modules.get(spec.name)
    if module is None:
        module = importlib.util.module_from_spec(spec)
        sys.modules[spec.name] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return module


def test_mutated_scenario_files_get_a_result_or_a_one_line_refusal():
    fuzz = _fuzzer()
    # a hang or minutes of work fail; a machine busy with other tests does not
    report = fuzz.run(seed=14, files=300, commands_per_file=2, subprocess_every=100,
                      minimize=False, budget=20.0)
    assert report.files >= 300 and report.runs >= 600
    failures = {key: (argv, err[:300]) for key, (_, argv, err) in report.failures.items()}
    assert not failures, report.summary()


def test_the_judge_catches_what_a_user_must_never_see():
    """The fuzzer's own check fails tracebacks, warnings, partial output and long
    refusals (else a clean run would prove nothing)."""
    fuzz = _fuzzer()
    ok = fuzz.Outcome(1, "", "bpsim: f: network.layers: must be at least 1, got 0\n", 0.1)
    assert fuzz.judge(["step", "f"], ok) is None
    for outcome in (
            fuzz.Outcome(1, "", "Traceback (most recent call last):\nValueError: x\n", 0.1),
            fuzz.Outcome(0, "J = 1\n", "RuntimeWarning: overflow encountered\n", 0.1),
            fuzz.Outcome(1, "loss J = 1\n", "bpsim: f: diverged\n", 0.1),
            fuzz.Outcome(1, "", "bpsim: f: " + "x" * 4000 + "\n", 0.1),
            fuzz.Outcome(1, "", "bpsim: one\nbpsim: two\n", 0.1),
            fuzz.Outcome(0, "J = 1\n", "", fuzz.MAX_SECONDS + 1),
            fuzz.Outcome(None, "", "", 0.1, ("OverflowError", "initializers.py:47"))):
        assert fuzz.judge(["step", "f"], outcome) is not None
