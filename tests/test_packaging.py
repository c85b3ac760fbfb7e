"""bpsim installs under one import name: the folders bpsim/, ui/ and resources/ become
bpsim, bpsim.ui and bpsim.resources, and nothing else lands at the top of site-packages
(another package's ``ui`` or ``resources`` can neither replace nor delete bpsim's)."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: repository folder -> the import name it installs as
FOLDERS = {"bpsim": "bpsim", "ui": "bpsim.ui", "resources": "bpsim.resources"}


def _setuptools_table() -> dict:
    with open(ROOT / "pyproject.toml", "rb") as file:
        return tomllib.load(file)["tool"]["setuptools"]


def _package_folders() -> set[str]:
    """Every folder with an __init__.py, by the import name it installs as."""
    names = set()
    for folder, name in FOLDERS.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            parts = init.parent.relative_to(ROOT / folder).parts
            if "__pycache__" not in parts:
                names.add(".".join((name, *parts)))
    return names


def test_every_package_folder_is_listed_under_its_one_import_name():
    table = _setuptools_table()
    assert table["package-dir"] == {name: folder for folder, name in FOLDERS.items()}
    assert set(table["packages"]) == _package_folders()


def test_the_wheel_has_one_top_level_name(tmp_path):
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
         "--quiet", "--wheel-dir", str(tmp_path), str(ROOT)],
        capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("bpsim-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    tops = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(
        (".dist-info", ".data"))}
    assert tops == {"bpsim"}
    # the window, the built-in scenarios, their tours and the style sheet came along
    assert "bpsim/ui/app.py" in names
    assert "bpsim/resources/style.qss" in names
    shipped = {name.removeprefix("bpsim/resources/") for name in names
               if name.startswith("bpsim/resources/")}
    scenarios = {name for name in shipped if name.startswith("scenarios/")}
    tours = {name for name in shipped if name.startswith("tours/")}
    assert "scenarios/lecture-example.bpsim.json" in scenarios
    assert all(name.endswith(".bpsim.json") for name in scenarios)
    assert "tours/lecture-example.tour.json" in tours
    assert all(name.endswith(".tour.json") for name in tours)
    # the licence travels with the wheel, stated as an SPDX expression
    metadata = zipfile.ZipFile(wheel).read("bpsim-0.1.0.dist-info/METADATA").decode()
    assert "License-Expression: MIT" in metadata.splitlines()
    assert "bpsim-0.1.0.dist-info/licenses/LICENSE" in names


def test_python_m_bpsim_works_beside_foreign_ui_and_resources_packages(tmp_path):
    """A folder with packages of its own called ui and resources (a student's project)
    changes nothing for bpsim started from it."""
    for name in ("ui", "resources"):
        package = tmp_path / name
        package.mkdir()
        (package / "__init__.py").write_text("raise ImportError('not bpsim')\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-m", "bpsim", "presets"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert "lecture-example" in done.stdout
    shown = subprocess.run(
        [sys.executable, "-c", "import bpsim.ui.app, bpsim.resources; print('ok')"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env=env | {"QT_QPA_PLATFORM": "offscreen"})
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.strip() == "ok"


@pytest.mark.parametrize("folder", sorted(FOLDERS))
def test_no_top_level_ui_or_resources_import_remains(folder):
    """Code says bpsim.ui and bpsim.resources (or relative imports), never ui or
    resources: those names would find whatever else is installed."""
    offenders = []
    for path in (ROOT / folder).rglob("*.py"):
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1):
            stripped = line.strip()
            if stripped.startswith(("from ui", "import ui", "from resources",
                                    "import resources")) or 'files("resources")' in line:
                offenders.append(f"{path.relative_to(ROOT)}:{number}: {stripped}")
    assert offenders == []


def test_the_licence_is_mit_in_the_spdx_form():
    with open(ROOT / "pyproject.toml", "rb") as file:
        project = tomllib.load(file)["project"]
    assert project["license"] == "MIT"
    assert project["license-files"] == ["LICENSE"]
    text = (ROOT / "LICENSE").read_text("utf-8")
    assert text.startswith("MIT License") and "the bpsim authors" in text


def test_the_bundle_spec_takes_every_resource():
    """The standalone bundle (packaging/bpsim.spec) copies each resource folder and
    file the code reads through importlib.resources; a new folder must be added."""
    spec = (ROOT / "packaging" / "bpsim.spec").read_text("utf-8")
    resources = ROOT / "resources"
    shipped = sorted(path.name for path in resources.iterdir()
                     if path.name not in ("__init__.py", "__pycache__"))
    assert {"scenarios", "tours", "icons", "style.qss"} <= set(shipped)
    for name in shipped:
        # a folder lands in its namesake inside the bundle, a file beside __init__.py
        folder = (resources / name).is_dir()
        target = f"bpsim/resources/{name}" if folder else "bpsim/resources"
        assert f'RESOURCES / "{name}"' in spec and f'"{target}"' in spec, name
