"""`bpsim install-desktop`: desktop entry, file type and icons under $XDG_DATA_HOME."""

from __future__ import annotations

import configparser
import shlex
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from bpsim import cli, desktop

MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"


@pytest.fixture
def data_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    return tmp_path / "share"


def _entry(path):
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


def test_install_writes_entry_file_type_and_icons_for_this_user(data_home, capsys):
    assert cli.main(["install-desktop"]) == 0
    assert str(data_home) in capsys.readouterr().out

    entry = _entry(data_home / "applications" / "bpsim.desktop")
    assert entry["Type"] == "Application" and entry["Icon"] == "bpsim"
    program, file_code = shlex.split(entry["Exec"])[:-1], shlex.split(entry["Exec"])[-1]
    assert file_code == "%f" and program == desktop.command()
    assert shutil.which(program[0]) or program[-2:] == ["-m", "bpsim"]
    assert desktop.MIME_TYPE in entry["MimeType"].split(";")

    root = ET.parse(data_home / "mime" / "packages" / "bpsim.xml").getroot()
    mime = root.find(f"{MIME_NS}mime-type")
    assert mime.get("type") == desktop.MIME_TYPE
    assert mime.find(f"{MIME_NS}glob").get("pattern") == "*.bpsim.json"

    icons = data_home / "icons" / "hicolor"
    assert (icons / "scalable" / "apps" / "bpsim.svg").is_file()
    for size in desktop.ICON_SIZES:
        png = icons / f"{size}x{size}" / "apps" / "bpsim.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", png


def test_uninstall_removes_what_install_wrote_and_nothing_else(data_home, capsys):
    other = data_home / "applications" / "other.desktop"
    other.parent.mkdir(parents=True)
    other.write_text("[Desktop Entry]\n")
    written = desktop.install()
    assert cli.main(["install-desktop", "--uninstall"]) == 0
    assert not any(path.exists() for path in written)
    assert other.exists()


def test_exec_quotes_a_program_path_with_spaces():
    entry = desktop.desktop_entry(["/home/a teacher/bpsim $1/bpsim"])
    exec_line = next(l for l in entry.splitlines() if l.startswith("Exec="))
    assert exec_line == 'Exec="/home/a teacher/bpsim \\\\$1/bpsim" %f'


def test_data_home_follows_xdg_and_ignores_a_relative_path(tmp_path):
    assert desktop.data_home({"XDG_DATA_HOME": str(tmp_path)}) == tmp_path
    assert desktop.data_home({"XDG_DATA_HOME": "rel"}).parts[-2:] == (".local", "share")


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None,
                    reason="desktop-file-validate (desktop-file-utils) not installed")
def test_desktop_file_validate_accepts_the_entry(data_home):
    desktop.install()
    done = subprocess.run(["desktop-file-validate",
                           str(data_home / "applications" / "bpsim.desktop")],
                          capture_output=True, text=True)
    assert done.returncode == 0 and "error" not in done.stdout, done.stdout
