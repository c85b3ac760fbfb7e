"""The headless `bpsim` command: step, train, gradcheck, scenarios (formerly presets)."""

import io as stdio
import json
import subprocess
import sys
import types

import numpy as np
import pytest

from bpsim import cli, io
from bpsim.network import Network


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write_lesson(path, **training):
    """The lecture example with some training settings changed."""
    obj = io.to_dict(io.load_builtin("lecture-example"))
    obj["training"].update(training)
    path.write_text(json.dumps(obj))
    return path


def test_help_lists_the_commands(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for command in ("step", "train", "gradcheck", "scenarios", "presets"):
        assert command in out


@pytest.mark.parametrize("command", ["scenarios", "presets"])
def test_scenarios_lists_ids_with_titles(capsys, command):
    """`bpsim scenarios` (also under its former name, `bpsim presets`)."""
    code, out, _ = run(capsys, command)
    assert code == 0
    lines = out.splitlines()
    assert [line.split()[0] for line in lines] == io.builtin_scenario_names()
    assert "XOR with one hidden layer" in lines[1]


def test_step_json_keys_and_shapes(capsys):
    code, out, err = run(capsys, "step", "xor", "--json")
    assert code == 0 and err == ""
    result = json.loads(out)
    assert set(result) == {"loss", "a", "z", "delta", "grad_weights", "grad_biases",
                           "weights", "biases", "loss_after"}
    assert [np.shape(a) for a in result["a"]] == [(4, 2), (4, 2), (4, 1)]
    assert [np.shape(z) for z in result["z"]] == [(4, 2), (4, 1)]
    assert [np.shape(d) for d in result["delta"]] == [(4, 2), (4, 1)]
    assert [np.shape(g) for g in result["grad_weights"]] == [(2, 2), (1, 2)]
    assert [np.shape(g) for g in result["grad_biases"]] == [(2,), (1,)]
    assert result["loss_after"] < result["loss"]
    # weights after = weights before − η ∂J/∂W (η = 1)
    before = io.load_builtin("xor").network.weights
    np.testing.assert_allclose(result["weights"][1],
                               before[1] - np.array(result["grad_weights"][1]))


def test_step_without_json_prints_a_summary(capsys):
    code, out, _ = run(capsys, "step", "lecture-example")
    assert code == 0
    assert "J = 0.49" in out
    assert "∂J/∂W  = [[-4.2]]" in out
    assert "W after = [[4.3]]" in out


def test_train_json_shapes(capsys):
    code, out, err = run(capsys, "train", "xor", "--steps", "5", "--json")
    assert code == 0 and err == ""  # no progress bar when stderr is not a terminal
    result = json.loads(out)
    assert set(result) == {"losses", "final_loss", "grad_norms", "weights", "biases"}
    assert len(result["losses"]) == 5
    assert np.shape(result["grad_norms"]) == (5, 2)
    assert result["losses"][0] == pytest.approx(0.1320110221039815)
    assert result["final_loss"] < result["losses"][-1]
    assert [np.shape(w) for w in result["weights"]] == [(2, 2), (1, 2)]
    # grad_norms, input side first: ‖∂J/∂W⁽¹⁾‖ of the first step
    first = io.load_builtin("xor").trainer().step()
    assert result["grad_norms"][0] == pytest.approx(first.grad_norms.tolist())
    assert result["grad_norms"][0][0] == pytest.approx(first.backward_for(1).grad_norm)


def test_train_out_saves_the_trained_scenario(capsys, tmp_path):
    out_path = tmp_path / "trained.bpsim.json"
    code, out, _ = run(capsys, "train", "xor", "--steps", "50", "--json",
                       "--out", str(out_path))
    assert code == 0
    result = json.loads(out)
    trained = io.load(out_path)
    for printed, saved in zip(result["weights"], trained.network.weights):
        assert np.array(printed).tobytes() == saved.tobytes()
    assert trained.title == io.load_builtin("xor").title
    # training on from the saved file continues where it stopped
    _, out, _ = run(capsys, "step", str(out_path), "--json")
    assert json.loads(out)["loss"] == pytest.approx(result["final_loss"])


def test_train_prints_progress_only_on_a_terminal(capsys, monkeypatch):
    class Terminal(stdio.StringIO):
        def isatty(self):
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    code = cli.main(["train", "xor", "--steps", "300", "--json"])
    assert code == 0
    assert "300/300" in terminal.getvalue()
    assert len(json.loads(capsys.readouterr().out)["losses"]) == 300


def test_divergence_stops_training_and_keeps_the_old_file(capsys, tmp_path):
    lesson = write_lesson(tmp_path / "wild.bpsim.json", learning_rate=1e160)
    out_path = tmp_path / "out.bpsim.json"
    code, out, err = run(capsys, "train", str(lesson), "--steps", "10",
                         "--out", str(out_path))
    assert code == 1 and out == ""
    # step 1 gives w = 4.2e160; step 2's loss (3w − 1)² ≈ 1.6e322 overflows
    assert err == (f"bpsim: {lesson}: the loss diverged at step 2: "
                   "try a smaller learning rate\n")
    assert not out_path.exists()


def test_gradcheck_passes_for_a_builtin_scenario(capsys):
    code, out, _ = run(capsys, "gradcheck", "xor")
    assert code == 0
    assert "OK: below 1×10⁻⁵" in out


def test_gradcheck_fails_when_backprop_is_wrong(capsys, monkeypatch):
    right = Network.gradients

    def off_by_one_percent(self, x, y, loss):
        value, grad_weights, grad_biases = right(self, x, y, loss)
        return value, [g * 1.01 for g in grad_weights], grad_biases

    monkeypatch.setattr(Network, "gradients", off_by_one_percent)
    code, out, _ = run(capsys, "gradcheck", "xor", "--json")
    assert code == 1
    result = json.loads(out)
    assert result["passed"] is False
    assert result["max_error"] == pytest.approx(0.01 / 2.01)
    assert result["worst"]["kind"] == "weight"


def test_file_is_preferred_to_a_builtin_scenario_of_the_same_id(capsys, tmp_path, monkeypatch):
    write_lesson(tmp_path / "xor")  # a file called xor holding the lecture example
    monkeypatch.chdir(tmp_path)
    _, out, _ = run(capsys, "step", "xor", "--json")
    assert json.loads(out)["loss"] == pytest.approx(0.49)


def bad_file(tmp_path, kind):
    path = tmp_path / f"{kind}.bpsim.json"
    if kind == "broken-json":
        path.write_text('{"format": "bpsim",')
    elif kind == "bad-weight":
        obj = io.to_dict(io.load_builtin("xor"))
        obj["network"]["weights"][1][0][1] = "abc"
        path.write_text(json.dumps(obj))
    elif kind == "not-utf8":
        path.write_bytes(b'{"title": "\xff"}')
    elif kind == "folder":
        path.mkdir()
    return path


@pytest.mark.parametrize("command", [["step"], ["train", "--steps", "3"], ["gradcheck"]])
@pytest.mark.parametrize("kind, problem", [
    ("missing", "no such file or built-in scenario"),
    ("broken-json", "line 1 column 20: not valid JSON"),
    ("bad-weight", 'network.weights[1][0][1]: expected a finite number, got "abc"'),
    ("not-utf8", "not UTF-8 text"),
    ("folder", "is a folder"),
])
def test_bad_file_gives_one_line_naming_file_and_problem(capsys, tmp_path, command,
                                                         kind, problem):
    path = bad_file(tmp_path, kind)
    code, out, err = run(capsys, command[0], str(path), *command[1:])
    assert code == 1 and out == ""
    assert err.startswith(f"bpsim: {path}: ")
    assert problem in err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_unwritable_out_is_one_line(capsys, tmp_path):
    target = tmp_path / "no-such-folder" / "out.bpsim.json"
    code, _, err = run(capsys, "train", "xor", "--steps", "1", "--out", str(target))
    assert code == 1
    assert err.startswith("bpsim: ") and str(target) in err and err.count("\n") == 1


def test_bad_step_count_is_a_usage_error(capsys):
    code, _, err = run(capsys, "train", "xor", "--steps", "0")
    assert code == 2
    assert "must be at least 1" in err


def test_other_arguments_open_the_window(monkeypatch):
    calls = []
    fake = types.ModuleType("bpsim.ui.app")
    fake.main = lambda argv: calls.append(argv) or 0
    monkeypatch.setitem(sys.modules, "bpsim.ui.app", fake)
    assert cli.main([]) == 0
    assert cli.main(["lesson.bpsim.json", "--screenshot", "out.png"]) == 0
    assert calls == [[], ["lesson.bpsim.json", "--screenshot", "out.png"]]


def test_without_the_window_module_usage_is_printed(capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "bpsim.ui.app", None)  # import fails
    code, _, err = run(capsys, "lesson.bpsim.json")
    assert code == 2
    assert err.startswith("usage: bpsim")


HEADLESS = """
import sys
from bpsim import cli, gradcheck, io
for argv in (["scenarios"], ["presets"], ["step", "xor", "--json"], ["step", "xor"],
             ["train", "xor", "--steps", "3", "--json"], ["gradcheck", "xor"]):
    assert cli.main(argv) == 0, argv
loaded = sorted(name for name in sys.modules
                if name.split(".")[0] in ("PySide6", "shiboken6", "pyqtgraph")
                or name.startswith("bpsim.ui"))
print("LOADED", loaded, file=sys.stderr)
"""


def test_headless_commands_never_import_qt():
    done = subprocess.run([sys.executable, "-c", HEADLESS], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "LOADED []" in done.stderr
