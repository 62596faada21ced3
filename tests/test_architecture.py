"""The package's shape: a toolkit that knows no fictional world, a pinned public API, one place for model names.

The toolkit (every module of ``evalbook`` outside ``course``, ``sim``, ``exercises`` and ``dev``) must stay usable
on a learner's own product, so it never imports the course's worlds or the simulator at module level; a lazy
import inside a function (the sim client, made only in sim mode) is allowed. Read from the source with ``ast``,
so the rule holds whatever happens to be imported already.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import evalbook

PACKAGE = Path(evalbook.__file__).parent
WORLDS = ("evalbook.course", "evalbook.sim", "evalbook.exercises", "evalbook.dev")


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(module: str, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    package = module.split(".")
    base = package[: len(package) - node.level + (1 if module.endswith("__init__") else 0)]
    return ".".join([*base, node.module] if node.module else base)


def _top_level_imports(path: Path) -> list[str]:
    """Every module imported at module level (not inside a function), fully qualified."""
    module = _module_name(path)
    is_package = path.name == "__init__.py"
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in tree.body:
        for sub in ast.walk(node) if isinstance(node, (ast.If, ast.Try)) else [node]:
            if isinstance(sub, ast.Import):
                found += [alias.name for alias in sub.names]
            elif isinstance(sub, ast.ImportFrom):
                parts = module.split(".") if is_package else module.split(".")[:-1]
                if sub.level:
                    base = parts[: len(parts) - sub.level + 1]
                    target = ".".join([*base, sub.module] if sub.module else base)
                    found.append(target)
                    found += [f"{target}.{alias.name}" for alias in sub.names]
                else:
                    found.append(sub.module or "")
    return found


def _toolkit_modules() -> list[Path]:
    return [
        p
        for p in sorted(PACKAGE.glob("*.py"))
        if not any(_module_name(p).startswith(world) for world in WORLDS)
    ]


def test_the_toolkit_never_imports_a_world_or_the_simulator_at_module_level():
    offenders = {}
    for path in _toolkit_modules():
        bad = [name for name in _top_level_imports(path) if name.startswith(WORLDS)]
        if bad:
            offenders[path.name] = bad
    assert offenders == {}


def test_the_layering_check_would_catch_a_top_level_import(tmp_path):
    # A test that cannot fail is a defect: the same reader must see both import styles.
    fake = PACKAGE / "checks.py"
    tree = _top_level_imports(fake)
    assert "evalbook.trace" in tree  # relative imports are resolved
    source = "from .course import acme\nimport evalbook.sim.engine\n\ndef f():\n    from .sim import engine\n"
    probe = PACKAGE / "_layering_probe.py"
    try:
        probe.write_text(source, encoding="utf-8")
        names = _top_level_imports(probe)
    finally:
        probe.unlink()
    assert "evalbook.course" in names and "evalbook.sim.engine" in names
    assert "evalbook.sim" not in names  # the import inside a function is lazy, and allowed


def test_no_module_imports_a_private_name_of_another_module():
    """A private helper (``_name``) is private to its module; a behaviour needing it asks for a public one."""
    allowed = {"_http", "_values"}  # private modules of the package, shared on purpose
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (
                node.level or (node.module or "").startswith("evalbook")
            ):
                for alias in node.names:
                    if (
                        alias.name.startswith("_")
                        and alias.name not in allowed
                        and alias.name != "__version__"
                    ):
                        offenders.append(f"{path.relative_to(PACKAGE)}: {alias.name}")
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
                if node.value.id in ("engine", "support", "checks", "shop") and re.match(
                    r"_[a-z]", node.attr
                ):
                    offenders.append(f"{path.relative_to(PACKAGE)}: {node.value.id}.{node.attr}")
    assert offenders == []


PUBLIC_API = [
    "BudgetExceeded",
    "EvalbookError",
    "InputError",
    "InputTypeError",
    "LabelStore",
    "Labeller",
    "ReplayMiss",
    "Trace",
    "TraceViewer",
    "__version__",
    "async_client",
    "budget_status",
    "called",
    "called_before",
    "called_with",
    "client",
    "compare_labellers",
    "describe",
    "failure_rates",
    "get_mode",
    "load_conversations",
    "load_labels",
    "load_traces",
    "merge_labels",
    "outcome_changed",
    "run_agent",
    "run_batch",
    "run_checks",
    "save_labels",
    "save_traces",
    "saturation_curve",
    "set_budget",
    "set_mode",
    "setup",
    "summarize_errors",
    "tool_schema",
    "traces_to_frame",
]


def test_the_public_api_is_pinned_and_every_name_resolves():
    assert sorted(evalbook.__all__) == sorted(PUBLIC_API)
    for name in evalbook.__all__:
        assert getattr(evalbook, name) is not None


def test_the_public_api_names_nothing_of_the_course():
    course_words = re.compile(r"kb|shop|order|ticket|refund|claim|support|acme|harbor|quiz|benchmark", re.I)
    assert [n for n in evalbook.__all__ if course_words.search(n)] == []


def test_bad_input_is_a_value_or_type_error_as_well_as_an_evalbook_error():
    assert issubclass(evalbook.InputError, ValueError) and issubclass(
        evalbook.InputError, evalbook.EvalbookError
    )
    assert issubclass(evalbook.InputTypeError, TypeError)
    try:
        evalbook.stats.rate_ci(failed="yes")
    except TypeError as exc:
        assert isinstance(exc, evalbook.EvalbookError)
    else:  # pragma: no cover
        raise AssertionError("rate_ci accepted a string")


def test_model_names_are_defined_in_one_place():
    """The course's model names appear as a definition only in config.py; everything else refers to it."""
    definition = re.compile(r"""^\s*(?:[A-Z_]+\s*=\s*[\[{(]|["']atlas-1["']\s*:)""")
    places = []
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if '"atlas-1"' in line and '"beacon-1"' in line and definition.search(line):
                places.append(path.name)
            elif definition.search(line) and re.search(r"""["']atlas-1["']\s*:""", line):
                window = " ".join(lines[i : i + 4])
                if '"beacon-1"' in window and '"judge-1"' in window:
                    places.append(path.name)
    assert set(places) <= {"config.py"}, places
