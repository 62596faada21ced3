"""Hygiene of every tracked notebook (notebooks/, solutions/, labs/, templates/) and of every tracked file.

The checker functions return a list of problems (empty when clean). The real tree is checked with them, and each
checker is shown to catch a bad notebook built in tmp_path, so the suite passes on an empty tree without being a
test that cannot fail.
"""

from __future__ import annotations

import getpass
import re
import subprocess
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from evalbook.dev.notebooks import LANGUAGE_INFO

REPO = Path(__file__).resolve().parents[1]
NOTEBOOK_DIRS = ("notebooks", "solutions", "labs", "templates", "docs")
LESSON_NAME = re.compile(r"^\d{2}_[a-z0-9_]+\.ipynb$")
TEMPLATE_PAIR = ("templates/solution.ipynb", "templates/lab.ipynb")

FORBIDDEN = [
    (re.compile(r"(?<![\w.-])/(?:home|root|tmp|work|Users)/"), "an absolute path of a machine"),
    (re.compile(r"\b[A-Za-z]:\\+Users\\+", re.IGNORECASE), "a Windows user folder"),
    # Fake keys in tests are spelled sk-test-...; anything else shaped like an OpenAI key is refused.
    (re.compile(r"sk-(?!test-)[A-Za-z0-9_-]{20,}"), "something that looks like an API key"),
]
# Account names too common to search for (they are words, or shared CI/container accounts).
GENERIC_USERS = {"root", "runner", "jovyan", "user", "admin", "ubuntu", "vscode", "codespace", "build", "ci"}
MD_BEGIN = re.compile(r"<!--\s*BEGIN SOLUTION\s*-->")
MD_END = re.compile(r"<!--\s*END SOLUTION\s*-->")
TIME_ESTIMATE = re.compile(r"\b\d+(?:\s*[-–]\s*\d+)?\s*(?:min|mins|minutes|hour|hours)\b", re.IGNORECASE)
STUB_LINES = re.compile(r"^(?:pass|\.\.\.|return \.\.\.|\w+ = \.\.\.|# YOUR CODE HERE|_Your answer here\._)$")


# --- which files ---------------------------------------------------------------------------------------------


def tracked_files(root: Path = REPO) -> list[Path]:
    """Files git tracks or would track (untracked but not ignored), so new files are checked before a commit."""
    try:
        listing = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=root,
            capture_output=True,
            check=True,
        ).stdout.decode()
        names = sorted({name for name in listing.split("\0") if name})
    except (OSError, subprocess.CalledProcessError):  # not a git checkout (e.g. an unpacked sdist)
        names = sorted(
            p.relative_to(root).as_posix() for d in NOTEBOOK_DIRS for p in (root / d).glob("*.ipynb")
        )
    return [root / name for name in names if (root / name).is_file()]


def tracked_notebooks(folder: str, root: Path = REPO) -> list[Path]:
    return [p for p in tracked_files(root) if p.suffix == ".ipynb" and p.parent == root / folder]


def rel(path: Path) -> str:
    try:
        return path.relative_to(REPO).as_posix()
    except ValueError:
        return path.name


def read(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


# --- checkers ------------------------------------------------------------------------------------------------


def user_patterns() -> list[tuple[re.Pattern, str]]:
    patterns = [(re.compile(re.escape(str(Path.home())) + r"(?![\w-])"), "this machine's home folder")]
    try:
        name = getpass.getuser()
    except Exception:  # no login name in some containers
        name = ""
    if len(name) >= 3 and name.lower() not in GENERIC_USERS:
        patterns.append((re.compile(rf"\b{re.escape(name)}\b"), "this machine's user name"))
    return patterns if str(Path.home()) not in ("/", "") else patterns[1:]


def text_problems(text: str, where: str) -> list[str]:
    """Absolute paths, the user's name or home folder, and key-like strings."""
    problems = []
    for pattern, what in FORBIDDEN + user_patterns():
        match = pattern.search(text)
        if match:
            line = text.count("\n", 0, match.start()) + 1
            problems.append(f"{where}: line {line} contains {what} ({match.group(0)[:12]}...)")
    return problems


def notebook_problems(nb: nbformat.NotebookNode, where: str) -> list[str]:
    """Every notebook: the python3 kernel, and no error outputs."""
    problems = []
    if nb.metadata.get("kernelspec", {}).get("name") != "python3":
        problems.append(f"{where}: kernelspec must be python3 (run `make notebooks` to normalise it)")
    if nb.metadata.get("language_info") != LANGUAGE_INFO:
        problems.append(
            f"{where}: language_info is not the reference Python's, so JupyterLab marks the notebook unsaved "
            "on opening (run `python -m evalbook.dev.notebooks normalise` on it, then `make labs`)"
        )
    for index, cell in enumerate(nb.cells, start=1):
        if any(out.get("output_type") == "error" for out in cell.get("outputs", [])):
            problems.append(f"{where}: cell {index} has an error output")
    return problems


def execution_problems(nb: nbformat.NotebookNode, where: str) -> list[str]:
    """Lessons and solutions: every non-empty code cell executed, counted 1, 2, 3, ... from the top."""
    cells = [cell for cell in nb.cells if cell.cell_type == "code" and cell.source.strip()]
    counts = [cell.execution_count for cell in cells]
    if None in counts:
        return [
            f"{where}: {counts.count(None)} of {len(cells)} code cells are not executed; run `make notebooks`"
        ]
    if counts != list(range(1, len(cells) + 1)):
        return [f"{where}: execution counts are {counts}, not 1..{len(cells)}; run `make notebooks`"]
    return []


def _region_and_outside_lines(solution: nbformat.NotebookNode) -> tuple[set[str], set[str]]:
    region: set[str] = set()
    outside: set[str] = set()
    spanning = False
    for cell in solution.cells:
        if cell.cell_type == "code" and not spanning:
            inside = False
            for line in cell.source.splitlines():
                if line.strip() in ("### BEGIN SOLUTION", "### END SOLUTION"):
                    inside = line.strip() == "### BEGIN SOLUTION"
                else:
                    (region if inside else outside).add(line.strip())
            continue
        # markdown, raw, or any cell inside a markdown region that spans cells
        for part in re.split(r"(<!--\s*(?:BEGIN|END) SOLUTION\s*-->)", cell.source):
            if MD_BEGIN.fullmatch(part):
                spanning = True
            elif MD_END.fullmatch(part):
                spanning = False
            else:
                (region if spanning else outside).update(line.strip() for line in part.splitlines())
    return region, outside


def lab_problems(lab: nbformat.NotebookNode, solution: nbformat.NotebookNode, where: str) -> list[str]:
    """Labs: no outputs, no markers, and no line of a solution region survives."""
    problems = []
    for index, cell in enumerate(lab.cells, start=1):
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None):
            problems.append(
                f"{where}: cell {index} has outputs or an execution count; labs are never executed"
            )
        if re.search(r"(BEGIN|END) SOLUTION", cell.source):
            problems.append(f"{where}: cell {index} still contains a solution marker")
    region, outside = _region_and_outside_lines(solution)
    secret = {line for line in region - outside if line and not STUB_LINES.match(line)}
    lab_lines = {line.strip() for cell in lab.cells for line in cell.source.splitlines()}
    for line in sorted(secret & lab_lines):
        problems.append(f"{where}: a line of a solution region survives in the lab: {line[:60]!r}")
    return problems


def pairing_problems(root: Path = REPO) -> list[str]:
    """Every solution has a lab and a lesson of the same name; every lab has a solution; names are NN_topic."""
    names = {
        folder: {p.name for p in tracked_notebooks(folder, root)}
        for folder in ("notebooks", "solutions", "labs")
    }
    problems = [
        f"{folder}/{name}: notebook names are two digits, an underscore and a lowercase topic (NN_topic.ipynb)"
        for folder, found in names.items()
        for name in sorted(found)
        if not LESSON_NAME.match(name)
    ]
    for name in sorted(names["solutions"]):
        if name not in names["labs"]:
            problems.append(f"solutions/{name} has no lab: run `make labs`")
        if name not in names["notebooks"]:
            problems.append(f"solutions/{name} has no lesson notebooks/{name}")
    for name in sorted(names["labs"] - names["solutions"]):
        problems.append(f"labs/{name} has no solution: labs are generated from solutions/")
    return problems


def _headings(cell) -> list[str]:
    return [m.group(2).strip() for m in re.finditer(r"^(#{1,6})\s+(.+)$", cell.source, re.MULTILINE)]


def lesson_problems(nb: nbformat.NotebookNode, lab_ref: str, where: str) -> list[str]:
    """A lesson opens with a title, "What you will be able to do" and a time estimate, points to its lab under
    "Your turn", and ends with "Key takeaways"."""
    problems = []
    cells = nb.cells
    if not cells or cells[0].cell_type != "markdown" or not cells[0].source.lstrip().startswith("# "):
        problems.append(f"{where}: the first cell must be markdown starting with a '# ' title")
    first_code = next((i for i, cell in enumerate(cells) if cell.cell_type == "code"), len(cells))
    opening = "\n".join(cell.source for cell in cells[:first_code] if cell.cell_type == "markdown")
    if "what you will be able to do" not in opening.lower():
        problems.append(
            f"{where}: the opening (before the first code cell) must say 'What you will be able to do'"
        )
    if not TIME_ESTIMATE.search(opening):
        problems.append(f"{where}: the opening must state a time estimate (e.g. 'about 20 minutes')")
    markdown = [cell for cell in cells if cell.cell_type == "markdown"]
    turn = [cell for cell in markdown if any(h.lower().startswith("your turn") for h in _headings(cell))]
    if not turn or not any(lab_ref in cell.source for cell in turn):
        problems.append(f"{where}: a 'Your turn' section must point to the lab ({lab_ref})")
    headings = [h for cell in markdown for h in _headings(cell)]
    if not headings or headings[-1].lower() != "key takeaways":
        problems.append(f"{where}: the last section must be 'Key takeaways'")
    return problems


# --- the real tree -------------------------------------------------------------------------------------------

ALL_NOTEBOOKS = [p for folder in NOTEBOOK_DIRS for p in tracked_notebooks(folder)]
EXECUTED = [p for p in ALL_NOTEBOOKS if p.parent.name in ("notebooks", "solutions")] + [
    p for p in ALL_NOTEBOOKS if rel(p) in ("templates/lesson.ipynb", "templates/solution.ipynb")
]
LAB_PAIRS = [(REPO / "solutions" / p.name, p) for p in tracked_notebooks("labs")] + [
    (REPO / TEMPLATE_PAIR[0], REPO / TEMPLATE_PAIR[1]) for p in ALL_NOTEBOOKS if rel(p) == TEMPLATE_PAIR[1]
]
LESSONS = [(p, f"labs/{p.name}") for p in tracked_notebooks("notebooks")] + [
    (p, "lab.ipynb") for p in ALL_NOTEBOOKS if rel(p) == "templates/lesson.ipynb"
]


def test_tracked_files_hold_no_machine_paths_user_names_or_keys():
    problems = []
    for path in tracked_files():
        data = path.read_bytes()
        if b"\0" in data[:8192]:
            continue  # binary
        problems += text_problems(data.decode("utf-8", errors="replace"), rel(path))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", ALL_NOTEBOOKS, ids=rel)
def test_notebook_uses_python3_and_has_no_errors(path):
    problems = notebook_problems(read(path), rel(path))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", EXECUTED, ids=rel)
def test_lessons_and_solutions_are_executed_in_order(path):
    problems = execution_problems(read(path), rel(path))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("solution", "lab"), LAB_PAIRS, ids=lambda p: rel(p))
def test_labs_have_no_outputs_and_no_solution_text(solution, lab):
    assert solution.exists(), f"{rel(lab)} has no solution {rel(solution)}"
    problems = lab_problems(read(lab), read(solution), rel(lab))
    assert not problems, "\n".join(problems)


def test_solutions_labs_and_lessons_pair_up():
    problems = pairing_problems()
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("path", "lab_ref"), LESSONS, ids=lambda p: rel(p) if isinstance(p, Path) else p)
def test_lessons_have_the_workbook_shape(path, lab_ref):
    problems = lesson_problems(read(path), lab_ref, rel(path))
    assert not problems, "\n".join(problems)


# --- the checkers catch bad notebooks ------------------------------------------------------------------------


def nb_of(*cells) -> nbformat.NotebookNode:
    nb = new_notebook(
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": LANGUAGE_INFO,
        }
    )
    for kind, text in cells:
        nb.cells.append(new_markdown_cell(text) if kind == "md" else new_code_cell(text))
    return nb


GOOD_LESSON = nb_of(
    ("md", "# 01 · Title\n\n**What you will be able to do**\n\n- a thing\n\n**Time:** about 20 minutes."),
    ("code", "import evalbook"),
    ("md", "## Your turn\n\nOpen [labs/01_title.ipynb](../labs/01_title.ipynb)."),
    ("md", "## Key takeaways\n\n- one"),
)


def test_text_checker_catches_paths_keys_and_the_home_folder(tmp_path):
    assert text_problems("see docs/notes.md and https://example.com/home/page", "ok.md") == []
    bad = f"saved to {tmp_path}/x.csv\nkey = 'sk-{'a1' * 12}'\nC:\\Users\\alice\\x\nhome {Path.home()}/x"
    problems = text_problems(bad, "bad.md")
    assert any("absolute path" in p and "line 1" in p for p in problems)
    assert any("API key" in p and "line 2" in p for p in problems)
    assert any("Windows user folder" in p for p in problems)
    assert len(problems) >= 3
    assert text_problems(f"SECRET = 'sk-test-{'0' * 30}'", "tests/x.py") == []  # the fake-key convention


def test_notebook_checker_catches_a_wrong_kernel_and_an_error_output():
    nb = nb_of(("code", "1/0"))
    nb.metadata.kernelspec.name = "ir"
    nb.cells[0].outputs = [
        new_output("error", ename="ZeroDivisionError", evalue="division by zero", traceback=[])
    ]
    problems = notebook_problems(nb, "bad.ipynb")
    assert len(problems) == 2 and "python3" in problems[0] and "cell 1" in problems[1]
    assert notebook_problems(nb_of(("code", "1")), "ok.ipynb") == []


def test_notebook_checker_catches_language_info_that_jupyterlab_would_rewrite():
    nb = nb_of(("code", "1"))
    nb.metadata.language_info = {"name": "python"}  # what JupyterLab replaces on opening, marking it unsaved
    problems = notebook_problems(nb, "bad.ipynb")
    assert len(problems) == 1 and "language_info" in problems[0] and "normalise" in problems[0]


def test_execution_checker_catches_out_of_order_and_unexecuted_cells():
    nb = nb_of(("code", "a = 1"), ("code", ""), ("code", "b = 2"))
    nb.cells[0].execution_count, nb.cells[2].execution_count = 1, 2
    assert execution_problems(nb, "ok.ipynb") == []
    nb.cells[0].execution_count, nb.cells[2].execution_count = 2, 1
    assert "[2, 1]" in execution_problems(nb, "bad.ipynb")[0]
    nb.cells[2].execution_count = None
    assert "1 of 2 code cells are not executed" in execution_problems(nb, "bad.ipynb")[0]


def test_lab_checker_catches_outputs_markers_and_leaked_solution_lines():
    solution = nb_of(
        ("code", "x = 1\n### BEGIN SOLUTION\nanswer = secret_formula(x)\n### END SOLUTION"),
        (
            "md",
            "Why?\n<!-- BEGIN SOLUTION -->\nBecause the reply skipped the refund tool.\n<!-- END SOLUTION -->",
        ),
    )
    good = nb_of(("code", "x = 1\n# YOUR CODE HERE\nanswer = ..."), ("md", "Why?\n_Your answer here._"))
    assert lab_problems(good, solution, "labs/01.ipynb") == []
    leaked = nb_of(
        ("code", "x = 1\nanswer = secret_formula(x)"), ("md", "Because the reply skipped the refund tool.")
    )
    problems = lab_problems(leaked, solution, "labs/01.ipynb")
    assert len(problems) == 2 and all("survives" in p for p in problems)
    marked = nb_of(("code", "### BEGIN SOLUTION\nanswer = ..."))
    marked.cells[0].outputs = [new_output("stream", text="hi")]
    problems = lab_problems(marked, solution, "labs/01.ipynb")
    assert any("outputs" in p for p in problems) and any("marker" in p for p in problems)


def test_pairing_checker_catches_missing_labs_lessons_and_bad_names(tmp_path):
    for folder in ("notebooks", "solutions", "labs"):
        (tmp_path / folder).mkdir()
    for path in ("notebooks/01_ok.ipynb", "solutions/01_ok.ipynb", "labs/01_ok.ipynb"):
        nbformat.write(nb_of(), tmp_path / path)
    assert pairing_problems(tmp_path) == []
    for path in ("solutions/02_alone.ipynb", "labs/03_orphan.ipynb", "notebooks/Lesson Four.ipynb"):
        nbformat.write(nb_of(), tmp_path / path)
    problems = "\n".join(pairing_problems(tmp_path))
    assert "solutions/02_alone.ipynb has no lab" in problems
    assert "solutions/02_alone.ipynb has no lesson" in problems
    assert "labs/03_orphan.ipynb has no solution" in problems
    assert "notebooks/Lesson Four.ipynb: notebook names" in problems


def test_lesson_checker_accepts_the_shape_and_names_each_missing_part():
    assert lesson_problems(GOOD_LESSON, "labs/01_title.ipynb", "ok") == []
    bare = nb_of(("code", "import evalbook"), ("md", "## Key takeaways\n\n- one"), ("md", "## Appendix"))
    problems = "\n".join(lesson_problems(bare, "labs/01_title.ipynb", "bad"))
    for fragment in (
        "'# ' title",
        "What you will be able to do",
        "time estimate",
        "Your turn",
        "Key takeaways",
    ):
        assert fragment in problems
    assert lesson_problems(GOOD_LESSON, "labs/02_other.ipynb", "bad")  # points to the wrong lab


def test_every_notebook_installs_evalbook_on_colab_from_the_one_configured_source():
    """The first cell's install block comes from one template and pyproject's [tool.evalbook] colab-install."""
    from evalbook.dev import colab

    source = colab.install_source()
    assert source.startswith("evalbook")
    stale = []
    for path in colab.notebooks():
        cell = colab.first_code_cell(colab.read_notebook(path)).source
        if colab.block(source) not in cell:
            stale.append(path.name)
    assert stale == [], f"run `python -m evalbook.dev.colab` then `evalbook labs build`: {stale}"
    assert "evalbook-*.whl" in colab.block(
        source
    )  # a wheel uploaded beside the notebook is installed instead
