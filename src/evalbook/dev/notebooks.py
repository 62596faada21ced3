"""Contributor tools: execute lessons in place and keep committed notebooks free of machine noise.

``python -m evalbook.dev.notebooks execute PATH...`` runs each notebook (or every ``*.ipynb`` in each folder) top to
bottom in the offline simulator and writes the outputs back. The committed outputs are what ``make nbtest``
compares a fresh run against, so they must be reproducible: the run uses ``EVALBOOK_MODE=sim``,
``EVALBOOK_PROGRESS=off`` and a fixed hash seed, and :func:`normalise` then strips everything that would differ
between two machines or two runs (execution timing, widget state, editor metadata, widget model ids).
``python -m evalbook.dev.notebooks normalise PATH...`` applies :func:`normalise` alone, without executing (for a
change of the metadata rules: the outputs stay as they are).

Learners never need this module; it is imported lazily by the ``make notebooks`` target and by the lab builder.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

import nbformat
from nbformat import NotebookNode

# The only notebook metadata a committed notebook keeps. Everything else (widget state, colab and vscode
# settings, jupytext) is dropped.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
# JupyterLab rewrites kernelspec and language_info from the kernel as soon as a notebook's kernel starts, and marks
# the notebook unsaved ("dirty") if that changes anything. So a committed notebook carries exactly what the
# pinned ipykernel reports on the reference Python (CI's, and the e2e test checks it): opened on that Python, a
# notebook is not marked unsaved. On any other Python the version differs, and JupyterLab marks the notebook
# unsaved on opening (harmless: saving only records that Python's version). The version is fixed here, not taken
# from the executing machine, so that `make notebooks` writes the same bytes everywhere.
REFERENCE_PYTHON = "3.11.7"
LANGUAGE_INFO = {
    "codemirror_mode": {"name": "ipython", "version": 3},
    "file_extension": ".py",
    "mimetype": "text/x-python",
    "name": "python",
    "nbconvert_exporter": "python",
    "pygments_lexer": "ipython3",
    "version": REFERENCE_PYTHON,
}
# Cell metadata that carries meaning (nbval and lab tags, locked cells); the rest is editor state.
KEEP_CELL_METADATA = ("tags", "editable", "deletable")
# Widget views point at a model id that is random on every run and whose state we do not commit, so the view
# cannot render from a saved file anyway. Jupyter then shows the output's text/plain or text/html fallback.
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
DEFAULT_TIMEOUT = 600
NOTEBOOK_ENV = {"EVALBOOK_MODE": "sim", "EVALBOOK_PROGRESS": "off", "PYTHONHASHSEED": "0"}


class NotebookRunError(RuntimeError):
    """A notebook could not be executed; the message names the notebook and the cell."""


def stable_cell_id(index: int, source: str) -> str:
    """A cell id that depends only on the cell's position and text, so rebuilding a notebook gives the same id."""
    return "c" + hashlib.sha1(f"{index}\x1f{source}".encode()).hexdigest()[:11]


def _clean_output(output: NotebookNode) -> NotebookNode | None:
    if output.get("output_type") not in ("display_data", "execute_result"):
        return output
    output.data = {key: value for key, value in output.get("data", {}).items() if key != WIDGET_VIEW}
    if "metadata" in output:
        output.metadata = {key: value for key, value in output.metadata.items() if key != WIDGET_VIEW}
    if not output.data:
        return None
    return output


def normalise(nb: NotebookNode, *, clear_outputs: bool = False) -> NotebookNode:
    """Strip machine- and run-specific noise from ``nb`` in place and return it.

    Notebook metadata becomes exactly the python3 kernelspec and :data:`LANGUAGE_INFO`; cell metadata keeps only
    :data:`KEEP_CELL_METADATA`; widget views are removed from outputs (see the module docstring); every cell gets
    an id (missing or duplicated ids are replaced by :func:`stable_cell_id`). Empty code cells never run, so they
    lose any stale output. With ``clear_outputs`` every code cell loses its outputs and execution count.
    """
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.metadata = nbformat.from_dict(
        {"kernelspec": dict(KERNELSPEC), "language_info": json.loads(json.dumps(LANGUAGE_INFO))}
    )
    seen: set[str] = set()
    for index, cell in enumerate(nb.cells):
        cell.metadata = nbformat.from_dict(
            {key: cell.metadata[key] for key in KEEP_CELL_METADATA if key in cell.get("metadata", {})}
        )
        cell_id = cell.get("id")
        if not cell_id or cell_id in seen:
            cell_id = stable_cell_id(index, cell.source)
        cell.id = cell_id
        seen.add(cell_id)
        if cell.cell_type != "code":
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            continue
        if clear_outputs or not cell.source.strip():
            cell.outputs = []
            cell.execution_count = None
        else:
            cell.outputs = [out for out in map(_clean_output, cell.get("outputs", [])) if out is not None]
    return nb


def read_notebook(path: Path) -> NotebookNode:
    """Read a notebook without letting nbformat invent random ids for cells that lack one.

    ``nbformat.read`` "repairs" a v4.5 cell without an id by adding a random one, which would make generated
    files differ from run to run; :func:`normalise` adds deterministic ids instead.
    """
    nb = nbformat.reader.reads(path.read_text(encoding="utf-8"))  # parses and joins lines, does not validate
    return nb if nb.nbformat == 4 else nbformat.convert(nb, 4)


def notebook_text(nb: NotebookNode) -> str:
    """The exact text a notebook is committed as: nbformat's JSON layout and a final newline."""
    nbformat.validate(nb)
    text = nbformat.writes(nb, version=4)
    return text if text.endswith("\n") else text + "\n"


def write_notebook(nb: NotebookNode, path: Path) -> None:
    """Write ``nb`` with LF line endings on every platform (the repository's .gitattributes expects LF)."""
    path.write_text(notebook_text(nb), encoding="utf-8", newline="\n")


def notebooks_in(paths: Iterable[str | Path]) -> list[Path]:
    """The notebooks named by ``paths``: files as given, folders expanded to their ``*.ipynb`` (not recursive)."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(path.glob("*.ipynb")))
        elif path.suffix == ".ipynb" and path.is_file():
            found.append(path)
        else:
            raise NotebookRunError(f"{raw} is neither a notebook nor a folder; pass .ipynb files or folders.")
    return found


def _describe_cell(nb: NotebookNode, index: int) -> str:
    first = next((line.strip() for line in nb.cells[index].source.splitlines() if line.strip()), "")
    snippet = first if len(first) <= 60 else first[:57] + "..."
    return f"cell {index + 1} ({snippet!r})" if snippet else f"cell {index + 1}"


def execute_notebook(path: Path, *, timeout: int = DEFAULT_TIMEOUT) -> None:
    """Run ``path`` top to bottom in sim mode (cwd = its folder) and write it back normalised.

    On failure the file is left untouched and :class:`NotebookRunError` names the notebook and the failing cell.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    nb = read_notebook(path)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent.resolve())}},
        record_timing=False,
        store_widget_state=False,
    )
    try:
        client.execute(env={**os.environ, **NOTEBOOK_ENV})  # the kernel's environment, not this process's
    except CellExecutionError as exc:
        index = next(
            (
                i
                for i, cell in enumerate(nb.cells)
                if any(out.get("output_type") == "error" for out in cell.get("outputs", []))
            ),
            None,
        )
        where = _describe_cell(nb, index) if index is not None else "a cell"
        raise NotebookRunError(f"{path}: {where} raised {exc.ename}: {exc.evalue}") from None
    except CellTimeoutError:
        raise NotebookRunError(
            f"{path}: a cell ran for more than {timeout} s; make it faster or pass --timeout."
        ) from None
    except DeadKernelError as exc:
        raise NotebookRunError(f"{path}: the kernel died while running the notebook ({exc}).") from None
    write_notebook(normalise(nb), path)


def normalise_files(paths: Sequence[Path]) -> int:
    """Rewrite each notebook normalised, without running it; print how many changed."""
    changed = 0
    for path in paths:
        before = path.read_text(encoding="utf-8")
        text = notebook_text(normalise(read_notebook(path)))
        if text != before:
            path.write_text(text, encoding="utf-8", newline="\n")
            changed += 1
            print(f"normalised {path}")
    print(f"{changed} of {len(paths)} notebooks changed.")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m evalbook.dev.notebooks", description=__doc__.splitlines()[0]
    )
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("execute", help="execute notebooks in place (sim mode) and normalise them")
    run.add_argument("paths", nargs="+", help="notebooks or folders of notebooks")
    run.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT, help="seconds allowed per cell")
    tidy = commands.add_parser(
        "normalise", help="normalise notebooks in place without executing them (outputs are kept)"
    )
    tidy.add_argument("paths", nargs="+", help="notebooks or folders of notebooks")
    args = parser.parse_args(argv)

    try:
        paths = notebooks_in(args.paths)
    except NotebookRunError as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.command == "normalise":
        return normalise_files(paths)
    failures = 0
    for path in paths:
        print(f"executing {path}", flush=True)
        try:
            execute_notebook(path, timeout=args.timeout)
        except NotebookRunError as exc:
            failures += 1
            print(f"FAILED {exc}", file=sys.stderr, flush=True)
    if failures:
        print(f"{failures} of {len(paths)} notebooks failed and were left unchanged.", file=sys.stderr)
        return 1
    print(f"{len(paths)} notebooks executed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
