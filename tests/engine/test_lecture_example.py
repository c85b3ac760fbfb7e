"""The lecture's worked example: x = 3, w = 0.1, y = 1, identity, loss (ŷ − y)², η = 1.
ŷ = 0.3, loss 0.49, ∂L/∂w = −4.2, new w = 4.3."""

import json
import os
import subprocess
import sys

import pytest

from bpsim import cli, io


def check_lecture_numbers(result: dict) -> None:
    assert result["a"] == [[[3.0]], [[pytest.approx(0.3)]]]
    assert result["loss"] == pytest.approx(0.49)
    assert result["grad_weights"] == [[[pytest.approx(-4.2)]]]
    assert result["weights"] == [[[pytest.approx(4.3)]]]
    # frozen bias: its gradient 2(ŷ − y) = −1.4 is shown, but it stays 0
    assert result["grad_biases"] == [[pytest.approx(-1.4)]]
    assert result["biases"] == [[0.0]]
    # after the update ŷ = 4.3 · 3 = 12.9 on the same sample: (12.9 − 1)² = 141.61
    assert result["loss_after"] == pytest.approx(141.61)


def test_trainer_step_reproduces_the_lecture():
    scenario = io.load_builtin("lecture-example")
    record = scenario.trainer().step()
    assert record.forward[0].a[0, 0] == pytest.approx(0.3)
    assert record.loss.loss == pytest.approx(0.49)
    assert record.backward_for(1).grad_weights[0, 0] == pytest.approx(-4.2)
    assert record.update.weights_after[0][0, 0] == pytest.approx(4.3)
    assert scenario.network.weights[0][0, 0] == pytest.approx(4.3)
    assert scenario.network.biases[0][0] == 0.0


def test_step_json_in_process(capsys):
    assert cli.main(["step", "lecture-example", "--json"]) == 0
    out, err = capsys.readouterr()
    check_lecture_numbers(json.loads(out))
    assert err == ""


def test_step_json_as_a_command():
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    done = subprocess.run([sys.executable, "-m", "bpsim", "step", "lecture-example",
                           "--json"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr
    check_lecture_numbers(json.loads(done.stdout))
