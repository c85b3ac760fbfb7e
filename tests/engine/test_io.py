"""The lesson file: every bad input is refused with its place in the file; saving is
exact and atomic."""

import copy
import json
import os

import numpy as np
import pytest

from bpsim import io
from bpsim.initializers import InitSpec


def lesson() -> dict:
    """A small valid lesson: 2-3-2 network with explicit weights, two samples."""
    return {
        "format": "bpsim", "version": 1,
        "title": "tiny", "description": "a valid lesson",
        "network": {
            "layers": [2, 3, 2], "activations": ["tanh", "sigmoid"], "leaky_slope": 0.01,
            "weights": [[[0.1, 0.2], [0.3, 0.4], [0.5, 0.6]],
                        [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]]],
            "biases": [[0.0, 0.1, 0.2], [0.3, 0.4]],
        },
        "training": {"loss": "half_sse", "learning_rate": 0.5, "momentum": 0.0,
                     "batch_size": None, "train_biases": True, "seed": 0},
        "data": {"samples": [{"x": [0.0, 1.0], "y": [1.0, 0.0]},
                             {"x": [1.0, 0.0], "y": [0.0, 1.0]}]},
    }


def softmax_lesson() -> dict:
    obj = lesson()
    obj["network"]["activations"] = ["tanh", "softmax"]
    obj["training"]["loss"] = "cross_entropy"
    return obj


def generated_lesson() -> dict:
    obj = lesson()
    obj["network"] = {"layers": [2, 4, 1], "activations": ["relu", "sigmoid"],
                      "init": {"scheme": "he_normal", "seed": 3}}
    obj["training"]["loss"] = "bce"
    obj["data"] = {"generator": "spiral", "n": 50, "noise": 0.1, "seed": 2}
    return obj


def edit(base, path, value=None, delete=False):
    """A copy of ``base`` with the entry at ``path`` (a tuple of keys) set or removed."""
    obj = copy.deepcopy(base)
    parent = obj
    for key in path[:-1]:
        parent = parent[key]
    if delete:
        del parent[path[-1]]
    else:
        parent[path[-1]] = value
    return obj


def json_text(obj) -> str:
    return json.dumps(obj)


# (id, JSON text, expected start of the message: "<where>: <problem…>")
BAD_INPUTS = [
    ("not json", '{"format": "bpsim",\n "version": 1,,}', "line 2 column 15: not valid JSON"),
    ("truncated", '{"format": "bpsim"', "line 1 column 19: not valid JSON"),
    ("empty", "", "line 1 column 1: not valid JSON"),
    ("not an object", "[1, 2]", "top level: expected an object, got [1, 2]"),
    ("unknown top key", json_text(edit(lesson(), ("netwrk",), {})),
     'top level: unknown key "netwrk" (did you mean "network"?)'),
    ("duplicate key", '{"format": "bpsim", "format": "bpsim"}',
     'top level: key "format" appears twice'),
    ("missing network", json_text(edit(lesson(), ("network",), delete=True)),
     'top level: missing key "network"'),
    ("wrong format", json_text(edit(lesson(), ("format",), "keras")),
     'format: expected "bpsim", got "keras"'),
    ("future version", json_text(edit(lesson(), ("version",), 2)),
     "version: this bpsim reads version 1 files, got version 2"),
    ("version bool", json_text(edit(lesson(), ("version",), True)),
     "version: expected an integer, got true"),
    ("title not text", json_text(edit(lesson(), ("title",), 5)),
     "title: expected a string, got 5"),
    ("unknown network key", json_text(edit(lesson(), ("network", "weigths"), [])),
     'network: unknown key "weigths" (did you mean "weights"?)'),
    ("missing layers", json_text(edit(lesson(), ("network", "layers"), delete=True)),
     'network: missing key "layers"'),
    ("one layer", json_text(edit(lesson(), ("network", "layers"), [2])),
     "network.layers: a network needs at least 2 layers"),
    ("17 layers", json_text(edit(lesson(), ("network", "layers"), [1] * 17)),
     "network.layers: at most 16 layers are allowed, got 17"),
    ("129 neurons", json_text(edit(lesson(), ("network", "layers"), [2, 129, 2])),
     "network.layers[1]: must be at most 128, got 129"),
    ("zero neurons", json_text(edit(lesson(), ("network", "layers"), [2, 0, 2])),
     "network.layers[1]: must be at least 1, got 0"),
    ("fractional neurons", json_text(edit(lesson(), ("network", "layers"), [2, 3.5, 2])),
     "network.layers[1]: expected a number of neurons, got 3.5"),
    ("too few activations", json_text(edit(lesson(), ("network", "activations"), ["tanh"])),
     "network.activations: expected 2 activations"),
    ("unknown activation",
     json_text(edit(lesson(), ("network", "activations"), ["tanh", "swish"])),
     'network.activations[1]: unknown activation "swish"; choose one of: identity, '
     "sigmoid, tanh, relu, leaky_relu, softmax, linear"),
    ("softmax hidden",
     json_text(edit(lesson(), ("network", "activations"), ["softmax", "sigmoid"])),
     "network.activations[0]: softmax is only allowed on the output layer"),
    ("leaky slope text", json_text(edit(lesson(), ("network", "leaky_slope"), "0.1")),
     'network.leaky_slope: expected a finite number, got "0.1"'),
    ("leaky slope above 1", json_text(edit(lesson(), ("network", "leaky_slope"), 1.5)),
     "network.leaky_slope: must be at most 1, got 1.5"),
    ("weight is text",
     json_text(edit(lesson(), ("network", "weights", 1, 0, 2), "abc")),
     'network.weights[1][0][2]: expected a finite number, got "abc"'),
    ("weight is bool",
     json_text(edit(lesson(), ("network", "weights", 0, 1, 0), True)),
     "network.weights[0][1][0]: expected a finite number, got true"),
    ("weight is null",
     json_text(edit(lesson(), ("network", "weights", 0, 1, 0), None)),
     "network.weights[0][1][0]: expected a finite number, got null"),
    ("weight NaN", json_text(lesson()).replace("0.6]], [[0.1", "NaN]], [[0.1"),
     "network.weights[0][2][1]: expected a finite number, got NaN"),
    ("weight Infinity", json_text(lesson()).replace("[[[0.1,", "[[[-Infinity,"),
     "network.weights[0][0][0]: expected a finite number, got -Infinity"),
    ("weight overflows", json_text(lesson()).replace("[[[0.1,", "[[[1e999,"),
     "network.weights[0][0][0]: expected a finite number, got 1e999"),
    ("huge integer weight", json_text(lesson()).replace("[[[0.1,", "[[[" + "9" * 400 + ","),
     "network.weights[0][0][0]: expected a finite number, got 999"),
    ("too many weight matrices",
     json_text(edit(lesson(), ("network", "weights"),
                    lesson()["network"]["weights"] + [[[1.0]]])),
     "network.weights: expected 2 matrices"),
    ("wrong number of rows",
     json_text(edit(lesson(), ("network", "weights", 0), [[0.1, 0.2], [0.3, 0.4]])),
     "network.weights[0]: expected 3 rows (layer 1 has 3 neurons), got 2"),
    ("transposed weights",
     json_text(edit(lesson(), ("network", "weights", 1),
                    [[0.1, 0.4], [0.2, 0.5], [0.3, 0.6]])),
     "network.weights[1]: expected 2 rows (layer 2 has 2 neurons), got 3"),
    ("short row", json_text(edit(lesson(), ("network", "weights", 1, 1), [0.4, 0.5])),
     "network.weights[1][1]: expected 3 numbers (layer 1 has 3 neurons), got 2"),
    ("row not a list", json_text(edit(lesson(), ("network", "weights", 1, 1), 0.4)),
     "network.weights[1][1]: expected a list, got 0.4"),
    ("bias wrong length", json_text(edit(lesson(), ("network", "biases", 1), [0.3])),
     "network.biases[1]: expected 2 numbers (layer 2 has 2 neurons), got 1"),
    ("bias NaN", json_text(lesson()).replace("[0.3, 0.4]]", "[0.3, NaN]]"),
     "network.biases[1][1]: expected a finite number, got NaN"),
    ("weights without biases",
     json_text(edit(lesson(), ("network", "biases"), delete=True)),
     'network: missing key "biases": weights and biases are given together'),
    ("neither weights nor init",
     json_text(edit(edit(lesson(), ("network", "biases"), delete=True),
                    ("network", "weights"), delete=True)),
     'network: give "weights" and "biases", or an "init" to draw them'),
    ("unknown initializer",
     json_text(edit(generated_lesson(), ("network", "init", "scheme"), "glorot")),
     'network.init.scheme: unknown initializer "glorot"; choose one of: xavier_uniform'),
    ("init param of another scheme",
     json_text(edit(generated_lesson(), ("network", "init", "sigma"), 0.1)),
     'network.init: unknown key "sigma"'),
    ("init negative seed",
     json_text(edit(generated_lesson(), ("network", "init", "seed"), -1)),
     "network.init.seed: must be at least 0, got -1"),
    ("uniform a above b",
     json_text(edit(generated_lesson(), ("network", "init"),
                    {"scheme": "uniform", "a": 1.0, "b": -1.0})),
     "network.init.b: must be at least a (1.0), got -1.0"),
    ("unknown training key", json_text(edit(lesson(), ("training", "epochs"), 5)),
     'training: unknown key "epochs"'),
    ("missing loss", json_text(edit(lesson(), ("training", "loss"), delete=True)),
     'training: missing key "loss"'),
    ("unknown loss", json_text(edit(lesson(), ("training", "loss"), "hinge")),
     'training.loss: unknown loss "hinge"; choose one of: mse, sse, half_sse, bce, '
     "cross_entropy"),
    ("cross entropy one output",
     json_text(edit(generated_lesson(), ("training", "loss"), "cross_entropy")),
     "training.loss: cross_entropy needs at least 2 output neurons"),
    ("bce on identity output",
     json_text(edit(edit(lesson(), ("training", "loss"), "bce"),
                    ("network", "activations"), ["tanh", "identity"])),
     "training.loss: bce needs outputs between 0 and 1"),
    ("cross entropy on a sigmoid output",
     json_text(edit(lesson(), ("training", "loss"), "cross_entropy")),
     "training.loss: cross_entropy needs a softmax output layer, not sigmoid"),
    ("learning rate zero", json_text(edit(lesson(), ("training", "learning_rate"), 0)),
     "training.learning_rate: must be greater than 0, got 0.0"),
    ("learning rate negative",
     json_text(edit(lesson(), ("training", "learning_rate"), -0.1)),
     "training.learning_rate: must be greater than 0, got -0.1"),
    ("learning rate infinite",
     json_text(lesson()).replace('"learning_rate": 0.5', '"learning_rate": Infinity'),
     "training.learning_rate: expected a finite number, got Infinity"),
    ("momentum one", json_text(edit(lesson(), ("training", "momentum"), 1.0)),
     "training.momentum: must be at least 0 and below 1, got 1.0"),
    ("batch size zero", json_text(edit(lesson(), ("training", "batch_size"), 0)),
     "training.batch_size: must be at least 1, got 0"),
    ("batch size text", json_text(edit(lesson(), ("training", "batch_size"), "all")),
     'training.batch_size: expected null (the whole dataset) or a whole number, got "all"'),
    ("train_biases number", json_text(edit(lesson(), ("training", "train_biases"), 1)),
     "training.train_biases: expected true or false, got 1"),
    ("training seed float", json_text(edit(lesson(), ("training", "seed"), 1.5)),
     "training.seed: expected an integer, got 1.5"),
    ("data not object", json_text(edit(lesson(), ("data",), [])),
     "data: expected an object, got []"),
    ("data empty", json_text(edit(lesson(), ("data",), {})),
     'data: missing key: give "samples" or "generator"'),
    ("samples and generator",
     json_text(edit(lesson(), ("data", "generator"), "xor")),
     'data: give either "samples" or "generator", not both'),
    ("no samples", json_text(edit(lesson(), ("data", "samples"), [])),
     "data.samples: needs at least 1 sample"),
    ("unknown sample key", json_text(edit(lesson(), ("data", "samples", 1, "label"), 1)),
     'data.samples[1]: unknown key "label"'),
    ("sample without y", json_text(edit(lesson(), ("data", "samples", 1, "y"), delete=True)),
     'data.samples[1]: missing key "y"'),
    ("x too long", json_text(edit(lesson(), ("data", "samples", 1, "x"), [1.0, 0.0, 2.0])),
     "data.samples[1].x: expected 2 numbers (the input layer has 2 neurons), got 3"),
    ("y too short", json_text(edit(lesson(), ("data", "samples", 0, "y"), [1.0])),
     "data.samples[0].y: expected 2 numbers (the output layer has 2 neurons), got 1"),
    ("x entry text", json_text(edit(lesson(), ("data", "samples", 0, "x", 1), "1")),
     'data.samples[0].x[1]: expected a finite number, got "1"'),
    ("bce target out of range",
     json_text(edit(edit(lesson(), ("training", "loss"), "bce"),
                    ("data", "samples", 0, "y"), [2.0, 0.0])),
     "data.samples[0].y: bce needs targets between 0 and 1, got [2.0, 0.0]"),
    ("class index out of range",
     json_text(edit(softmax_lesson(), ("data", "samples", 0, "y"), [2])),
     "data.samples[0].y: a class index must be a whole number from 0 to 1, got 2"),
    ("class index fractional",
     json_text(edit(softmax_lesson(), ("data", "samples", 0, "y"), [0.5])),
     "data.samples[0].y: a class index must be a whole number from 0 to 1, got 0.5"),
    ("not one-hot",
     json_text(edit(softmax_lesson(), ("data", "samples", 0, "y"), [0.5, 0.5])),
     "data.samples[0].y: cross_entropy needs a one-hot row (one 1, the rest 0), "
     "got [0.5, 0.5]"),
    ("unknown generator", json_text(edit(generated_lesson(), ("data", "generator"), "moons")),
     'data.generator: unknown generator "moons"; choose one of: xor, and, or, circles, '
     "spiral, gaussian, sine"),
    ("generator inputs mismatch",
     json_text(edit(generated_lesson(), ("data", "generator"), "sine")),
     "data.generator: sine gives 1 input, but the input layer has 2 neurons"),
    ("generator n zero", json_text(edit(generated_lesson(), ("data", "n"), 0)),
     "data.n: must be at least 1, got 0"),
    ("generator n beyond limit", json_text(edit(generated_lesson(), ("data", "n"), 100_001)),
     "data.n: must be at most 100000, got 100001"),
    ("generator noise negative", json_text(edit(generated_lesson(), ("data", "noise"), -1)),
     "data.noise: must be at least 0, got -1.0"),
    ("generator noise above 10", json_text(edit(generated_lesson(), ("data", "noise"), 11)),
     "data.noise: must be at most 10, got 11.0"),
    ("generator seed beyond 32 bits",
     json_text(edit(generated_lesson(), ("data", "seed"), 2**31)),
     "data.seed: must be at most 2147483647, got 2147483648"),
    ("generator unknown key", json_text(edit(generated_lesson(), ("data", "samples_n"), 3)),
     'data: unknown key "samples_n"'),
    ("generator missing n", json_text(edit(generated_lesson(), ("data", "n"), delete=True)),
     'data: missing key "n"'),
    ("too many samples",
     json_text(edit(lesson(), ("data", "samples"),
                    [{"x": [0, 0], "y": [0, 0]}] * 100_001)),
     "data.samples: at most 100,000 samples are allowed, got 100,001"),
]


@pytest.mark.parametrize("text, message", [case[1:] for case in BAD_INPUTS],
                         ids=[case[0] for case in BAD_INPUTS])
def test_bad_input_is_refused_with_its_place_in_the_file(text, message):
    with pytest.raises(io.ScenarioError) as caught:
        io.loads(text, source="lesson.bpsim.json")
    assert str(caught.value).startswith(message)
    assert caught.value.report() == f"lesson.bpsim.json: {caught.value}"
    assert "\n" not in caught.value.report()


def test_scenario_error_is_a_value_error():
    assert issubclass(io.ScenarioError, ValueError)


def test_valid_lesson_loads_as_written():
    scenario = io.from_dict(lesson())
    net = scenario.network
    assert net.layers == [2, 3, 2]
    assert net.activations == ["tanh", "sigmoid"]
    np.testing.assert_array_equal(net.weights[1], [[0.1, 0.2, 0.3], [0.4, 0.5, 0.6]])
    np.testing.assert_array_equal(net.biases[0], [0.0, 0.1, 0.2])
    assert scenario.training.loss == "half_sse"
    assert scenario.training.learning_rate == 0.5
    assert scenario.data.samples == (((0.0, 1.0), (1.0, 0.0)), ((1.0, 0.0), (0.0, 1.0)))
    assert scenario.title == "tiny"


def test_defaults_fill_the_optional_keys():
    obj = lesson()
    for key in ("momentum", "batch_size", "seed", "train_biases"):
        del obj["training"][key]
    del obj["network"]["leaky_slope"]
    del obj["title"], obj["description"]
    scenario = io.from_dict(obj)
    assert scenario.training.momentum == 0.0
    assert scenario.training.batch_size is None
    assert scenario.training.seed == 0
    assert scenario.training.train_biases is True
    assert scenario.network.leaky_slope == 0.01
    assert scenario.title == ""


def test_linear_is_read_as_identity():
    obj = edit(lesson(), ("network", "activations"), ["linear", "sigmoid"])
    assert io.from_dict(obj).network.activations == ["identity", "sigmoid"]


def test_init_draws_the_weights_when_they_are_left_out():
    scenario = io.from_dict(generated_lesson())
    assert scenario.init == InitSpec("he_normal", 3, {})
    drawn = [w.copy() for w in scenario.network.weights]
    assert [w.shape for w in drawn] == [(4, 2), (1, 4)]
    scenario.reinitialize()  # the same init draws the same weights again
    for before, after in zip(drawn, scenario.network.weights):
        np.testing.assert_array_equal(before, after)
    assert len(scenario.dataset()) == 50


def test_class_index_targets_become_one_hot():
    obj = softmax_lesson()
    obj["data"]["samples"] = [{"x": [0.0, 1.0], "y": [1]}, {"x": [1.0, 0.0], "y": [0]}]
    np.testing.assert_array_equal(io.from_dict(obj).dataset().y, [[0, 1], [1, 0]])


def test_largest_allowed_network_loads():
    obj = lesson()
    obj["network"] = {"layers": [128] * 16, "activations": ["relu"] * 15,
                      "init": {"scheme": "he_uniform", "seed": 0}}
    obj["data"] = {"samples": [{"x": [0.0] * 128, "y": [0.0] * 128}]}
    assert io.from_dict(obj).network.parameter_count == 15 * (128 * 128 + 128)


# -- the file itself --------------------------------------------------------------


def test_missing_file_names_the_file(tmp_path):
    path = tmp_path / "absent.bpsim.json"
    with pytest.raises(io.ScenarioError) as caught:
        io.load(path)
    assert str(caught.value) == f"{path}: no such file"


def test_folder_is_not_a_lesson(tmp_path):
    with pytest.raises(io.ScenarioError, match="is a folder"):
        io.load(tmp_path)


def test_file_that_is_not_utf8_names_the_file(tmp_path):
    path = tmp_path / "latin1.bpsim.json"
    path.write_bytes('{"title": "Übung"}'.encode("latin-1"))
    with pytest.raises(io.ScenarioError) as caught:
        io.load(path)
    assert str(caught.value).startswith(f"{path}: not UTF-8 text")


def test_file_over_10_mb_is_refused_before_reading(tmp_path, monkeypatch):
    path = tmp_path / "huge.bpsim.json"
    with open(path, "wb") as file:
        file.truncate(io.MAX_FILE_BYTES + 1)  # sparse: no 10 MB written

    def must_not_read(*args, **kwargs):
        raise AssertionError("read a file that is too large")

    monkeypatch.setattr("builtins.open", must_not_read)
    with pytest.raises(io.ScenarioError) as caught:
        io.load(path)
    assert str(caught.value).startswith(f"{path}: the file is 10.0 MB")


def test_content_error_of_a_file_names_file_and_place(tmp_path):
    path = tmp_path / "broken.bpsim.json"
    path.write_text(json_text(edit(lesson(), ("network", "weights", 1, 0, 2), "abc")))
    with pytest.raises(io.ScenarioError) as caught:
        io.load(path)
    assert caught.value.report() == (
        f'{path}: network.weights[1][0][2]: expected a finite number, got "abc"')


def test_byte_order_mark_is_tolerated(tmp_path):
    path = tmp_path / "notepad.bpsim.json"
    path.write_bytes(b"\xef\xbb\xbf" + json_text(lesson()).encode())
    assert io.load(path).title == "tiny"


# -- saving -----------------------------------------------------------------------


def awkward_scenario():
    """Weights whose shortest decimal form is long: a lossy writer would change them."""
    scenario = io.from_dict(generated_lesson())
    rng = np.random.default_rng(7)
    scenario.network.set_parameters([rng.normal(0, 1, w.shape) / 3 for w in
                                     scenario.network.weights],
                                    [rng.normal(0, 1, b.shape) * 1e-17 for b in
                                     scenario.network.biases])
    return scenario


def test_save_then_load_gives_the_identical_scenario(tmp_path):
    scenario = awkward_scenario()
    path = tmp_path / "round.bpsim.json"
    io.save(scenario, path)
    again = io.load(path)
    for before, after in zip(scenario.network.weights + scenario.network.biases,
                             again.network.weights + again.network.biases):
        assert before.tobytes() == after.tobytes()
    assert io.to_dict(again) == io.to_dict(scenario)
    assert again.init == scenario.init and again.data == scenario.data
    assert again.training == scenario.training


def test_saved_file_holds_explicit_weights_and_init(tmp_path):
    path = tmp_path / "explicit.bpsim.json"
    io.save(io.from_dict(generated_lesson()), path)
    saved = json.loads(path.read_text())
    assert saved["network"]["init"] == {"scheme": "he_normal", "seed": 3}
    assert len(saved["network"]["weights"]) == 2
    assert set(saved["training"]) == {"loss", "learning_rate", "momentum", "batch_size",
                                      "train_biases", "seed", "optimizer", "rho", "beta1",
                                      "beta2", "epsilon"}
    assert saved["data"] == {"generator": "spiral", "n": 50, "noise": 0.1, "seed": 2}


def test_literal_samples_round_trip(tmp_path):
    scenario = io.from_dict(lesson())
    path = tmp_path / "samples.bpsim.json"
    io.save(scenario, path)
    assert io.load(path).data == scenario.data


def test_save_leaves_no_temporary_file(tmp_path):
    io.save(io.from_dict(lesson()), tmp_path / "clean.bpsim.json")
    assert os.listdir(tmp_path) == ["clean.bpsim.json"]


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "keep.bpsim.json"
    io.save(io.from_dict(lesson()), path)
    old = path.read_bytes()

    def disk_full(descriptor):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", disk_full)
    with pytest.raises(OSError, match="No space"):
        io.save(awkward_scenario(), path)
    assert path.read_bytes() == old
    assert os.listdir(tmp_path) == ["keep.bpsim.json"]


def test_scenario_with_nan_is_not_saved(tmp_path):
    path = tmp_path / "nan.bpsim.json"
    io.save(io.from_dict(lesson()), path)
    old = path.read_bytes()
    scenario = io.from_dict(lesson())
    scenario.network.set_weight(2, 1, 0, float("nan"))
    with pytest.raises(io.ScenarioError, match=r"network.weights\[1\]: holds NaN"):
        io.save(scenario, path)
    assert path.read_bytes() == old


def test_dumps_is_readable_json():
    text = io.dumps(io.from_dict(lesson()))
    assert json.loads(text)["network"]["layers"] == [2, 3, 2]
    assert '\n    "layers": [2, 3, 2],\n' in text
    assert '{"x": [0.0, 1.0], "y": [1.0, 0.0]}' in text


def test_save_into_a_missing_folder_names_the_target(tmp_path):
    target = tmp_path / "missing" / "lesson.bpsim.json"
    with pytest.raises(FileNotFoundError) as caught:
        io.save(io.from_dict(lesson()), target)
    assert caught.value.filename == str(target)


def test_save_keeps_permissions_and_symlinks(tmp_path):
    real = tmp_path / "real.bpsim.json"
    io.save(io.from_dict(lesson()), real)
    real.chmod(0o640)
    link = tmp_path / "link.bpsim.json"
    link.symlink_to(real)
    io.save(awkward_scenario(), link)
    assert link.is_symlink()
    assert real.stat().st_mode & 0o777 == 0o640
    assert io.load(real).network.layers == [2, 4, 1]
