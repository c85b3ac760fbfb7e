"""Files found by the scenario-file fuzzer (fuzz/files.py), each kept as a reproducer:
every one gets a one-line refusal naming its place in the file (exit 1, nothing on
stdout), or a proportionate result; never a traceback, a warning or a hang."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from bpsim import cli, io


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path, obj, name="case.bpsim.json"):
    path = tmp_path / name
    path.write_text(json.dumps(obj))  # ensure_ascii: a lone surrogate stays \ud800
    return str(path)


def spiral(**network):
    obj = io.to_dict(io.load_builtin("spiral"))
    if network:
        obj["network"] = network
    return obj


def assert_refused(code, out, err, place):
    assert code == 1 and out == ""
    assert err.count("\n") == 1 and err.startswith("bpsim: ")
    assert f": {place}: " in err, err
    assert len(err) < 300, err
    assert "Traceback" not in err and "Warning" not in err


def drawn(init):
    """The spiral scenario's network with weights drawn by ``init``."""
    return spiral(layers=[2, 16, 16, 1], activations=["tanh", "tanh", "sigmoid"], init=init)


@pytest.mark.parametrize("init, place", [
    ({"scheme": "uniform", "seed": 0, "a": -1e308, "b": 1e308}, "network.init.a"),
    ({"scheme": "normal", "seed": 0, "sigma": 1e308}, "network.init.sigma"),
    ({"scheme": "constant", "c": 1e308}, "network.init.c"),
], ids=["uniform range overflows numpy", "huge sigma draws infinities", "constant 1e308"])
def test_initializer_parameters_that_give_infinite_weights_are_refused(
        tmp_path, capsys, init, place):
    code, out, err = run(capsys, "step", write(tmp_path, drawn(init)))
    assert_refused(code, out, err, place)
    assert "1000" in err


def test_the_largest_initializer_parameters_give_finite_weights(tmp_path, capsys):
    init = {"scheme": "uniform", "seed": 0, "a": -1000.0, "b": 1000.0}
    code, out, err = run(capsys, "step", write(tmp_path, drawn(init)), "--json")
    assert code in (0, 1) and "Traceback" not in err and "Warning" not in err
    if code == 0:
        assert all(abs(w) <= 1000 for row in json.loads(out)["weights"][0] for w in row)


@pytest.mark.parametrize("key", ["title", "description"])
def test_a_lone_surrogate_in_the_text_is_refused_not_printed(tmp_path, capsys, key):
    obj = io.to_dict(io.load_builtin("xor"))
    obj[key] = "XOR \ud800"
    code, out, err = run(capsys, "step", write(tmp_path, obj))
    assert_refused(code, out, err, key)
    assert "\\ud800" in err and "character 5" in err


def test_a_lone_surrogate_file_is_refused_by_the_real_command(tmp_path):
    obj = io.to_dict(io.load_builtin("xor"))
    obj["title"] = "\udfff"
    done = subprocess.run([sys.executable, "-m", "bpsim", "explain", write(tmp_path, obj)],
                          capture_output=True, timeout=60)
    assert done.returncode == 1 and done.stdout == b""
    assert done.stderr.decode().count("\n") == 1 and b"title" in done.stderr


def test_gradcheck_on_a_wide_deep_network_is_refused_with_the_reason(tmp_path, capsys):
    obj = spiral(layers=[2] + [64] * 12 + [1], activations=["tanh"] * 12 + ["sigmoid"],
                 init={"scheme": "he_normal", "seed": 1})
    code, out, err = run(capsys, "gradcheck", write(tmp_path, obj))
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "too big to check here" in err and "window's gradient check" in err


def test_explain_on_a_wide_deep_network_checks_a_few_weights(tmp_path, capsys):
    obj = spiral(layers=[2] + [64] * 12 + [1], activations=["tanh"] * 12 + ["sigmoid"],
                 init={"scheme": "he_normal", "seed": 1})
    code, out, err = run(capsys, "explain", write(tmp_path, obj))
    assert code == 0 and err == ""
    assert "spread over every layer, of 45,248" in out


def test_a_diverging_run_prints_no_numpy_warning(tmp_path, capsys):
    obj = io.to_dict(io.load_builtin("xor"))
    obj["training"]["learning_rate"] = 1e300
    obj["data"]["samples"][0]["x"] = [1e300, -1e300]
    code, out, err = run(capsys, "train", write(tmp_path, obj), "--steps", "3")
    assert code == 1 and out == "" and err.count("\n") == 1
    assert "diverged" in err and "Warning" not in err


@pytest.mark.parametrize("where, value", [
    ("activation", "x" * 4000),
    ("seed", -10**300),
    ("key", "k" * 4000),
])
def test_a_refusal_quotes_at_most_a_few_dozen_characters(tmp_path, capsys, where, value):
    obj = io.to_dict(io.load_builtin("xor"))
    if where == "activation":
        obj["network"]["activations"][0] = value
    elif where == "seed":
        obj["training"]["seed"] = value
    else:
        obj["training"][value] = 1
    path = write(tmp_path, obj)
    code, out, err = run(capsys, "step", path)
    assert code == 1 and out == "" and err.count("\n") == 1
    # the file's name and the list of keys a file may have are the message's; of the
    # 4,000 characters of the bad value it quotes a few dozen
    message = err.replace(str(path), "")
    assert len(message) < 300, len(message)
    assert "k" * 60 not in err and "x" * 60 not in err


def test_cross_entropy_with_a_class_out_of_range_is_refused(tmp_path, capsys):
    obj = io.to_dict(io.load_builtin("xor"))
    obj["network"].update(layers=[2, 2, 3], activations=["sigmoid", "softmax"],
                          init={"scheme": "xavier_uniform", "seed": 0})
    del obj["network"]["weights"], obj["network"]["biases"]
    obj["training"]["loss"] = "cross_entropy"
    obj["data"] = {"samples": [{"x": [0.0, 0.0], "y": [1e308]}]}
    code, out, err = run(capsys, "step", write(tmp_path, obj))
    assert_refused(code, out, err, "data.samples[0].y")
    assert "from 0 to 2, got 1e+308" in err


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_at_once(tmp_path):
    fifo = tmp_path / "pipe.bpsim.json"
    os.mkfifo(fifo)
    done = subprocess.run([sys.executable, "-m", "bpsim", "step", str(fifo)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and done.stdout == ""
    assert "not a regular file" in done.stderr and done.stderr.count("\n") == 1


def test_an_endless_device_is_refused(capsys):
    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero here")
    code, out, err = run(capsys, "step", "/dev/zero")
    assert code == 1 and out == "" and "not a regular file" in err


def test_step_json_on_100000_samples_prints_summaries(tmp_path, capsys):
    obj = io.to_dict(io.load_builtin("spiral"))
    obj["data"]["n"] = 100_000
    code, out, err = run(capsys, "step", write(tmp_path, obj), "--json")
    assert code == 0 and err == ""
    assert len(out) < 100_000
    result = json.loads(out)
    assert result["a"][0]["shape"] == [100_000, 2]
    assert result["a"][0]["min"] <= result["a"][0]["mean"] <= result["a"][0]["max"]
    assert isinstance(result["weights"][0], list)  # small arrays stay whole


def test_samples_times_weights_above_the_limit_are_refused(tmp_path, capsys):
    obj = spiral(layers=[2] + [64] * 12 + [1], activations=["tanh"] * 12 + ["sigmoid"],
                 init={"scheme": "he_normal", "seed": 1})
    obj["data"]["n"] = 100_000
    code, out, err = run(capsys, "step", write(tmp_path, obj))
    assert_refused(code, out, err, "data")
    assert "multiply-adds" in err


@pytest.mark.parametrize("generator", ["circles", "spiral", "xor"])
def test_a_noise_of_minus_zero_is_no_noise(tmp_path, capsys, generator):
    obj = io.to_dict(io.load_builtin("spiral"))
    obj["data"] = {"generator": generator, "n": 8, "noise": -0.0, "seed": 1}
    code, out, err = run(capsys, "gradcheck", write(tmp_path, obj), "--json")
    assert code in (0, 1) and err == "" and json.loads(out)["max_error"] >= 0


def test_samples_times_neurons_above_the_limit_are_refused(tmp_path, capsys):
    """Few weights but many neurons on 100,000 samples: a step took seconds."""
    obj = spiral(layers=[2] + [8] * 7 + [128, 1], activations=["relu"] * 8 + ["sigmoid"],
                 init={"scheme": "he_normal", "seed": 0})
    obj["data"]["n"] = 100_000
    code, out, err = run(capsys, "step", write(tmp_path, obj))
    assert_refused(code, out, err, "data")
    assert "neuron values" in err


def test_explain_on_100000_samples_builds_only_the_terms_it_shows(tmp_path, capsys):
    obj = spiral(layers=[2, 2, 1], activations=["sigmoid", "sigmoid"],
                 init={"scheme": "xavier_uniform", "seed": 0})
    obj["data"]["n"] = 100_000
    code, out, err = run(capsys, "explain", write(tmp_path, obj))
    assert code == 0 and err == ""
    assert "sum over the 100000 samples of the batch" in out


def test_check_refuses_parameters_that_are_no_numbers():
    """What the loader reads is finite; what an edit makes (joined layers) may not be."""
    from bpsim.scenario import ScenarioError

    scenario = io.load_builtin("xor")
    weights = [w.copy() for w in scenario.network.weights]
    weights[1][0, 0] = np.inf
    scenario.network.set_parameters(weights, list(scenario.network.biases))
    with pytest.raises(ScenarioError, match=r"network.weights\[1\]"):
        scenario.check()


def test_a_normal_initializer_with_sigma_minus_zero_draws_zeros(tmp_path, capsys):
    """σ = −0.0 is in the range [0, 1000]; numpy refused its negative sign."""
    obj = io.to_dict(io.load_builtin("spiral"))
    obj["network"] = {key: value for key, value in obj["network"].items()
                      if key not in ("weights", "biases")}
    obj["network"]["init"] = {"scheme": "normal", "seed": 1, "sigma": -0.0}
    code, out, err = run(capsys, "step", write(tmp_path, obj))
    assert code == 0 and err == "", err
