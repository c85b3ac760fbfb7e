"""The ``bpsim`` command.

One parser (:func:`build_parser`) for all of it.  ``bpsim COMMAND ...`` (step, train,
gradcheck, explain, scenarios, install-desktop) runs headless and never imports Qt.
``bpsim``, ``bpsim FILE`` and the window's options open the window, which is imported
only then.
"""

from __future__ import annotations

import argparse
import difflib
import importlib.metadata
import json
import os
import sys
from pathlib import Path

import numpy as np

from . import gradcheck as gradcheck_mod
from . import io
from .blas import one_blas_thread
from .notation.numbers import format_number
from .notation.symbols import shown_index
from .scenario import Scenario

#: the commands that run without a window ("presets" is the former name of "scenarios")
SUBCOMMANDS = ("step", "train", "gradcheck", "explain", "scenarios", "presets",
               "install-desktop", "import-data", "slides")


class CommandError(Exception):
    """A problem to report in one line on stderr, exiting with ``code``."""

    def __init__(self, message: str, code: int = 1):
        super().__init__(message)
        self.code = code


#: the window's size in a screenshot, unless --size says otherwise
DEFAULT_SCREENSHOT_SIZE = (1600, 1000)
#: the window's options that take a value (the word after one is no FILE or command)
WINDOW_VALUE_OPTIONS = ("--screenshot", "--steps", "--size")

USAGE = ("bpsim [FILE] [--screenshot OUT.png] [--steps K] [--size WxH]\n"
         "       bpsim COMMAND ...\n"
         "       bpsim --help | --version")


def version() -> str:
    """bpsim's version as installed (the package metadata)."""
    try:
        return importlib.metadata.version("bpsim")
    except importlib.metadata.PackageNotFoundError:  # run from a tree never installed
        return "unknown"


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(part) for part in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, e.g. 1600x1000, "
                                         f"got {text!r}") from None
    if not (100 <= width <= 10000 and 100 <= height <= 10000):
        raise argparse.ArgumentTypeError(f"{text}: each side must be 100 to 10000 pixels")
    return width, height


def _steps(text: str) -> int:
    try:
        steps = int(text)
    except ValueError:
        steps = -1
    if steps < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number ≥ 0, got {text!r}")
    return steps


def build_parser() -> argparse.ArgumentParser:
    """The one parser of the ``bpsim`` command: the window's FILE and options, and the
    commands that run without a window.  (FILE and COMMAND share the first place, which
    argparse cannot tell apart: :func:`parse_arguments` does.)"""
    parser = argparse.ArgumentParser(
        prog="bpsim", usage=USAGE,
        description="Watch backpropagation happen, step by step.  `bpsim` opens the "
                    "window with the default scenario, `bpsim FILE` opens a scenario "
                    "file; the commands below run without a window.",
        epilog="FILE is a .bpsim.json scenario file or the id of a built-in scenario "
               "(see `bpsim scenarios`).  `bpsim COMMAND --help` explains a command.")
    parser.add_argument("--version", action="version", version=f"bpsim {version()}")
    window = parser.add_argument_group("the window")
    window.add_argument("--screenshot", metavar="OUT.png", type=Path,
                        help="render the window to a PNG (offscreen) and exit")
    window.add_argument("--steps", dest="window_steps", metavar="K", type=_steps,
                        default=0, help="full training steps to take first (default 0)")
    window.add_argument("--size", metavar="WxH", type=_size, default=None,
                        help="window size of the screenshot (default "
                             f"{DEFAULT_SCREENSHOT_SIZE[0]}x{DEFAULT_SCREENSHOT_SIZE[1]})")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", prog="bpsim",
                                     title="commands (no window)")

    step = commands.add_parser(
        "step", help="one training step on the next batch, phase by phase",
        description="One training step (forward, loss, backward, update) on the first "
                    "batch of FILE.  With --json: loss, a, z, delta, grad_weights, "
                    "grad_biases, weights, biases (after the update), loss_after.")
    step.add_argument("file", metavar="FILE")
    step.add_argument("--json", action="store_true", help="print one JSON object")

    train = commands.add_parser(
        "train", help="N training steps",
        description="N training steps.  With --json: losses (each step's loss before "
                    "its update), final_loss (the whole dataset after training), "
                    "grad_norms (N × L, ‖∂J/∂W‖ per layer, input side first), weights, "
                    "biases.")
    train.add_argument("file", metavar="FILE")
    train.add_argument("--steps", type=_positive, required=True, metavar="N")
    train.add_argument("--out", metavar="OUT", help="save the trained scenario to OUT")
    train.add_argument("--json", action="store_true", help="print one JSON object")

    check = commands.add_parser(
        "gradcheck", help="backprop gradients against central differences",
        description="Compare backpropagation's gradients on the whole dataset with "
                    "central differences (J(θ+ε) − J(θ−ε)) / 2ε, per layer.  Exits 1 if "
                    "the largest relative error exceeds "
                    f"{format_number(gradcheck_mod.TOLERANCE)}.")
    check.add_argument("file", metavar="FILE")
    check.add_argument("--json", action="store_true", help="print one JSON object")

    explain = commands.add_parser(
        "explain", help="the worked example of one step, as a handout",
        description="One training step on the first batch of FILE written out as the "
                    "lecture does: forward pass, loss, backward pass factor by factor, "
                    "update, all with numbers.  Markdown (LaTeX math) or self-contained "
                    "HTML (MathML, no network needed).")
    explain.add_argument("file", metavar="FILE")
    explain.add_argument("--format", choices=("md", "html"), default="md",
                         help="md (default) or html")
    explain.add_argument("--out", metavar="OUT", help="write to OUT instead of stdout")

    imports = commands.add_parser(
        "import-data", help="a scenario with the samples of a CSV file",
        description="Read the samples of DATA.csv (a header row naming the columns, "
                    "then one row per sample; commas, semicolons or tabs) into a copy "
                    "of FILE, saved as OUT.  The input and output layers take as many "
                    "neurons as there are input and target columns (the other weights "
                    "are kept).  A cell that is no number is reported with its row and "
                    "column, and nothing is written.")
    imports.add_argument("file", metavar="FILE")
    imports.add_argument("data", metavar="DATA.csv")
    imports.add_argument("--inputs", required=True, type=_column_names, metavar="A,B",
                         help="the input columns x, in order")
    imports.add_argument("--targets", required=True, type=_column_names, metavar="C",
                         help="the target columns y, in order")
    imports.add_argument("--out", required=True, metavar="OUT",
                         help="the scenario file to write")

    slides = commands.add_parser(
        "slides", help="the phases of one step as slides (PDF, PNG, animated PNG)",
        description="One training step on the first batch of FILE (as `bpsim step` "
                    "takes it) drawn as the window draws it, one page per phase "
                    "(forward per layer, loss, backward per layer, update): the canvas "
                    "with its banner.  OUT.pdf: a PDF; OUT.png: PNG files OUT-01.png, "
                    "…; --animate: an animated PNG.  Needs Qt (drawn offscreen when "
                    "there is no display).")
    slides.add_argument("file", metavar="FILE")
    slides.add_argument("--out", required=True, metavar="OUT",
                        help="deck.pdf (one page per phase) or slide.png (one file each)")
    slides.add_argument("--size", dest="slide_size", metavar="WxH", type=_size,
                        default=(1280, 720), help="pixels of a slide (default 1280x720)")
    slides.add_argument("--animate", choices=("step", "run"),
                        help="an animated PNG at OUT instead: the step's phases, or a "
                             "training run of --steps steps")
    slides.add_argument("--steps", dest="slide_steps", type=_positive, default=50,
                        metavar="N", help="the training run's steps (default 50)")

    commands.add_parser("scenarios", aliases=["presets"],
                        help="list the built-in scenarios",
                        description="List the built-in scenarios: the id to open each "
                                    "with, and its title.")

    desktop = commands.add_parser(
        "install-desktop", help="add bpsim to the desktop's menu and file types",
        description="For the current user: a desktop entry (bpsim in the applications "
                    "menu), its icon, and the file type of *.bpsim.json files, opened "
                    "with bpsim.  Written under $XDG_DATA_HOME (default ~/.local/share).")
    desktop.add_argument("--uninstall", action="store_true",
                         help="remove what install-desktop wrote")

    # after the commands, so that a command's name is never taken for a FILE
    window.add_argument("window_file", nargs="?", metavar="FILE",
                        help="a scenario file (.bpsim.json) or the id of a built-in "
                             f"scenario; default: {io.DEFAULT_SCENARIO}")
    return parser


def _first_word(argv: list[str]) -> int | None:
    """The index of the first word that is no option nor an option's value."""
    index = 0
    while index < len(argv):
        word = argv[index]
        if word == "--":
            return index + 1 if index + 1 < len(argv) else None
        if not word.startswith("-") or word == "-":
            return index
        index += 2 if word in WINDOW_VALUE_OPTIONS else 1
    return None


def _is_scenario(word: str) -> bool:
    return Path(word).exists() or word in io.builtin_scenario_names()


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    """``argv`` parsed by the one parser: ``command`` is None for the window (then
    ``window_file``, ``screenshot``, ``window_steps``, ``size``).  A usage error is printed and
    raises SystemExit, as argparse does."""
    parser = build_parser()
    names = list(SUBCOMMANDS)
    index = _first_word(argv)
    if index is None or argv[index] in names:
        args = parser.parse_args(argv)
        if args.command is not None and (args.screenshot is not None or args.window_steps
                                         or args.size is not None):
            parser.error("--screenshot, --steps and --size before a command are the "
                         "window's: give them without a command")
    else:
        word, rest = argv[index], argv[:index] + argv[index + 1:]
        further = _first_word(rest)
        if not _is_scenario(word):
            close = difflib.get_close_matches(word, names, n=1)
            if close:
                parser.error(f"unknown command {word!r}; did you mean {close[0]!r}?")
            if further is not None:
                parser.error(f"unknown command {word!r}; the commands are "
                             + ", ".join(names))
        if further is not None:
            parser.error(f"the window opens one FILE; unrecognized arguments: "
                         + " ".join(rest[further:]))
        args = parser.parse_args(rest)
        args.window_file = word
    if args.command is None and args.size is None:
        args.size = DEFAULT_SCREENSHOT_SIZE
    return args


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def _column_names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise argparse.ArgumentTypeError(f"expected column names parted by commas, "
                                         f"e.g. a,b, got {text!r}")
    return names


def open_scenario(name: str) -> Scenario:
    """FILE if it exists, else the built-in scenario of that id."""
    path = Path(name)
    if path.exists():
        return io.load(path)
    if name in io.builtin_scenario_names():
        return io.load_builtin(name)
    raise io.ScenarioError(name, "no such file or built-in scenario "
                                 "(see `bpsim scenarios`)",
                           source=name)


#: ``--json`` writes an array of more numbers than this as a summary (see _array)
JSON_ARRAY_LIMIT = 4096  # a 64 × 64 weight matrix is written in full


def _array(array):
    """The array as nested lists, or above JSON_ARRAY_LIMIT numbers a summary:
    {"shape", "min", "max", "mean", "norm"}, so that the output stays proportionate
    (a 100,000-sample batch would otherwise print every sample's activations)."""
    array = np.asarray(array, dtype=float)
    if array.size <= JSON_ARRAY_LIMIT:
        return array.tolist()
    return {"shape": list(array.shape), "min": float(array.min()),
            "max": float(array.max()), "mean": float(array.mean()),
            "norm": float(np.linalg.norm(array))}


def _lists(arrays) -> list:
    return [_array(a) for a in arrays]


def _matrix(array, prefix: str) -> str:
    """``prefix`` followed by the array, continuation lines aligned under it."""
    return prefix + np.array2string(np.asarray(array), precision=6, separator=", ",
                                    max_line_width=100, prefix=prefix)


def _diverged(file: str, step: int) -> CommandError:
    # step counts from 1, as a teacher would
    return CommandError(f"{file}: the loss diverged at step {step}: "
                        "try a smaller learning rate")


def _print_json(obj, file: str) -> None:
    try:
        text = json.dumps(obj, allow_nan=False)
    except ValueError:
        raise CommandError(f"{file}: the loss diverged (a number became infinite): "
                           "try a smaller learning rate") from None
    print(text)


def _name(args_file: str, scenario: Scenario) -> str:
    return f"{args_file} ({scenario.title})" if scenario.title else args_file


def cmd_step(args) -> int:
    scenario = open_scenario(args.file)
    trainer = scenario.trainer()
    record = trainer.step()
    if record.diverged:
        raise _diverged(args.file, record.step + 1)
    network = scenario.network
    # the same batch, after the update
    loss_after = network.loss(record.inputs, record.loss.target, scenario.training.loss)
    depth = network.depth
    if args.json:
        _print_json({
            "loss": record.loss.loss,
            "a": _lists(record.activations),
            "z": _lists(f.z for f in record.forward),
            "delta": _lists(record.backward_for(l).delta for l in range(1, depth + 1)),
            "grad_weights": _lists(record.backward_for(l).grad_weights
                                   for l in range(1, depth + 1)),
            "grad_biases": _lists(record.backward_for(l).grad_biases
                                  for l in range(1, depth + 1)),
            "weights": _lists(network.weights),
            "biases": _lists(network.biases),
            "loss_after": loss_after,
        }, args.file)
        return 0
    batch = len(record.sample_indices)
    print(f"{_name(args.file, scenario)}: one step on a batch of "
          f"{batch} sample{'s' if batch != 1 else ''}, "
          f"loss {scenario.training.loss}, learning rate "
          f"{format_number(scenario.training.learning_rate)}")
    print(f"loss before the update  J = {format_number(record.loss.loss)}")
    for l in range(1, depth + 1):
        back = record.backward_for(l)
        print(f"layer {l} ({network.activations[l - 1]}):  "
              f"‖∂J/∂W‖ = {format_number(back.grad_norm)}")
        print(_matrix(back.grad_weights, "  ∂J/∂W  = "))
        print(_matrix(back.grad_biases, "  ∂J/∂b  = "))
        print(_matrix(network.weights[l - 1], "  W after = "))
        print(_matrix(network.biases[l - 1], "  b after = "))
    print(f"loss after the update, same batch  J = {format_number(loss_after)}")
    return 0


class _ProgressBar:
    """A one-line progress bar on stderr, redrawn about a hundred times in all."""

    WIDTH = 30

    def __init__(self, total: int, stream):
        self.total, self.stream = total, stream
        self.every = max(1, total // 100)

    def update(self, done: int, loss: float) -> None:
        if done % self.every and done != self.total:
            return
        filled = self.WIDTH * done // self.total
        self.stream.write(f"\rtraining [{'#' * filled}{'.' * (self.WIDTH - filled)}] "
                          f"{done}/{self.total}  loss {format_number(loss)}  ")
        self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def cmd_train(args) -> int:
    scenario = open_scenario(args.file)
    trainer = scenario.trainer()
    bar = _ProgressBar(args.steps, sys.stderr) if sys.stderr.isatty() else None
    losses, grad_norms, test_losses = [], [], []
    # Bulk training in chunks (Trainer.run keeps no phase records), so the progress
    # bar moves without slowing the run down.
    chunk = max(1, min(1000, args.steps // 100 or 1))
    done = 0
    try:
        while done < args.steps:
            run = trainer.run(min(chunk, args.steps - done))
            losses.extend(run.losses.tolist())
            grad_norms.extend(run.grad_norms.tolist())
            if run.test_losses is not None:
                test_losses.extend(run.test_losses.tolist())
            done += len(run.losses)
            if run.diverged:
                raise _diverged(args.file, done)
            if bar is not None:
                bar.update(done, losses[-1])
    finally:
        if bar is not None:
            bar.close()
    dataset = scenario.dataset()
    final_loss = scenario.network.loss(dataset.x, dataset.y, scenario.training.loss)
    if not np.isfinite(final_loss):
        raise _diverged(args.file, args.steps + 1)
    if args.out is not None:
        try:
            io.save(scenario, args.out)
        except OSError as error:
            raise CommandError(f"{args.out}: cannot write: "
                               f"{error.strerror or error}") from None
    final_test_loss = trainer.test_loss()
    if args.json:
        result = {"losses": losses, "final_loss": final_loss, "grad_norms": grad_norms,
                  "weights": _lists(scenario.network.weights),
                  "biases": _lists(scenario.network.biases)}
        if trainer.has_test_set:
            result["test_losses"] = test_losses
            result["final_test_loss"] = final_test_loss
        _print_json(result, args.file)
        return 0
    print(f"{_name(args.file, scenario)}: {args.steps} steps, loss "
          f"{format_number(losses[0])} → {format_number(losses[-1])} "
          "(last step, before its update)")
    print(f"loss on the whole dataset after training: {format_number(final_loss)}")
    if trainer.has_test_set:
        print(f"test loss ({len(trainer.test_indices)} held-out samples) "
              f"{format_number(test_losses[0])} → {format_number(final_test_loss)}")
    print("‖∂J/∂W‖ per layer at the last step, input side first: "
          + "  ".join(format_number(v) for v in grad_norms[-1]))
    if args.out is not None:
        print(f"saved to {args.out}")
    return 0


def cmd_gradcheck(args) -> int:
    scenario = open_scenario(args.file)
    samples = len(scenario.dataset())
    work = gradcheck_mod.batched_work(scenario.network.layers, samples)
    if work > gradcheck_mod.MAX_COMMAND_WORK:
        # central differences cost two passes per parameter: refuse rather than run
        # for minutes (the window's check runs in the background and can be cancelled)
        raise CommandError(
            f"{args.file}: too big to check here: {scenario.network.parameter_count:,} "
            f"parameters on {samples:,} samples need about {work:,} neuron values, at "
            f"most {gradcheck_mod.MAX_COMMAND_WORK:,}; use fewer samples, a smaller "
            "network, or the window's gradient check")
    result = gradcheck_mod.check_scenario(scenario)
    tolerance = gradcheck_mod.TOLERANCE
    passed = result.passed(tolerance)
    worst = result.worst
    if args.json:
        _print_json({"max_error_per_layer": result.max_error_per_layer,
                     "max_error": result.max_error,
                     "worst": {"layer": worst.layer, "kind": worst.kind,
                               "index": list(worst.index), "analytic": worst.analytic,
                               "numerical": worst.numerical},
                     "kinks": result.kinks, "epsilon": result.epsilon,
                     "tolerance": tolerance, "passed": passed}, args.file)
        return 0 if passed else 1
    print(f"{_name(args.file, scenario)}: gradient check on {samples} sample"
          f"{'s' if samples != 1 else ''}, central differences with ε = "
          f"{format_number(result.epsilon)}")
    print("layer   largest relative error (W)   (b)")
    for check in result.layers:
        print(f"{check.layer:>5}   {format_number(check.error_weights.max(), 3):>26}   "
              f"{format_number(check.error_biases.max(), 3)}")
    symbol = "W" if worst.kind == "weight" else "b"
    index = ", ".join(str(shown_index(k)) for k in worst.index)  # counted from 1, as read
    print(f"largest: {format_number(result.max_error, 3)} at {symbol}{worst.layer}[{index}], "
          f"analytic {format_number(worst.analytic, 10)}, "
          f"numerical {format_number(worst.numerical, 10)}")
    if result.kinks:
        print(f"{result.kinks} entries left out: ±ε moved a ReLU across its kink at 0")
    print(("OK: below " if passed else "FAILED: above ") + format_number(tolerance))
    return 0 if passed else 1


def cmd_scenarios(args) -> int:
    names = io.builtin_scenario_names()
    width = max(map(len, names), default=0)
    for name in names:
        print(f"{name:<{width}}  {io.load_builtin(name).title}")
    return 0


def cmd_explain(args) -> int:
    from .notation.handout import explain

    text = explain(open_scenario(args.file), args.format)
    if args.out is None:
        sys.stdout.write(text)
        return 0
    try:
        Path(args.out).write_text(text, encoding="utf-8")
    except OSError as error:
        raise CommandError(f"{args.out}: cannot write: {error.strerror or error}") from None
    return 0


def cmd_import_data(args) -> int:
    from . import data_import

    scenario = open_scenario(args.file)
    try:
        table = data_import.read_csv(args.data)
        samples = table.samples(args.inputs, args.targets)
        scenario, changes = data_import.imported_scenario(scenario, samples,
                                                          table.row_numbers)
    except data_import.DataImportError as refusal:
        raise CommandError(f"{args.data}: {refusal}; nothing written") from None
    try:
        io.save(scenario, args.out)
    except OSError as error:
        raise CommandError(f"{args.out}: cannot write: {error.strerror or error}") from None
    print(f"{args.out}: {len(samples):,} sample{'s' if len(samples) != 1 else ''} from "
          f"{args.data}" + (f"; {changes}" if changes else ""))
    return 0


def cmd_slides(args) -> int:
    suffix = Path(args.out).suffix.lower()
    if args.animate is None and suffix not in (".pdf", ".png"):
        raise CommandError(f"{args.out}: the slides are written as .pdf or .png "
                           "(or give --animate for an animated PNG)", 2)
    # Drawing needs Qt: imported only now, as the window is (see _window)
    try:
        from bpsim.ui.app import slides_main
    except ImportError as error:
        raise CommandError(f"slides need the window's Qt libraries ({error})", 2) from None
    written = slides_main(args.file, args.out, args.slide_size,
                          args.animate or suffix.lstrip("."), args.slide_steps)
    print(f"{args.out}: " + (f"{len(written)} files, {written[0].name} to "
                             f"{written[-1].name}" if len(written) > 1 else "written"))
    return 0


def cmd_install_desktop(args) -> int:
    from . import desktop

    if args.uninstall:
        removed = desktop.uninstall()
        print(f"removed {len(removed)} file{'s' if len(removed) != 1 else ''} "
              f"of bpsim's desktop entry from {desktop.data_home()}")
        return 0
    written = desktop.install()
    print(f"bpsim is in the applications menu and opens *.bpsim.json files "
          f"({len(written)} files under {desktop.data_home()})")
    return 0


COMMANDS = {"step": cmd_step, "train": cmd_train, "gradcheck": cmd_gradcheck,
            "explain": cmd_explain,
            "scenarios": cmd_scenarios, "presets": cmd_scenarios,
            "install-desktop": cmd_install_desktop, "import-data": cmd_import_data,
            "slides": cmd_slides}


def _window(argv: list[str]) -> int:
    """The window on the same arguments (it parses them with :func:`parse_arguments`
    too); imported only now, so that the commands never load Qt."""
    try:
        from bpsim.ui.app import main as window_main
    except ImportError as error:
        build_parser().print_usage(sys.stderr)
        print(f"bpsim: the window is not available ({error})", file=sys.stderr)
        return 2
    return window_main(argv)


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parse_arguments(argv)
    except SystemExit as done:  # --help, --version, or a usage error already printed
        return done.code if isinstance(done.code, int) else 2
    if args.command is None:
        return _window(argv)
    return run_command(args)


def run_command(args: argparse.Namespace) -> int:
    """One command that runs without a window; its problems reported in one line."""
    try:
        # Overflow is expected when training diverges; the engine reports it as a
        # divergence, so numpy's warnings would only add noise to the one-line message.
        # A command's work is all the engine's, on small matrices: one BLAS thread.
        with np.errstate(all="ignore"), one_blas_thread():
            return COMMANDS[args.command](args)
    except io.ScenarioError as error:
        message, code = error.report(), 1
    except CommandError as error:
        message, code = str(error), error.code
    except BrokenPipeError:  # e.g. `bpsim step FILE | head`: the reader left
        sys.stdout = open(os.devnull, "w")
        return 1
    except OSError as error:
        message = (f"{error.filename}: {error.strerror}" if error.filename
                   else str(error))
        code = 1
    print(f"bpsim: {message}", file=sys.stderr)
    return code
