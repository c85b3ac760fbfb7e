"""A scenario-file fuzzer for the headless ``bpsim`` commands.

It takes the built-in scenarios (resources/scenarios/*.bpsim.json), mutates them with a
seeded random generator, structure-aware (numbers made huge, tiny, negative, NaN or
infinite, values of the wrong type, lists made short or long, keys dropped or added,
lone UTF-16 surrogates in the title, deep nesting) and byte by byte (truncated, random
bytes), and runs ``bpsim step / train --steps 3 / gradcheck / explain`` on each file.
Odd paths (a folder, a FIFO, an endless device, an unreadable file) are run too.

Every run must end in one of two ways:

- exit 0 with a result on stdout and nothing on stderr (``gradcheck`` may exit 1 with
  its result when the check fails), or
- exit 1 with nothing on stdout and ONE line on stderr, ``bpsim: <place>: <problem>``,
  at most :data:`MAX_MESSAGE` characters;

never a traceback, a numpy warning, partial output before a refusal, more than
:data:`MAX_SECONDS` seconds or more than :data:`MAX_STDOUT` bytes of output.

``python fuzz/files.py --seconds 600`` (``make fuzz``) runs until the time is up, prints
"N files, M runs, K failures" and keeps, per distinct failure (the check that failed,
the exception type and its place), the smallest reproducer in ``fuzz/failures/``;
it exits 1 when anything failed.  ``tests/engine/test_fuzz_files.py`` runs a few
hundred files with a fixed seed as part of the tests.

Qt-free: it imports only the engine.
"""

from __future__ import annotations

import argparse
import contextlib
import io as stdio
import json
import math
import os
import random
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "resources" / "scenarios"
FAILURES = Path(__file__).resolve().parent / "failures"

#: the longest one-line refusal accepted ("bpsim: " and the file name included)
MAX_MESSAGE = 400
#: each run's time budget
MAX_SECONDS = 5.0
#: the most a command may print (a 100,000-sample step --json prints summaries)
MAX_STDOUT = 8 * 1024 * 1024

#: the commands each file goes through
COMMANDS = (("step",), ("step", "--json"), ("train", "--steps", "3"),
            ("train", "--steps", "3", "--json"), ("gradcheck",), ("gradcheck", "--json"),
            ("explain",), ("explain", "--format", "html"))


# -- mutations --------------------------------------------------------------------------

_STRANGE_NUMBERS = (0, -0.0, 1, -1, 0.5, 1e308, -1e308, 1.7976931348623157e308, 5e-324,
                    -5e-324, 1e-308, 1e20, -1e20, 2**31, 2**31 - 1, 2**53 + 1, 2**63,
                    10**400, -10**400, float("nan"), float("inf"), float("-inf"),
                    100_000, 100_001, 256, 257, 16, 17, 3, 7, 1e6)
_STRANGE_VALUES = (None, True, False, "", "NaN", "inf", "-inf", "1e999", "abc",
                   "\ud800", "\udfff", "x" * 5000, [], {}, [1], {"a": 1}, [[[]]])
_STRANGE_TEXT = ("\ud800", "\udc00x\ud83d", "é" * 300, "\u202e\u0000\x1b[31m",
                 "x" * 20000, "😀" * 50, "\n\r\t", "")


def _paths(node, here=()):
    """Every (path, value) in a JSON tree, the root included."""
    yield here, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, here + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _paths(value, here + (i,))


def _get(node, path):
    for part in path:
        node = node[part]
    return node


def _set(root, path, value):
    if not path:
        return value
    _get(root, path[:-1])[path[-1]] = value
    return root


_NEST = "__nested_lists__"


def _nested(depth: int) -> str:
    """A marker :func:`encode` writes as ``depth`` nested lists (the tree itself stays
    shallow: copying a deep one would exhaust Python's recursion limit)."""
    return f"{_NEST}{depth}"


def _random_op(tree, rng: random.Random):
    """One mutation as data: ("set", path, value), ("drop", path), ("add", path, key, value)."""
    paths = list(_paths(tree))
    path, value = rng.choice(paths)
    roll = rng.random()
    if isinstance(value, dict) and roll < 0.3:
        if value and rng.random() < 0.5:
            return ("drop", path + (rng.choice(list(value)),))
        return ("add", path, rng.choice(["extra", "seed", "a", "sigma", "c", "n", "y",
                                         "title", "weights", "init", "\ud800"]),
                rng.choice(_STRANGE_NUMBERS + _STRANGE_VALUES))
    if isinstance(value, list) and roll < 0.4:
        kind = rng.random()
        if value and kind < 0.3:
            return ("set", path, value[:rng.randrange(len(value))])
        if value and kind < 0.6:
            return ("set", path, value + [value[-1]] * rng.choice([1, 2, 100, 5000]))
        if kind < 0.8:
            return ("set", path, _nested(rng.choice([50, 900, 5000])))
        return ("set", path, [rng.choice(_STRANGE_NUMBERS)] * rng.choice([1, 3, 300]))
    if isinstance(value, str) and roll < 0.6:
        return ("set", path, rng.choice(_STRANGE_TEXT) if rng.random() < 0.5
                else rng.choice(_STRANGE_VALUES + _STRANGE_NUMBERS))
    if isinstance(value, (int, float)) and not isinstance(value, bool) and roll < 0.8:
        if rng.random() < 0.3:  # a nearby number: the edges of the ranges
            factor = rng.choice([-1, 0, 2, 10, 1e6, 1e-6, 1e300])
            try:
                return ("set", path, value * factor)
            except OverflowError:  # an integer of hundreds of digits times a float
                return ("set", path, -value)
        return ("set", path, rng.choice(_STRANGE_NUMBERS))
    return ("set", path, rng.choice(_STRANGE_NUMBERS + _STRANGE_VALUES))


def _targeted_ops(tree, rng: random.Random) -> list:
    """Mutations aimed at the rules that tie settings together and at the sizes."""
    choice = rng.randrange(12)
    init = ("network", "init")
    if choice == 0:
        a = rng.choice([-1e308, -1.7976931348623157e308, -1e300, -1.0])
        return [("set", init, {"scheme": "uniform", "seed": 0, "a": a,
                               "b": rng.choice([1e308, 1.7976931348623157e308, 1.0, a])}),
                ("drop", ("network", "weights")), ("drop", ("network", "biases"))]
    if choice == 1:
        return [("set", init, {"scheme": "normal", "seed": rng.randrange(9),
                               "sigma": rng.choice([1e308, 1e200, 1e20, 0.0, 1e-320])}),
                ("drop", ("network", "weights")), ("drop", ("network", "biases"))]
    if choice == 2:
        return [("set", init, {"scheme": "constant",
                               "c": rng.choice([1e308, -1e308, 1e154, 1e20, 0.0])}),
                ("drop", ("network", "weights")), ("drop", ("network", "biases"))]
    if choice == 3:
        return [("set", ("title",), rng.choice(_STRANGE_TEXT)),
                ("set", ("description",), rng.choice(_STRANGE_TEXT))]
    if choice == 4:  # a wide, deep network
        width, depth = rng.choice([(64, 12), (128, 12), (256, 14), (32, 6)])
        n_in = len(tree["data"].get("samples", [{"x": [0, 0]}])[0]["x"]) \
            if "samples" in tree["data"] else (1 if tree["data"].get("generator") == "sine"
                                               else 2)
        layers = [n_in] + [width] * depth + [tree["network"]["layers"][-1]]
        acts = [rng.choice(["sigmoid", "relu", "tanh"])] * depth + \
            [tree["network"]["activations"][-1]]
        return [("set", ("network", "layers"), layers),
                ("set", ("network", "activations"), acts),
                ("set", init, {"scheme": "he_normal", "seed": 1}),
                ("drop", ("network", "weights")), ("drop", ("network", "biases"))]
    if choice == 5:  # many samples
        return [("set", ("data",), {"generator": rng.choice(["spiral", "xor", "circles",
                                                             "gaussian"]),
                                    "n": rng.choice([100_000, 50_000, 2000]),
                                    "noise": 0.1, "seed": 2}),
                ("set", ("network", "layers", 0), 2)]
    if choice == 6:  # cross-entropy with classes
        n_out = rng.choice([2, 3])
        return [("set", ("training", "loss"), "cross_entropy"),
                ("set", ("network", "layers", -1), n_out),
                ("set", ("network", "activations", -1), "softmax"),
                ("set", init, {"scheme": "xavier_uniform", "seed": 0}),
                ("drop", ("network", "weights")), ("drop", ("network", "biases")),
                ("set", ("data",), {"samples": [
                    {"x": [0.0] * tree["network"]["layers"][0],
                     "y": [rng.choice([0, 1, n_out, -1, 2.5, 1e308, 1e20, -0.0])]}]})]
    if choice == 7:
        return [("set", ("training", "learning_rate"),
                 rng.choice([1e308, 1e30, 1e-320, 5e-324, 1e6]))]
    if choice == 8:
        return [("set", ("training", "batch_size"), rng.choice([1, 2, 100_000, 3, None])),
                ("set", ("training", "momentum"), rng.choice([0.999999, 0.5, 0.0]))]
    if choice == 9:
        return [("set", ("network", "leaky_slope"), rng.choice([0.0, 1.0, 1e-320])),
                ("set", ("network", "activations", 0), "leaky_relu")]
    if choice == 10:  # huge literal values in the samples
        if "samples" not in tree["data"]:
            return []
        return [("set", ("data", "samples", 0, "x", 0), rng.choice([1e308, -1e308, 1e154])),
                ("set", ("training", "learning_rate"), rng.choice([1.0, 1e10]))]
    return [("set", ("network", "weights", 0, 0, 0), rng.choice([1e308, -1e308, 1e154,
                                                                 5e-324]))]


def apply_ops(seed_tree, ops):
    """A copy of ``seed_tree`` with the mutations applied (one that no longer fits the
    tree it meets is skipped, so any subset of ``ops`` gives a file too)."""
    tree = json.loads(json.dumps(seed_tree))
    for op in ops:
        try:
            if op[0] == "set":
                tree = _set(tree, op[1], json.loads(json.dumps(op[2])) if isinstance(
                    op[2], (list, dict)) else op[2])
            elif op[0] == "drop":
                del _get(tree, op[1][:-1])[op[1][-1]]
            elif op[0] == "add":
                target = _get(tree, op[1])
                if isinstance(target, dict):
                    target[op[2]] = op[3]
        except (KeyError, IndexError, TypeError):
            pass
    return tree


def encode(tree, rng: random.Random | None = None) -> bytes:
    """The file's bytes: JSON (NaN and Infinity as Python writes them, lone surrogates
    as \\ud800 escapes)."""
    text = json.dumps(tree, indent=rng.choice([None, 1]) if rng else None)
    while _NEST in text:
        start = text.index(f'"{_NEST}')
        end = text.index('"', start + 1)
        depth = int(text[start + 1 + len(_NEST):end])
        text = text[:start] + "[" * depth + "1" + "]" * depth + text[end + 1:]
    return text.encode()


def byte_mutation(data: bytes, rng: random.Random) -> bytes:
    roll = rng.randrange(5)
    if roll == 0:
        return data[:rng.randrange(len(data) + 1)]
    if roll == 1:
        data = bytearray(data)
        for _ in range(rng.randrange(1, 8)):
            data[rng.randrange(len(data))] = rng.randrange(256)
        return bytes(data)
    if roll == 2:
        at = rng.randrange(len(data) + 1)
        return data[:at] + bytes(rng.randrange(256) for _ in range(rng.randrange(1, 40))) \
            + data[at:]
    if roll == 3:
        return rng.choice([b"\xef\xbb\xbf", b"\xff\xfe", b"", b"\x00" * 10]) + data
    return rng.choice([b"", b"null", b"[]", b"{}", b"1e999", b'"\\ud800"', b"[" * 100000,
                       b'{"format": "bpsim", "version": 1e400}', b"\xff" * 100])


def seed_trees() -> dict[str, object]:
    return {path.name[:-len(".bpsim.json")]: json.loads(path.read_text(encoding="utf-8"))
            for path in sorted(SCENARIOS.glob("*.bpsim.json"))}


@dataclass
class Case:
    """One fuzzed file: a seed scenario and the mutations, or raw bytes."""

    seed: str
    ops: list = field(default_factory=list)
    #: a byte-level mutation of the encoded tree (then ``ops`` are not minimized)
    raw: bytes | None = None

    def data(self, trees) -> bytes:
        return self.raw if self.raw is not None else encode(apply_ops(trees[self.seed],
                                                                      self.ops))


def make_case(trees, rng: random.Random) -> Case:
    seed = rng.choice(sorted(trees))
    ops = []
    if rng.random() < 0.35:
        ops += _targeted_ops(trees[seed], rng)
    tree = apply_ops(trees[seed], ops)
    for _ in range(rng.choice([0, 1, 1, 1, 2, 3]) if ops else rng.choice([1, 1, 2, 3, 5])):
        op = _random_op(tree, rng)
        ops.append(op)
        tree = apply_ops(tree, [op])
    case = Case(seed, ops)
    if rng.random() < 0.12:
        case.raw = byte_mutation(case.data(trees), rng)
    return case


# -- running ----------------------------------------------------------------------------


class _Budget(Exception):
    pass


def _alarm(signum, frame):
    raise _Budget()


@dataclass
class Outcome:
    code: int | None
    out: str
    err: str
    seconds: float
    #: (type name, innermost bpsim place) of an exception that escaped cli.main
    crash: tuple[str, str] | None = None


def _place(tb) -> str:
    """The innermost frame inside bpsim (or the innermost at all), as file:line."""
    frames = traceback.extract_tb(tb)
    ours = [f for f in frames if "/bpsim/" in f.filename.replace("\\", "/")] or frames
    frame = ours[-1]
    return f"{Path(frame.filename).name}:{frame.lineno}"


def run_in_process(argv, seconds: float = MAX_SECONDS) -> Outcome:
    """``cli.main(argv)`` with stdout and stderr captured and a SIGALRM budget."""
    from bpsim import cli

    # UTF-8 streams as a terminal's: text a real stdout cannot encode fails here too
    out, err = (stdio.TextIOWrapper(stdio.BytesIO(), encoding="utf-8", errors="strict")
                for _ in range(2))
    crash = None
    code = None
    previous = signal.signal(signal.SIGALRM, _alarm)
    # twice the budget before interrupting: the check below fails it either way
    signal.setitimer(signal.ITIMER_REAL, 2 * seconds)
    start = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            import warnings
            with warnings.catch_warnings():
                warnings.simplefilter("default")  # a warning must show, to be caught
                code = cli.main(list(argv))
    except _Budget:
        crash = ("Timeout", "")
    except BaseException as error:  # noqa: BLE001 - anything escaping is the finding
        crash = (type(error).__name__, _place(error.__traceback__))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    seconds_taken = time.perf_counter() - start
    texts = []
    for stream in (out, err):
        with contextlib.suppress(ValueError):
            stream.flush()
        texts.append(stream.buffer.getvalue().decode("utf-8", "replace"))
    return Outcome(code, *texts, seconds_taken, crash)


def run_subprocess(argv, seconds: float = MAX_SECONDS) -> Outcome:
    """``python -m bpsim argv`` as a user runs it."""
    start = time.perf_counter()
    env = dict(os.environ, PYTHONIOENCODING="", LC_ALL="C.UTF-8")
    try:
        done = subprocess.run([sys.executable, "-m", "bpsim", *argv], capture_output=True,
                              timeout=seconds + 5, env=env, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return Outcome(None, "", "", time.perf_counter() - start, ("Timeout", ""))
    seconds_taken = time.perf_counter() - start
    return Outcome(done.returncode, done.stdout[:MAX_STDOUT + 1].decode("utf-8", "replace"),
                   done.stderr.decode("utf-8", "replace"), seconds_taken)


def judge(argv, outcome: Outcome, subprocess_run: bool = False,
          seconds: float = MAX_SECONDS) -> str | None:
    """None if the run ended as it should, else the kind of failure with its place."""
    if outcome.crash is not None:
        kind, place = outcome.crash
        return f"{kind} {place}".strip()
    # a subprocess also pays for starting Python and importing numpy
    limit = seconds + (3.0 if subprocess_run else 0.0)
    if outcome.seconds > limit:
        return f"slow ({outcome.seconds:.1f} s)"
    if len(outcome.out.encode("utf-8", "surrogatepass")) > MAX_STDOUT:
        return "stdout too large"
    err = outcome.err
    if "Traceback" in err:
        return "traceback " + err.strip().splitlines()[-1].split(":")[0][:60]
    if "Warning" in err:
        return "warning " + next(line for line in err.splitlines()
                                 if "Warning" in line).split("Warning")[0][-40:]
    if outcome.code == 0:
        if err:
            return "exit 0 with stderr"
        if not outcome.out:
            return "exit 0 without output"
        return None
    if outcome.code == 1 and argv[0] == "gradcheck" and not err and outcome.out:
        return None  # the check ran and failed: a result
    if outcome.code != 1:
        return f"exit code {outcome.code}"
    if outcome.out:
        return "output before a refusal"
    lines = err.splitlines()
    if len(lines) != 1:
        return f"{len(lines)} lines on stderr"
    if not lines[0].startswith("bpsim: "):
        return "refusal without 'bpsim: '"
    if len(lines[0]) > MAX_MESSAGE:
        return "refusal too long"
    return None


# -- odd paths ----------------------------------------------------------------------------


def odd_paths(folder: Path) -> list[tuple[str, Path]]:
    """Files no scenario is in: a folder, a FIFO, an endless device, an unreadable file,
    an empty file, a symlink loop, a dangling symlink."""
    paths = []
    (folder / "a-folder.bpsim.json").mkdir(exist_ok=True)
    paths.append(("folder", folder / "a-folder.bpsim.json"))
    fifo = folder / "fifo.bpsim.json"
    if not fifo.exists():
        os.mkfifo(fifo)
    paths.append(("fifo", fifo))
    for device in ("/dev/zero", "/dev/urandom"):
        if os.path.exists(device):
            paths.append((device, Path(device)))
    unreadable = folder / "unreadable.bpsim.json"
    unreadable.write_bytes((SCENARIOS / "xor.bpsim.json").read_bytes())
    unreadable.chmod(0)
    paths.append(("unreadable", unreadable))
    empty = folder / "empty.bpsim.json"
    empty.write_bytes(b"")
    paths.append(("empty", empty))
    loop = folder / "loop.bpsim.json"
    if not loop.is_symlink():
        loop.symlink_to(loop)
    paths.append(("symlink loop", loop))
    dangling = folder / "dangling.bpsim.json"
    if not dangling.is_symlink():
        dangling.symlink_to(folder / "nowhere")
    paths.append(("dangling symlink", dangling))
    return paths


# -- the run ------------------------------------------------------------------------------


@dataclass
class Report:
    files: int = 0
    runs: int = 0
    #: failure key -> (smallest reproducer bytes, argv, the outcome's stderr)
    failures: dict = field(default_factory=dict)
    count: int = 0

    def summary(self) -> str:
        return (f"{self.files} files, {self.runs} runs, {self.count} failures"
                + (f" ({len(self.failures)} distinct)" if self.failures else ""))


def _minimize(case: Case, trees, argv, key, folder: Path) -> bytes:
    """Drop mutations one at a time while the same failure remains."""
    data = case.data(trees)
    if case.raw is not None:
        return data
    ops = list(case.ops)
    changed = True
    while changed and len(ops) > 1:
        changed = False
        for i in range(len(ops)):
            trial = Case(case.seed, ops[:i] + ops[i + 1:])
            trial_data = trial.data(trees)
            path = folder / "minimize.bpsim.json"
            path.write_bytes(trial_data)
            args = [a if a != "FILE" else str(path) for a in argv]
            if judge(args, run_in_process(args)) == key:
                ops, data, changed = trial.ops, trial_data, True
                break
    return data


def run(seed: int = 0, files: int | None = None, seconds: float | None = None,
        commands_per_file: int = 3, subprocess_every: int = 50, keep: Path | None = None,
        minimize: bool = True, log=None, budget: float = MAX_SECONDS) -> Report:
    """Fuzz ``files`` files (or until ``seconds`` have passed); ``keep`` is where the
    reproducers go (None: nowhere); ``budget``: each run's time limit in seconds."""
    rng = random.Random(seed)
    trees = seed_trees()
    report = Report()
    start = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="bpsim-fuzz-"))
    try:
        def record(key, data, argv, outcome):
            report.count += 1
            if log:
                print(f"FAIL [{key}] bpsim {' '.join(argv)}: {outcome.err.strip()[:200]}",
                      file=log)
            best = report.failures.get(key)
            if best is None or len(data) < len(best[0]):
                report.failures[key] = (data, argv, outcome.err)

        for name, path in odd_paths(folder):
            report.files += 1
            for command in COMMANDS[::2]:
                argv = [*command[:1], str(path), *command[1:]]
                outcome = run_subprocess(argv, budget)
                report.runs += 1
                key = judge(argv, outcome, subprocess_run=True, seconds=budget)
                if key:
                    record(f"{key} ({name})", name.encode(), argv, outcome)

        done = 0
        while True:
            if files is not None and done >= files:
                break
            if seconds is not None and time.monotonic() - start > seconds:
                break
            done += 1
            case = make_case(trees, rng)
            data = case.data(trees)
            path = folder / f"case{done % 2}.bpsim.json"
            path.write_bytes(data)
            report.files += 1
            for command in rng.sample(COMMANDS, commands_per_file):
                argv = [command[0], str(path), *command[1:]]
                as_subprocess = subprocess_every and done % subprocess_every == 0
                outcome = run_subprocess(argv, budget) if as_subprocess \
                    else run_in_process(argv, budget)
                report.runs += 1
                key = judge(argv, outcome, subprocess_run=bool(as_subprocess),
                            seconds=budget)
                if key is None:
                    continue
                key = f"{key} [{command[0]}]"
                if minimize and not as_subprocess and key not in report.failures:
                    template = [command[0], "FILE", *command[1:]]
                    data_min = _minimize(case, trees, template, key, folder)
                else:
                    data_min = data
                record(key, data_min, argv, outcome)
    finally:
        for path in folder.iterdir():
            with contextlib.suppress(OSError):
                path.chmod(stat.S_IRUSR | stat.S_IWUSR)
        shutil.rmtree(folder, ignore_errors=True)
    if keep is not None and report.failures:
        keep.mkdir(parents=True, exist_ok=True)
        for number, (key, (data, argv, err)) in enumerate(sorted(report.failures.items())):
            stem = keep / f"failure-{number:03d}"
            stem.with_suffix(".bpsim.json").write_bytes(data)
            stem.with_suffix(".txt").write_text(
                f"{key}\nbpsim {' '.join(argv[:1])} FILE {' '.join(argv[2:])}\n{err}",
                encoding="utf-8", errors="backslashreplace")
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=None,
                        help="run until this many seconds have passed")
    parser.add_argument("--files", type=int, default=None, help="fuzz this many files")
    parser.add_argument("--seed", type=int, default=None,
                        help="the random seed (default: from the clock, printed)")
    parser.add_argument("--keep", default=str(FAILURES),
                        help="folder for the reproducers (default fuzz/failures)")
    args = parser.parse_args(argv)
    seed = args.seed if args.seed is not None else int(time.time())
    if args.seconds is None and args.files is None:
        args.seconds = 60.0
    print(f"fuzzing scenario files, seed {seed}", file=sys.stderr)
    report = run(seed, files=args.files, seconds=args.seconds, keep=Path(args.keep),
                 log=sys.stderr)
    print(report.summary())
    if report.failures:
        print(f"reproducers in {args.keep}", file=sys.stderr)
        for key in sorted(report.failures):
            print(f"  {key}", file=sys.stderr)
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
