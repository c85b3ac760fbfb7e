"""The scenario file (``.bpsim.json``): load with validation, save atomically.

Format version 1::

    {"format": "bpsim", "version": 1,
     "title": "...", "description": "...",                       (optional)
     "network":  {"layers": [2, 2, 1], "activations": ["sigmoid", "sigmoid"],
                  "leaky_slope": 0.01,                            (default 0.01)
                  "weights": [[[..n0..] x n1], ...], "biases": [[..n1..], ...],
                  "init": {"scheme": "xavier_uniform", "seed": 0}},
     "training": {"loss": "half_sse", "learning_rate": 0.5,
                  "momentum": 0.0, "batch_size": null,            (defaults)
                  "train_biases": true, "seed": 0,                (defaults)
                  "optimizer": "sgd",                             (default)
                  "rho": 0.99, "beta1": 0.9, "beta2": 0.999,       (defaults; RMSprop's ρ,
                  "epsilon": 1e-8},                                 Adam's β₁ β₂, their ε)
     "data":     {"samples": [{"x": [..n0..], "y": [..n_L..]}, ...]}
              or {"generator": "spiral", "n": 200, "noise": 0.1, "seed": 1},
                 + "features": ["x1", "x2", "x1^2", "sin(x1)"]   (default x1, x2)
     "notation": {"input_layer": 1}}                              (default 0)

``data.features`` (2-D points only) are the input layer's columns, computed from the
points: any of ``x1 x2 x1^2 x2^2 x1*x2 sin(x1) sin(x2)`` (:mod:`bpsim.features`), one
input neuron each.  Files without it load as before.

``notation.input_layer`` numbers the layers on screen: 0 counts the input as layer 0,
1 as layer 1 (the lecture's a⁽¹⁾ = X); the arrays of the file count from 0 either way.

``weights`` and ``biases`` are given together, or both left out; then ``init`` draws
them (``init`` is kept either way: it is what "re-initialize" uses).  Loading checks
everything and raises :class:`ScenarioError` for the first problem, with its place in
the file, e.g. ``network.weights[1][0][2]: expected a finite number, got "abc"``.
Each setting's value is checked against :mod:`bpsim.settings_spec` (the same table the
window's fields are built from), and the parts against each other by
:meth:`Scenario.check`.  File content is only ever parsed as JSON: never pickled, never evaluated.
"""

from __future__ import annotations

import difflib
import importlib.resources
import json
import math
import os
import secrets
import stat
from pathlib import Path

import numpy as np

from . import activations as act
from . import features as features_mod
from . import settings_spec
from .initializers import SCHEME_PARAMS, InitSpec, initialize
from .network import Network
from .notation.symbols import INPUT_LAYERS, Numbering
from .scenario import DataSpec, Scenario, ScenarioError, check_init
from .training import TrainingSettings

FORMAT = "bpsim"
VERSION = 1
EXTENSION = ".bpsim.json"

#: Limits that keep a scenario file drawable and a step fast (from the settings table).
MAX_LAYERS = int(settings_spec.get("layer_count").maximum)  # the input layer included
MAX_NEURONS = int(settings_spec.get("layer_size").maximum)  # per layer
MAX_SAMPLES = int(settings_spec.get("sample_count").maximum)  # literal samples, or n
MAX_FILE_BYTES = 10 * 1024 * 1024

ROOT = "top level"

_NETWORK_KEYS = ("layers", "activations", "leaky_slope", "weights", "biases", "init")
_TRAINING_KEYS = ("loss", "learning_rate", "momentum", "batch_size", "train_biases", "seed",
                  "optimizer", "rho", "beta1", "beta2", "epsilon",
                  "regularization", "regularization_rate")
_TOP_KEYS = ("format", "version", "title", "description", "network", "training", "data",
             "notation")
_NOTATION_KEYS = ("input_layer",)
_SAMPLES_KEYS = ("samples", "features", "test_fraction", "seed")
_GENERATOR_KEYS = ("generator", "n", "noise", "seed", "features", "test_fraction")


# -- reading JSON ----------------------------------------------------------------


class _NonFinite:
    """A number JSON lets Python read but a scenario file cannot hold: NaN, Infinity, 1e999."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text


def _parse_float(text: str):
    value = float(text)
    return value if math.isfinite(value) else _NonFinite(text)


class _Object(dict):
    """A JSON object that remembers keys it saw twice (json keeps only the last)."""

    duplicates: tuple = ()


def _object_from_pairs(pairs) -> _Object:
    obj = _Object(pairs)
    if len(obj) != len(pairs):
        seen, twice = set(), []
        for key, _ in pairs:
            if key in seen and key not in twice:
                twice.append(key)
            seen.add(key)
        obj.duplicates = tuple(twice)
    return obj


def _parse_json(text: str):
    try:
        return json.loads(text, parse_constant=_NonFinite, parse_float=_parse_float,
                          object_pairs_hook=_object_from_pairs)
    except json.JSONDecodeError as error:
        raise ScenarioError(f"line {error.lineno} column {error.colno}",
                            f"not valid JSON: {error.msg}") from None
    except RecursionError:
        raise ScenarioError(ROOT, "not valid JSON: nested too deeply") from None
    except ValueError as error:  # e.g. an integer with thousands of digits
        raise ScenarioError(ROOT, f"not valid JSON: {error}") from None


# -- validation helpers ----------------------------------------------------------


def _key(path: str, key: str) -> str:
    return key if path == ROOT else f"{path}.{key}"


def _index(path: str, i: int) -> str:
    return f"{path}[{i}]"


def _describe(value) -> str:
    """How a value looks in the file, short enough for one line."""
    if isinstance(value, _NonFinite):
        return value.text
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        try:
            text = json.dumps(value)
        except (TypeError, ValueError):
            text = ""
        if text and len(text) <= 40:
            return text
        return f"a list of {len(value)} items"
    return settings_spec.shown(value)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def _object(value, path: str, allowed, required=()) -> dict:
    if not isinstance(value, dict):
        raise ScenarioError(path, f"expected an object, got {_describe(value)}")
    if getattr(value, "duplicates", ()):
        raise ScenarioError(path, f"key {settings_spec.shown(value.duplicates[0])} "
                                  "appears twice")
    for key in value:
        if key not in allowed:
            hint = difflib.get_close_matches(key[:100], allowed, n=1)
            suggestion = f" (did you mean {json.dumps(hint[0])}?)" if hint else ""
            raise ScenarioError(path, f"unknown key {settings_spec.shown(key)}{suggestion}; "
                                      f"allowed keys: {', '.join(allowed)}")
    for key in required:
        if key not in value:
            raise ScenarioError(path, f"missing key {json.dumps(key)}")
    return value


def _number(value, path: str) -> float:
    # bool is an int in Python, but true is not a number in a scenario file
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(path, f"expected a finite number, got {_describe(value)}")
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise ScenarioError(path, f"expected a finite number, got {_describe(value)}")
    return number


def _setting(name: str, value, path: str):
    """``value`` checked against the settings table's entry ``name``."""
    setting = settings_spec.get(name)
    if isinstance(value, _NonFinite):  # NaN or Infinity: JSON-only values
        raise ScenarioError(path, f"expected {setting.expected or 'a finite number'}, "
                                  f"got {value.text}")
    try:
        return setting.check(value)
    except ValueError as refusal:
        raise ScenarioError(path, str(refusal)) from None


def _integer(value, path: str, minimum: int | None = None, maximum: int | None = None,
             what: str = "an integer") -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ScenarioError(path, f"expected {what}, got {_describe(value)}")
    if minimum is not None and value < minimum:
        raise ScenarioError(path, f"must be at least {minimum}, got {_describe(value)}")
    if maximum is not None and value > maximum:
        raise ScenarioError(path, f"must be at most {maximum}, got {_describe(value)}")
    return value


def _list(value, path: str, length: int | None = None, what: str = "items") -> list:
    if not isinstance(value, list):
        raise ScenarioError(path, f"expected a list, got {_describe(value)}")
    if length is not None and len(value) != length:
        raise ScenarioError(path, f"expected {length} {what}, got {len(value)}")
    return value


def _numbers(value, path: str, length: int, what: str) -> list[float]:
    values = _list(value, path, length, what)
    # Fast path for the usual case; the slow path finds and names the first bad entry.
    if all(type(v) is float or type(v) is int for v in values):
        try:
            row = np.array(values, dtype=float)
        except OverflowError:  # an integer too large for a float
            row = np.array([math.inf])
        if np.isfinite(row).all():
            return row.tolist()
    return [_number(v, _index(path, i)) for i, v in enumerate(values)]


# -- sections --------------------------------------------------------------------


def _network(obj, path: str):
    _object(obj, path, _NETWORK_KEYS, ("layers", "activations"))

    layers_path = _key(path, "layers")
    layers = _list(obj["layers"], layers_path)
    layer_count = settings_spec.get("layer_count")
    if len(layers) < layer_count.minimum:
        raise ScenarioError(layers_path, f"a network needs at least {layer_count.minimum} "
                                         f"layers (inputs and outputs), got {len(layers)}")
    if not layer_count.contains(len(layers)):
        raise ScenarioError(layers_path, f"at most {layer_count.maximum} layers are "
                                         f"allowed, got {len(layers)}")
    layers = [_setting("layer_size", n, _index(layers_path, i))
              for i, n in enumerate(layers)]
    depth = len(layers) - 1

    activations_path = _key(path, "activations")
    names = _list(obj["activations"], activations_path, depth,
                  "activations (one per layer after the input layer)")
    activations = []
    for i, name in enumerate(names):
        where = _index(activations_path, i)
        name = act.canonical(_setting("activation", name, where))
        if name == "softmax" and i != depth - 1:
            raise ScenarioError(where, "softmax is only allowed on the output layer "
                                       "(the last activation)")
        activations.append(name)

    leaky_slope = act.DEFAULT_LEAKY_SLOPE
    if "leaky_slope" in obj:
        leaky_slope = _setting("leaky_slope", obj["leaky_slope"], _key(path, "leaky_slope"))

    init = InitSpec()
    if "init" in obj:
        init = _init(obj["init"], _key(path, "init"))

    has_weights, has_biases = "weights" in obj, "biases" in obj
    if has_weights != has_biases:
        missing = "biases" if has_weights else "weights"
        raise ScenarioError(path, f"missing key {json.dumps(missing)}: weights and biases "
                                  "are given together (or both left out, with an init)")
    if has_weights:
        weights = _weights(obj["weights"], _key(path, "weights"), layers)
        biases = _biases(obj["biases"], _key(path, "biases"), layers)
    elif "init" in obj:
        weights, biases = initialize(layers, init)
    else:
        raise ScenarioError(path, 'give "weights" and "biases", or an "init" to draw them')
    return Network(layers, activations, weights, biases, leaky_slope), init


def _weights(value, path: str, layers: list[int]) -> list[np.ndarray]:
    depth = len(layers) - 1
    matrices = _list(value, path, depth, "matrices (one per layer after the input layer)")
    weights = []
    for l, matrix in enumerate(matrices):
        # weights[l] is W of layer l+1: n_{l+1} rows of n_l numbers
        where = _index(path, l)
        rows = _list(matrix, where, layers[l + 1],
                     f"rows (layer {l + 1} has {_plural(layers[l + 1], 'neuron')})")
        weights.append(np.array(
            [_numbers(row, _index(where, j), layers[l],
                      f"numbers (layer {l} has {_plural(layers[l], 'neuron')})")
             for j, row in enumerate(rows)], dtype=float).reshape(layers[l + 1], layers[l]))
    return weights


def _biases(value, path: str, layers: list[int]) -> list[np.ndarray]:
    depth = len(layers) - 1
    vectors = _list(value, path, depth, "lists (one per layer after the input layer)")
    return [np.array(_numbers(vector, _index(path, l), layers[l + 1],
                              f"numbers (layer {l + 1} has "
                              f"{_plural(layers[l + 1], 'neuron')})"), dtype=float)
            for l, vector in enumerate(vectors)]


def _init(obj, path: str) -> InitSpec:
    if not isinstance(obj, dict):
        raise ScenarioError(path, f"expected an object, got {_describe(obj)}")
    if "scheme" not in obj:
        _object(obj, path, ("scheme", "seed", "a", "b", "sigma", "c"), ("scheme",))
    scheme = _setting("init_scheme", obj["scheme"], _key(path, "scheme"))
    defaults = SCHEME_PARAMS.get(scheme, {})
    _object(obj, path, ("scheme", "seed", *defaults))
    seed = _setting("init_seed", obj.get("seed", 0), _key(path, "seed"))
    params = {name: _setting(f"init_{name}", obj.get(name, default), _key(path, name))
              for name, default in defaults.items()}
    init = InitSpec(scheme, seed, params)
    check_init(init)  # before it draws any weights
    return init


#: each key of the "training" object and its entry in the settings table
_TRAINING_SETTINGS = {"loss": "loss", "learning_rate": "learning_rate",
                      "momentum": "momentum", "batch_size": "batch_size",
                      "train_biases": "train_biases", "seed": "shuffle_seed",
                      "optimizer": "optimizer", "rho": "rho", "beta1": "beta1",
                      "beta2": "beta2", "epsilon": "epsilon",
                      "regularization": "regularization",
                      "regularization_rate": "regularization_rate"}


def _training(obj, path: str) -> TrainingSettings:
    _object(obj, path, _TRAINING_KEYS, ("loss", "learning_rate"))
    values = {}
    for key, name in _TRAINING_SETTINGS.items():
        if key in obj:
            values[key] = _setting(name, obj[key], _key(path, key))
    return TrainingSettings(**values)


def _data(obj, path: str) -> DataSpec:
    """The samples or the generator; whether they suit the network is
    :meth:`Scenario.check`'s question."""
    if not isinstance(obj, dict):
        raise ScenarioError(path, f"expected an object, got {_describe(obj)}")
    if "samples" in obj and "generator" in obj:
        raise ScenarioError(path, 'give either "samples" or "generator", not both')
    if "generator" in obj:
        return _generator(obj, path)
    if "samples" not in obj:
        _object(obj, path, _SAMPLES_KEYS + _GENERATOR_KEYS)  # names a stray key first
        raise ScenarioError(path, 'missing key: give "samples" or "generator"')
    _object(obj, path, _SAMPLES_KEYS)
    samples_path = _key(path, "samples")
    items = _list(obj["samples"], samples_path)
    if not items:
        raise ScenarioError(samples_path, "needs at least 1 sample")
    if len(items) > MAX_SAMPLES:
        raise ScenarioError(samples_path, f"at most {MAX_SAMPLES:,} samples are allowed, "
                                          f"got {len(items):,}")
    samples = []
    for k, item in enumerate(items):
        where = _index(samples_path, k)
        _object(item, where, ("x", "y"), ("x", "y"))
        x, y = (_numbers(values, _key(where, key), len(values), "numbers")
                for key, values in (("x", _list(item["x"], _key(where, "x"))),
                                    ("y", _list(item["y"], _key(where, "y")))))
        samples.append((x, y))
    test_fraction, seed = _split_settings(obj, path)
    return DataSpec.from_samples(samples, _features(obj, path), test_fraction, seed)


def _split_settings(obj, path: str) -> tuple[float, int]:
    """(test fraction, data seed) of a "data" object (both optional)."""
    return (_setting("test_fraction", obj.get("test_fraction", 0.0),
                     _key(path, "test_fraction")),
            _setting("data_seed", obj.get("seed", 0), _key(path, "seed")))


def _generator(obj, path: str) -> DataSpec:
    _object(obj, path, _GENERATOR_KEYS, ("generator", "n"))
    name = _setting("generator", obj["generator"], _key(path, "generator"))
    n = _setting("sample_count", obj["n"], _key(path, "n"))
    noise = _setting("noise", obj.get("noise", 0.0), _key(path, "noise"))
    test_fraction, seed = _split_settings(obj, path)
    return DataSpec(generator=name, n=n, noise=noise, seed=seed,
                    features=_features(obj, path), test_fraction=test_fraction)


def _features(obj, path: str) -> tuple:
    """The input features ("features": ["x1", "x2", "x1^2", ...]; default x1, x2);
    whether they suit the points and the input layer is :meth:`Scenario.check`'s
    question."""
    value = obj.get("features", list(features_mod.DEFAULT_FEATURES))
    problem = features_mod.problem(value)
    if problem:
        raise ScenarioError(_key(path, "features"), problem)
    return tuple(value)


# -- public API ------------------------------------------------------------------


def from_dict(obj) -> Scenario:
    """A scenario from parsed JSON, checked key by key; ScenarioError names the first problem."""
    _object(obj, ROOT, _TOP_KEYS, ("format", "version", "network", "training", "data"))
    if obj["format"] != FORMAT:
        raise ScenarioError("format", f'expected "{FORMAT}", got {_describe(obj["format"])}')
    version = _integer(obj["version"], "version")
    if version != VERSION:
        raise ScenarioError("version", f"this bpsim reads version {VERSION} files, "
                                       f"got version {_describe(version)}")
    text = {}
    for key in ("title", "description"):
        value = obj.get(key, "")
        if not isinstance(value, str):
            raise ScenarioError(key, f"expected a string, got {_describe(value)}")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            # "\ud800" alone is valid JSON but no character: it can be neither shown,
            # printed nor saved as UTF-8
            raise ScenarioError(key, "not valid text: a lone UTF-16 surrogate "
                                     f"\\u{ord(value[error.start]):04x} at character "
                                     f"{error.start + 1}") from None
        text[key] = value
    network, init = _network(obj["network"], "network")
    training = _training(obj["training"], "training")
    data = _data(obj["data"], "data")
    numbering = _numbering(obj.get("notation", {}), "notation")
    return Scenario(network, training, data, init, text["title"],
                    text["description"], numbering).check()


def _numbering(obj, path: str) -> Numbering:
    _object(obj, path, _NOTATION_KEYS)
    where = _key(path, "input_layer")
    value = obj.get("input_layer", 0)
    if isinstance(value, bool) or not isinstance(value, int) or value not in INPUT_LAYERS:
        raise ScenarioError(where, "expected 0 (the input is layer 0) or 1 (the input is "
                                   f"layer 1, as the lecture), got {_describe(value)}")
    return Numbering(int(value))


def loads(text: str, source: str = "<string>") -> Scenario:
    """A scenario from the text of a scenario file; ``source`` names it in errors."""
    try:
        if len(text) > MAX_FILE_BYTES:
            raise ScenarioError(ROOT, f"more than {MAX_FILE_BYTES // (1024 * 1024)} MB "
                                      "of text; scenario files are at most 10 MB")
        return from_dict(_parse_json(text))
    except ScenarioError as error:
        error.source = source
        raise


def load(path) -> Scenario:
    """Read and check a ``.bpsim.json`` file.  Every problem, with the file itself
    (missing, unreadable, not UTF-8, too large) or with its content, is a ScenarioError."""
    path = Path(path)
    name = str(path)

    def fail(problem: str) -> ScenarioError:
        return ScenarioError(name, problem, source=name)

    try:
        info = path.stat()
        if stat.S_ISDIR(info.st_mode):
            raise fail("is a folder, not a scenario file")
        if not stat.S_ISREG(info.st_mode):
            # a FIFO would block until a writer comes, /dev/zero never ends
            raise fail("is not a regular file (a pipe, a device or a socket)")
        if info.st_size > MAX_FILE_BYTES:
            raise fail(f"the file is {info.st_size / (1024 * 1024):.1f} MB; scenario files "
                       f"are at most {MAX_FILE_BYTES // (1024 * 1024)} MB")
        # O_NONBLOCK: should the path be swapped for a FIFO after the check, opening it
        # still returns at once; at most the size limit (and one byte) is read
        descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as file:
            raw = file.read(MAX_FILE_BYTES + 1) or b""  # None: nothing to read yet
    except FileNotFoundError:
        raise fail("no such file") from None
    except PermissionError:
        raise fail("permission denied") from None
    except OSError as error:
        raise fail(f"cannot read the file: {error.strerror or error}") from None
    if len(raw) > MAX_FILE_BYTES:
        raise fail(f"scenario files are at most {MAX_FILE_BYTES // (1024 * 1024)} MB")
    try:
        text = raw.decode("utf-8-sig")  # tolerate the byte-order mark some editors add
    except UnicodeDecodeError as error:
        raise fail(f"not UTF-8 text (byte 0x{raw[error.start]:02x} at offset "
                   f"{error.start})") from None
    return loads(text, source=name)


def _init_dict(init: InitSpec) -> dict:
    out = {"scheme": init.scheme, "seed": int(init.seed)}
    for name in SCHEME_PARAMS.get(init.scheme, {}):
        out[name] = init.param(name)
    return out


def to_dict(scenario: Scenario) -> dict:
    """The full explicit state: weights, biases, every training key, the data, and the
    init that "re-initialize" uses."""
    net, training, data = scenario.network, scenario.training, scenario.data
    out: dict = {"format": FORMAT, "version": VERSION}
    if scenario.title:
        out["title"] = scenario.title
    if scenario.description:
        out["description"] = scenario.description
    out["network"] = {
        "layers": [int(n) for n in net.layers],
        "activations": list(net.activations),
        "leaky_slope": float(net.leaky_slope),
        "weights": [np.asarray(w, dtype=float).tolist() for w in net.weights],
        "biases": [np.asarray(b, dtype=float).tolist() for b in net.biases],
        "init": _init_dict(scenario.init),
    }
    out["training"] = {
        "loss": training.loss,
        "learning_rate": float(training.learning_rate),
        "momentum": float(training.momentum),
        "batch_size": None if training.batch_size is None else int(training.batch_size),
        "train_biases": bool(training.train_biases),
        "seed": int(training.seed),
        "optimizer": training.optimizer,
        # every optimizer's settings, also those the chosen one does not use: a file
        # keeps what was set (a file without them takes torch.optim's defaults)
        "rho": float(training.rho),
        "beta1": float(training.beta1),
        "beta2": float(training.beta2),
        "epsilon": float(training.epsilon),
    }
    if training.regularization != "none" or training.regularization_rate:
        # written only when set, so a file without a penalty stays as version 1 wrote it
        out["training"]["regularization"] = training.regularization
        out["training"]["regularization_rate"] = float(training.regularization_rate)
    if data.is_generated:
        out["data"] = {"generator": data.generator, "n": int(data.n),
                       "noise": float(data.noise), "seed": int(data.seed)}
    else:
        out["data"] = {"samples": [{"x": [float(v) for v in x], "y": [float(v) for v in y]}
                                   for x, y in data.samples]}
        if data.seed:
            out["data"]["seed"] = int(data.seed)
    if data.has_features:
        out["data"]["features"] = list(data.features)
    if data.test_fraction:
        out["data"]["test_fraction"] = float(data.test_fraction)
    if not scenario.numbering.is_default:
        out["notation"] = {"input_layer": scenario.numbering.input_layer}
    return out


_INLINE_WIDTH = 88


def _encode(value, indent: int) -> str:
    """JSON with short objects and lists of numbers on one line, the rest indented.
    Floats are written with repr, which reads back to the identical float."""
    inline = json.dumps(value, ensure_ascii=False, allow_nan=False)
    flat = not isinstance(value, (list, dict)) or (
        isinstance(value, list) and not any(isinstance(v, (list, dict)) for v in value))
    if flat or len(inline) + 2 * indent <= _INLINE_WIDTH:
        return inline
    pad, inner = "  " * indent, "  " * (indent + 1)
    if isinstance(value, dict):
        items = [f"{inner}{json.dumps(k, ensure_ascii=False)}: {_encode(v, indent + 1)}"
                 for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    items = [inner + _encode(v, indent + 1) for v in value]
    return "[\n" + ",\n".join(items) + "\n" + pad + "]"


def dumps(scenario: Scenario) -> str:
    """The scenario file's text (ends with a newline).  ScenarioError if the scenario holds
    NaN or infinity, which no file could hold."""
    for kind, arrays in (("weights", scenario.network.weights),
                         ("biases", scenario.network.biases)):
        for l, array in enumerate(arrays):
            if not np.isfinite(array).all():
                raise ScenarioError(f"network.{kind}[{l}]",
                                    "holds NaN or infinity and cannot be saved")
    try:
        return _encode(to_dict(scenario), 0) + "\n"
    except ValueError as error:
        raise ScenarioError(ROOT, f"cannot be saved: {error}") from None


def save(scenario: Scenario, path) -> None:
    """Write the scenario to ``path`` atomically: a temporary file in the same folder,
    flushed to disk, then renamed over ``path``.  If anything fails the old file stays.
    OSError names ``path``; ScenarioError if the scenario holds NaN or infinity."""
    text = dumps(scenario).encode("utf-8")
    target = Path(os.path.realpath(path))  # through a symlink: replace what it points to
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp")
    try:
        # 0o666 lets the umask decide the permissions, as for any new file
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    except OSError as error:
        raise OSError(error.errno, error.strerror, str(path)) from None
    try:
        with os.fdopen(descriptor, "wb") as file:
            try:  # an existing file keeps its permissions
                os.fchmod(file.fileno(), stat.S_IMODE(os.stat(target).st_mode))
            except FileNotFoundError:
                pass
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


# -- built-in scenarios ------------------------------------------------------------
# The scenario files bundled in resources/scenarios; a built-in scenario's id is its
# file name without .bpsim.json ("xor"), which guided tours use to name it.

#: The built-in scenario the window opens when no file is given.
DEFAULT_SCENARIO = "lecture-example"
#: The built-in scenario to build on: one input, one identity output, one sample.
EMPTY_SCENARIO = "empty"
#: Built-in scenarios in teaching order; any other bundled file follows alphabetically.
BUILTIN_ORDER = ("lecture-example", "xor", "circles", "spiral", "sine",
                 "deep-sigmoid", "deep-relu")


def _builtin_folder():
    return importlib.resources.files("bpsim.resources") / "scenarios"


def builtin_scenario_names() -> list[str]:
    """Ids of the built-in scenarios, in teaching order."""
    found = {entry.name[:-len(EXTENSION)] for entry in _builtin_folder().iterdir()
             if entry.name.endswith(EXTENSION)}
    ordered = [name for name in BUILTIN_ORDER if name in found]
    return ordered + sorted(found - set(ordered))


def builtin_path(name: str) -> Path:
    """The file of built-in scenario ``name``; ScenarioError if there is none."""
    names = builtin_scenario_names()
    if name not in names:
        raise ScenarioError(name, "no such built-in scenario; the built-in scenarios "
                                  f"are: {', '.join(names)}")
    return Path(str(_builtin_folder() / f"{name}{EXTENSION}"))


def load_builtin(name: str) -> Scenario:
    """The built-in scenario ``name`` (an id such as "xor"), freshly loaded."""
    return load(builtin_path(name))


_BUILTIN_TITLES: dict[str, str] = {}


def builtin_id(scenario: Scenario) -> str | None:
    """The id of the built-in scenario ``scenario`` was opened from, or None.  It is
    recognised by its title, so a saved copy of a built-in scenario still has its id."""
    if not scenario.title:
        return None
    for name in builtin_scenario_names():
        if name not in _BUILTIN_TITLES:
            _BUILTIN_TITLES[name] = load_builtin(name).title
        if _BUILTIN_TITLES[name] == scenario.title:
            return name
    return None

