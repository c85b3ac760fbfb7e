"""The window's layering, read from its source: no import cycles between the window's
modules, and only the session and the undo commands reach into the session.

The source is walked with ``ast``, so imports inside functions count too (a cycle
hidden in a function still ties two modules together); imports under
``if TYPE_CHECKING:`` are annotations only and do not count, as for import-linter.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

UI = Path(__file__).resolve().parents[2] / "ui"
#: the one adapter and the undo commands over it
ADAPTER = {"session.py", "commands.py"}


def module_name(path: Path) -> str:
    parts = path.relative_to(UI).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(("bpsim", "ui") + parts)


def ui_modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(UI.rglob("*.py"))}


def _type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST):
    """Every import statement, at any depth, except those under TYPE_CHECKING."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _type_checking(node):
            yield from (n for child in node.orelse for n in _imports_in(child))
            continue
        yield from _imports_in(node)


def _imports_in(node: ast.AST):
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        yield node
    else:
        yield from _imports(node)


def imported_modules(name: str, path: Path, known: set[str]) -> set[str]:
    """The window modules that module ``name`` (the file ``path``) imports."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        else:
            if node.level:
                base = package.split(".")
                base = base[:len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            # ``from . import style`` imports the module bpsim.ui.canvas.style (the
            # package itself is a parent, imported first anyway: no edge to it)
            submodules = [f"{module}.{alias.name}" for alias in node.names]
            targets = submodules if all(s in known for s in submodules) \
                else [module] + submodules
        found |= {target for target in targets if target in known and target != name}
    return found


def import_graph() -> dict[str, set[str]]:
    modules = ui_modules()
    known = set(modules)
    return {name: imported_modules(name, path, known) for name, path in modules.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_import_walk_sees_the_window_and_function_level_imports():
    graph = import_graph()
    assert "bpsim.ui.commands" in graph["bpsim.ui.session"]
    # main_window imports the plots inside a method (pyqtgraph is slow to import)
    assert "bpsim.ui.plots" in graph["bpsim.ui.main_window"]
    # commands names the Session under TYPE_CHECKING only
    assert "bpsim.ui.session" not in graph["bpsim.ui.commands"]


def test_the_cycle_finder_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_window_modules_import_each_other_without_cycles():
    assert cycles(import_graph()) == []


# -- nothing but the session and the commands reaches into the session ---------------


def _is_session(node: ast.AST) -> bool:
    """``session``, ``self.session``, ``window.session``, ``self.animator.session``."""
    return (isinstance(node, ast.Name) and node.id == "session") or (
        isinstance(node, ast.Attribute) and node.attr == "session")


def reaches_into_session(source: str) -> list[str]:
    """``session.trainer`` and ``session._private`` uses in ``source`` (line: text)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and _is_session(node.value) and (
                node.attr == "trainer" or node.attr.startswith("_")):
            found.append(f"{node.lineno}: {ast.unparse(node)}")
    return found


@pytest.mark.parametrize("source", [
    "steps = self.session.trainer.steps_done",
    "session.trainer.sampler.peek()",
    "self.animator.session._pending = None",
    "window.session._remember_initial()",
])
def test_reaching_into_the_session_is_found(source):
    assert reaches_into_session(source)


def test_asking_the_session_is_not_reaching_into_it():
    assert reaches_into_session(
        "n = session.steps_done\nself.session.loss_now()\nself._trainer = 1") == []


def test_only_the_session_and_the_commands_reach_into_the_session():
    offenders = {
        str(path.relative_to(UI)): found
        for path in sorted(UI.rglob("*.py")) if path.name not in ADAPTER or path.parent != UI
        if (found := reaches_into_session(path.read_text(encoding="utf-8")))}
    assert offenders == {}
