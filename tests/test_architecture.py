"""The package's shape: no import cycles, small modules and classes, private names kept
private, and an ``import skvae`` that loads no deep-learning backend.

These are the rules of docs/architecture.rst, checked on the source itself (with
:mod:`ast`), so a change that breaks one fails here with the place to look.
"""

import ast
import pathlib
import subprocess
import sys

import skvae

PACKAGE = pathlib.Path(skvae.__file__).parent
MAX_MODULE_LINES = 400
MAX_CLASS_LINES = 250
# Private names of scikit-learn's estimator API that skvae is meant to use across modules:
# the constraints a subclass extends, and the validation that load() runs on them.
SKLEARN_PRIVATE_API = {"_parameter_constraints", "_validate_params"}


def _modules():
    """{dotted module name: path} of every module of the skvae package."""
    modules = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


MODULES = _modules()
TREES = {name: ast.parse(path.read_text(), str(path)) for name, path in MODULES.items()}


def _resolve(name):
    """The skvae module that ``import name`` loads (the longest existing prefix)."""
    while name and name not in MODULES:
        name = name.rpartition(".")[0]
    return name or None


def _imported_modules(name, tree):
    """skvae modules imported anywhere in the module (also inside functions)."""
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {_resolve(a.name) for a in node.names if a.name.startswith("skvae")}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("skvae"):
            for alias in node.names:
                target = f"{node.module}.{alias.name}"
                imported.add(target if target in MODULES else _resolve(node.module))
    imported.discard(None)
    imported.discard(name)
    return imported


def _cycles(graph):
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles():
    """No two skvae modules import each other, directly or through others, counting the
    imports inside functions too (a lazy import hides a cycle; it does not remove it)."""
    graph = {name: _imported_modules(name, tree) for name, tree in TREES.items()}
    assert "skvae._vae._base" in graph["skvae._vae._transformer"]  # the graph is real
    assert _cycles(graph) == []


def test_the_cycle_check_finds_a_cycle():
    """The cycle finder reports a planted cycle (so the test above can fail)."""
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_modules_and_classes_are_small():
    """Every module has at most 400 lines and every class at most 250."""
    long_modules = {
        name: n
        for name, path in MODULES.items()
        if (n := len(path.read_text().splitlines())) > MAX_MODULE_LINES
    }
    long_classes = {
        f"{name}.{node.name}": node.end_lineno - node.lineno + 1
        for name, tree in TREES.items()
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and node.end_lineno - node.lineno + 1 > MAX_CLASS_LINES
    }
    assert long_modules == {}
    assert long_classes == {}


def _private_uses(tree):
    """(line, text) of each private skvae name imported from another module, and of each
    private attribute read on an object other than self, cls or super()."""
    uses = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("skvae"):
            for alias in node.names:
                private = alias.name.startswith("_") and not alias.name.startswith("__")
                if private and f"{node.module}.{alias.name}" not in MODULES:
                    uses.append((node.lineno, f"from {node.module} import {alias.name}"))
        elif isinstance(node, ast.Attribute):
            name = node.attr
            if not name.startswith("_") or name.startswith("__") or name in SKLEARN_PRIVATE_API:
                continue
            owner = node.value
            if isinstance(owner, ast.Name) and owner.id in ("self", "cls"):
                continue
            if isinstance(owner, ast.Call) and getattr(owner.func, "id", None) == "super":
                continue
            uses.append((node.lineno, ast.unparse(node)))
    return uses


def test_private_names_stay_in_their_module():
    """No module imports another's private names or reads private attributes of another
    module's objects: modules meet at public names (see docs/architecture.rst)."""
    found = {name: uses for name, tree in TREES.items() if (uses := _private_uses(tree))}
    assert found == {}


def test_the_private_name_check_finds_a_private_use():
    """The check reports a planted private import and a private attribute of an argument."""
    tree = ast.parse("from skvae._vae._base import _helper\ndef f(est):\n    est._model\n")
    assert [text for _, text in _private_uses(tree)] == [
        "from skvae._vae._base import _helper",
        "est._model",
    ]


def test_import_skvae_loads_no_backend():
    """`import skvae` (with skvae.plot and skvae.metrics) loads neither Keras nor
    TensorFlow, JAX, PyTorch or matplotlib: they load when a model is built or a plot drawn."""
    code = (
        "import sys, skvae, skvae.plot, skvae.metrics; "
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'keras', 'tensorflow', 'jax', 'torch', 'matplotlib'}))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
