"""Generate the student labs from the completed solutions.

Every ``solutions/NN_topic.ipynb`` is a finished lab. Its answers sit between markers (the nbgrader convention):

* in code cells, whole lines ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (indented like the code they hold);
* in markdown cells, ``<!-- BEGIN SOLUTION -->`` and ``<!-- END SOLUTION -->``.

``labs/NN_topic.ipynb`` is built from it and is never edited by hand. A lab must run top to bottom, unfinished,
without an error (``make nbtest`` runs it), so each code region becomes a stub that does not raise:

* ``# YOUR CODE HERE`` at the indentation of the BEGIN marker, then a placeholder chosen by this rule:
  1. the region returns (a ``return`` outside any function defined inside it) -> ``return ...``;
  2. otherwise, it binds names at its own top level (``x = ...``, ``a, b = ...``, ``x: int = ...``, ``x += ...``,
     ``def f``, ``class C``) -> ``name = ...`` for each name, in order of first binding;
  3. otherwise -> ``pass``.
  ``...`` is what the exercise checks report as "not attempted". Imports, loop and ``with`` targets are not
  stubbed, so keep imports outside regions.
* a markdown region inside one cell becomes ``_Your answer here._``; a markdown region that starts in one cell
  and ends in a later one removes every cell in between (and the marked text of the first and last cell).

The solution and the lab are told apart at a glance, and each has an introduction of its own:

* the title: a first line ``# Solution NN · Title`` becomes ``# Lab NN · Title`` in the lab;
* the introduction: the solution's own note (``this is the completed lab; try the lab first``) sits between
  ``<!-- BEGIN INTRO -->`` and ``<!-- END INTRO -->`` in a markdown cell; in the lab that block is replaced by the
  learner's introduction (:func:`learner_intro`: how to work through the lab, and links to the lesson and to the
  completed lab);
* a code cell tagged ``lab-comment-out`` (for example the one that reveals a *Think about it* model answer,
  ``lab01.think1.answer()``) runs in the solution and is commented out, line by line, in the lab.

Outputs are cleared, metadata normalised (:func:`evalbook.dev.notebooks.normalise`) and cell ids copied from the
solution, so building twice gives byte-identical files and ``build --check`` can compare bytes.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import nbformat
from nbformat import NotebookNode

from .notebooks import normalise, notebook_text, read_notebook

CODE_BEGIN = "### BEGIN SOLUTION"
CODE_END = "### END SOLUTION"
MD_BEGIN = re.compile(r"<!--\s*BEGIN SOLUTION\s*-->")
MD_END = re.compile(r"<!--\s*END SOLUTION\s*-->")
MD_TOKEN = re.compile(r"<!--\s*(BEGIN|END) SOLUTION\s*-->")
# A comment that looks like a marker but is not exactly one would leak an answer into the lab; refuse it.
NEAR_MARKER = re.compile(r"(BEGIN|END)[ _-]?SOLUTION", re.IGNORECASE)
NEAR_MD_MARKER = re.compile(r"<!--[^>]*?(BEGIN|END)[ _-]?SOLUTION", re.IGNORECASE)
STUB_COMMENT = "# YOUR CODE HERE"
MARKDOWN_STUB = "_Your answer here._"
BUILD_COMMAND = "make labs"
INTRO = re.compile(r"<!--\s*BEGIN INTRO\s*-->(.*?)<!--\s*END INTRO\s*-->", re.DOTALL)
INTRO_TOKEN = re.compile(r"<!--\s*(BEGIN|END) INTRO\s*-->")
NEAR_INTRO = re.compile(r"<!--[^>]*?(BEGIN|END)[ _-]?INTRO", re.IGNORECASE)
SOLUTION_TITLE = re.compile(r"\A(\s*#\s+)Solution(\s+\d{2}\b)")
COMMENT_OUT_TAG = "lab-comment-out"


class SolutionMarkerError(ValueError):
    """A solution's markers cannot be turned into a lab; the message names the notebook and the cell."""


def _where(name: str, index: int, cell: NotebookNode) -> str:
    first = next((line.strip() for line in cell.source.splitlines() if line.strip()), "")
    snippet = first if len(first) <= 50 else first[:47] + "..."
    return f"{name}, cell {index + 1} ({cell.cell_type}, starting {snippet!r})"


# --- code regions -------------------------------------------------------------------------------------------


def _bound_names(tree: ast.Module) -> list[str]:
    names: list[str] = []

    def add_target(target: ast.AST) -> None:
        if isinstance(target, ast.Name):
            if target.id not in names:
                names.append(target.id)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                add_target(element)
        elif isinstance(target, ast.Starred):
            add_target(target.value)

    for statement in tree.body:
        if isinstance(statement, ast.Assign):
            for target in statement.targets:
                add_target(target)
        elif isinstance(statement, (ast.AnnAssign, ast.AugAssign)):
            add_target(statement.target)
        elif isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            add_target(ast.Name(id=statement.name))
    return names


def _returns(tree: ast.Module) -> bool:
    def visit(node: ast.AST) -> bool:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            if isinstance(child, ast.Return) or visit(child):
                return True
        return False

    return visit(tree)


def stub_for(region: str) -> list[str]:
    """The placeholder lines (without indentation) that replace a code region; see the module docstring.

    Raises SyntaxError if the region is not a block of whole statements.
    """
    # IPython magics and shell escapes are not Python; they bind nothing, so parse them as `pass`.
    lines = [
        line[: len(line) - len(line.lstrip())] + "pass" if line.lstrip().startswith(("%", "!")) else line
        for line in region.splitlines()
    ]
    tree = ast.parse(textwrap.dedent("\n".join(lines)))
    if _returns(tree):
        return ["return ..."]
    names = _bound_names(tree)
    if names:
        return [f"{name} = ..." for name in names]
    return ["pass"]


def _strip_code(source: str, where: str) -> str:
    out: list[str] = []
    region: list[str] | None = None
    indent = ""
    begin_line = 0
    for number, line in enumerate(source.splitlines(), start=1):
        marker = line.strip()
        if marker == CODE_BEGIN:
            if region is not None:
                raise SolutionMarkerError(
                    f"{where}: `{CODE_BEGIN}` on line {number} opens a region inside the region opened on line "
                    f"{begin_line}. Close the first one with `{CODE_END}` before opening another."
                )
            region, indent, begin_line = [], line[: len(line) - len(line.lstrip())], number
        elif marker == CODE_END:
            if region is None:
                raise SolutionMarkerError(
                    f"{where}: `{CODE_END}` on line {number} has no `{CODE_BEGIN}` before it. "
                    "Each region needs both markers, in that order, in the same code cell."
                )
            try:
                stub = stub_for("\n".join(region))
            except SyntaxError as exc:
                raise SolutionMarkerError(
                    f"{where}: the solution region on lines {begin_line}-{number} is not a block of whole "
                    f"Python statements ({exc.msg}). Put the markers around complete statements."
                ) from None
            out.append(indent + STUB_COMMENT)
            out.extend(indent + line for line in stub)
            region = None
        elif marker.startswith("#") and NEAR_MARKER.search(marker):
            raise SolutionMarkerError(
                f"{where}: line {number} looks like a solution marker but is not one: {line.strip()!r}. "
                f"In code cells write exactly `{CODE_BEGIN}` and `{CODE_END}` on lines of their own."
            )
        elif region is not None:
            region.append(line)
        else:
            out.append(line)
    if region is not None:
        raise SolutionMarkerError(
            f"{where}: `{CODE_BEGIN}` on line {begin_line} has no matching `{CODE_END}`. "
            "Add the end marker in the same cell (code regions cannot span cells)."
        )
    return "\n".join(out)


# --- the title, the introduction and commented-out cells -----------------------------------------------------


def _links(name: str) -> tuple[str, str]:
    """(lesson, completed lab) links from the lab generated for the solution called ``name``."""
    path = PurePosixPath(name)
    if path.parent.name == "templates":
        return "lesson.ipynb", "solution.ipynb"
    return f"../notebooks/{path.name}", f"../solutions/{path.name}"


def learner_intro(name: str) -> str:
    """The lab's introduction, generated in place of the solution's ``<!-- BEGIN INTRO -->`` block."""
    lesson, solution = _links(name)
    how = (
        "Write your code where it says `# YOUR CODE HERE`, run the cell, then run the check below it. Stuck? "
        "Uncomment a line under the check: `hint()` gives a nudge, `hint(2)` the recipe, `solution()` the code. "
        "Each *Think about it* question has a model answer: write your own in the cell under the question first, "
        "then uncomment and run its `answer()` line."
    )
    where = (
        f"The lesson is [{lesson.removeprefix('../')}]({lesson}). The completed lab, with every answer filled in, "
        f"is [{solution.removeprefix('../')}]({solution}): open it after you have tried."
    )
    wrap = textwrap.TextWrapper(width=115, break_long_words=False, break_on_hyphens=False)
    return "\n\n".join(wrap.fill(paragraph) for paragraph in (how, where))


def _lab_title(text: str) -> str:
    return SOLUTION_TITLE.sub(r"\1Lab\2", text, count=1)


def _replace_intro(text: str, name: str, where: str) -> str:
    found = list(INTRO.finditer(text))
    near = NEAR_INTRO.search(INTRO_TOKEN.sub("", text))
    if near:
        raise SolutionMarkerError(
            f"{where}: {near.group(0)!r}... looks like an intro marker but is not one. Write exactly "
            "`<!-- BEGIN INTRO -->` and `<!-- END INTRO -->`."
        )
    leftover = INTRO_TOKEN.search(INTRO.sub("", text))
    if leftover:
        raise SolutionMarkerError(
            f"{where}: {leftover.group(0)!r} has no partner. Put the solution's introduction between "
            "`<!-- BEGIN INTRO -->` and `<!-- END INTRO -->` in one markdown cell."
        )
    if len(found) > 1:
        raise SolutionMarkerError(f"{where}: a notebook has one introduction; this cell has {len(found)}.")
    if not found:
        return text
    return INTRO.sub(lambda _: learner_intro(name), text)


def _commented_out(source: str) -> str:
    """The code commented out as an editor's "toggle comment" does (``# `` at the block's smallest indentation),
    so that toggling again restores it; blank lines and comments stay as they are."""
    lines = source.splitlines()
    code = [line for line in lines if line.strip() and not line.lstrip().startswith("#")]
    if not code:
        return source
    column = min(len(line) - len(line.lstrip()) for line in code)
    return "\n".join(f"{line[:column]}# {line[column:]}" if line in code else line for line in lines)


# --- markdown regions ---------------------------------------------------------------------------------------


def _check_markdown_text(text: str, where: str) -> None:
    leftover = NEAR_MD_MARKER.search(MD_TOKEN.sub("", text))
    if leftover:
        raise SolutionMarkerError(
            f"{where}: {leftover.group(0)!r}... looks like a solution marker but is not one. In markdown cells "
            "write exactly `<!-- BEGIN SOLUTION -->` and `<!-- END SOLUTION -->`."
        )


def strip_solutions(solution: NotebookNode, name: str = "solution") -> NotebookNode:
    """The lab for ``solution`` (a new notebook; ``solution`` is not modified). ``name`` is used in errors."""
    lab = nbformat.from_dict(nbformat.v4.new_notebook())
    lab.metadata = solution.metadata
    open_at: int | None = None  # index of the markdown cell whose region is still open
    for index, original in enumerate(solution.cells):
        cell = nbformat.from_dict(dict(original))
        where = _where(name, index, cell)
        if cell.cell_type == "code":
            if MD_TOKEN.search(cell.source) and open_at is None:
                raise SolutionMarkerError(
                    f"{where}: markdown markers (`<!-- ... SOLUTION -->`) belong in markdown cells; in code "
                    f"cells use `{CODE_BEGIN}` and `{CODE_END}`."
                )
            if open_at is not None:
                continue  # inside a markdown region spanning cells
            cell.source = _strip_code(cell.source, where)
            tags = list(cell.get("metadata", {}).get("tags", []))
            if COMMENT_OUT_TAG in tags:
                cell.source = _commented_out(cell.source)
                tags.remove(COMMENT_OUT_TAG)
                if tags:
                    cell.metadata["tags"] = tags
                else:
                    cell.metadata.pop("tags", None)
            lab.cells.append(cell)
            continue

        text = cell.source
        if cell.cell_type == "markdown":
            if open_at is None:
                text = _replace_intro(text, name, where)
                if not lab.cells:
                    text = _lab_title(text)
            _check_markdown_text(text, where)
            if any(line.strip() in (CODE_BEGIN, CODE_END) for line in text.splitlines()):
                raise SolutionMarkerError(
                    f"{where}: `{CODE_BEGIN}`/`{CODE_END}` belong in code cells; in markdown use "
                    "`<!-- BEGIN SOLUTION -->` and `<!-- END SOLUTION -->`."
                )
        pieces: list[str] = []
        position = 0
        for token in MD_TOKEN.finditer(text):
            kind = token.group(1)
            if kind == "BEGIN":
                if open_at is not None:
                    raise SolutionMarkerError(
                        f"{where}: `<!-- BEGIN SOLUTION -->` opens a region while the one opened in "
                        f"{_where(name, open_at, solution.cells[open_at])} is still open."
                    )
                pieces.append(text[position : token.start()])
                open_at = index
            else:
                if open_at is None:
                    raise SolutionMarkerError(
                        f"{where}: `<!-- END SOLUTION -->` has no `<!-- BEGIN SOLUTION -->` before it."
                    )
                if open_at == index:
                    pieces.append(MARKDOWN_STUB)
                open_at = None
            position = token.end()
        if open_at is None:
            pieces.append(text[position:])
        elif open_at != index:
            continue  # a whole cell inside a spanning region
        new_text = "".join(pieces)
        if new_text != text:
            new_text = re.sub(r"\n{3,}", "\n\n", new_text).strip("\n")
            if not new_text.strip():
                continue
        cell.source = new_text
        lab.cells.append(cell)
    if open_at is not None:
        raise SolutionMarkerError(
            f"{_where(name, open_at, solution.cells[open_at])}: `<!-- BEGIN SOLUTION -->` is never closed. "
            "Add `<!-- END SOLUTION -->` in this cell or a later markdown cell."
        )
    return normalise(lab, clear_outputs=True)


def lab_text(solution_path: Path, name: str | None = None) -> str:
    """The exact bytes (as text) of the lab generated from the solution at ``solution_path``."""
    solution = read_notebook(solution_path)
    return notebook_text(strip_solutions(solution, name or solution_path.name))


# --- the tree -----------------------------------------------------------------------------------------------


def pairs(root: Path) -> list[tuple[Path, Path]]:
    """(solution, lab) paths: ``solutions/X.ipynb -> labs/X.ipynb`` and the template's solution -> lab."""
    found = [(path, root / "labs" / path.name) for path in sorted((root / "solutions").glob("*.ipynb"))]
    template = root / "templates" / "solution.ipynb"
    if template.exists():
        found.append((template, root / "templates" / "lab.ipynb"))
    return found


def orphans(root: Path) -> list[Path]:
    """Labs whose solution does not exist."""
    found = [
        path
        for path in sorted((root / "labs").glob("*.ipynb"))
        if not (root / "solutions" / path.name).exists()
    ]
    template_lab = root / "templates" / "lab.ipynb"
    if template_lab.exists() and not (root / "templates" / "solution.ipynb").exists():
        found.append(template_lab)
    return found


@dataclass
class BuildReport:
    """What :func:`build` did (or, with ``check``, would have to do). Paths are relative to the root."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)

    @property
    def problems(self) -> list[str]:
        """One sentence per lab that is not up to date (empty when the tree is consistent)."""
        return (
            [f"{lab} is stale: it no longer matches its solution." for lab in self.stale]
            + [f"{lab} is missing: its solution has no lab yet." for lab in self.missing]
            + [
                f"{lab} is an orphan: there is no solution it was generated from. Delete it or restore the solution."
                for lab in self.orphans
            ]
        )


def _rel(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def build(root: Path, *, check: bool = False) -> BuildReport:
    """Generate every lab under ``root`` (write only those that changed), or with ``check`` write nothing.

    Orphan labs are reported, never deleted: a file nobody generated may be someone's work.
    Raises :class:`SolutionMarkerError` for a solution whose markers cannot be processed.
    """
    report = BuildReport()
    for solution, lab in pairs(root):
        expected = lab_text(solution, _rel(solution, root)).encode("utf-8")
        current = lab.read_bytes() if lab.exists() else None
        label = _rel(lab, root)
        if current == expected:
            report.unchanged.append(label)
            continue
        (report.missing if current is None else report.stale).append(label)
        if not check:
            lab.parent.mkdir(parents=True, exist_ok=True)
            lab.write_bytes(expected)
            report.written.append(label)
    report.orphans = [_rel(path, root) for path in orphans(root)]
    return report


def find_root(start: Path | None = None) -> Path:
    """The repository root: the nearest folder at or above ``start`` with ``solutions/`` and ``pyproject.toml``."""
    start = (start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "solutions").is_dir() and (folder / "pyproject.toml").is_file():
            return folder
    raise FileNotFoundError(
        "Run this from the evalbook repository (the folder that holds solutions/, labs/ and pyproject.toml)."
    )


def main(argv: Sequence[str] | None = None) -> int:
    """``evalbook labs build [--check]``: generate the labs, or verify they are up to date (exit 1 if not)."""
    parser = argparse.ArgumentParser(
        prog="evalbook labs", description="Generate student labs from solutions."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="generate labs/ from solutions/")
    build_parser.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if any lab is stale, missing or an orphan"
    )
    build_parser.add_argument(
        "--root", type=Path, default=None, help="repository root (default: found from cwd)"
    )
    args = parser.parse_args(list(argv) if argv is not None else None)

    try:
        root = args.root.resolve() if args.root else find_root()
        report = build(root, check=args.check)
    except (SolutionMarkerError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        for problem in report.problems:
            print(problem, file=sys.stderr)
        if report.problems:
            print(f"Run `{BUILD_COMMAND}` (or `evalbook labs build`) and commit the result.", file=sys.stderr)
            return 1
        count = len(report.unchanged)
        print(f"{count} lab{'s are' if count != 1 else ' is'} up to date.")
        return 0
    for label in report.written:
        print(f"wrote {label}")
    for label in report.orphans:
        print(
            f"{label} is an orphan: no solution generates it. Delete it or restore its solution.",
            file=sys.stderr,
        )
    print(f"labs: {len(report.written)} written, {len(report.unchanged)} already up to date.")
    return 1 if report.orphans else 0


if __name__ == "__main__":
    sys.exit(main())
