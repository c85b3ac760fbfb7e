"""The one parser of `bpsim`: help, version, mistyped commands; numeric warnings."""

from __future__ import annotations

import subprocess
import sys
import types
from importlib.metadata import version

import pytest

from bpsim import cli


def run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_help_lists_file_the_window_options_and_every_command(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for word in ("FILE", "--screenshot", "--steps", "--size", "--version", *cli.SUBCOMMANDS):
        assert word in out, word


def test_version_is_the_installed_one(capsys):
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.strip() == f"bpsim {version('bpsim')}"


@pytest.mark.parametrize("argv, meant", [(["stpe", "x"], "step"), (["trian"], "train"),
                                         (["gradchek", "xor"], "gradcheck")])
def test_a_mistyped_command_says_what_was_meant(capsys, argv, meant):
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert f"unknown command '{argv[0]}'; did you mean '{meant}'?" in err
    assert "unrecognized arguments" not in err


def test_an_unknown_word_before_more_arguments_lists_the_commands(capsys):
    code, _, err = run(capsys, "frobnicate", "xor")
    assert code == 2 and "unknown command 'frobnicate'" in err and "install-desktop" in err


@pytest.fixture
def window_calls(monkeypatch):
    calls = []
    fake = types.ModuleType("bpsim.ui.app")
    fake.main = lambda argv: calls.append(argv) or 0
    monkeypatch.setitem(sys.modules, "bpsim.ui.app", fake)
    return calls


def test_a_file_named_like_a_command_opens_the_window(tmp_path, monkeypatch, window_calls):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "stpe").write_text("{}")
    assert cli.main(["stpe"]) == 0
    assert cli.main(["xor", "--steps", "3"]) == 0  # a built-in scenario's id
    assert window_calls == [["stpe"], ["xor", "--steps", "3"]]


def test_window_arguments_are_parsed_once_for_the_window():
    args = cli.parse_arguments(["--steps", "4", "xor", "--size", "800x600"])
    assert (args.command, args.window_file, args.window_steps, args.size) == (
        None, "xor", 4, (800, 600))
    assert cli.parse_arguments([]).size == cli.DEFAULT_SCREENSHOT_SIZE


def test_window_options_do_not_go_with_a_command(capsys, window_calls):
    code, _, err = run(capsys, "--screenshot", "a.png", "step", "xor")
    assert code == 2 and "without a command" in err
    assert window_calls == []


def test_a_diverging_run_prints_its_divergence_once_and_no_numpy_warning():
    done = subprocess.run([sys.executable, "-W", "default", "-m", "bpsim", "train",
                           "lecture-example", "--steps", "300"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 1
    assert "RuntimeWarning" not in done.stderr and "overflow" not in done.stderr
    assert done.stderr.count("diverged") == 1
    assert "try a smaller learning rate" in done.stderr
