"""Every lesson, solution and lab, as a learner runs it: opened in JupyterLab, "Restart Kernel and Run All".

The notebooks are found by glob (notebooks/, solutions/, labs/), so a new lesson is tested without editing this
file. Longest first, so that two workers finish together.
"""

from __future__ import annotations

import platform
import re
import warnings

import pytest
from labdriver import ROOT, problems

from evalbook.dev.notebooks import REFERENCE_PYTHON

FOLDERS = ("notebooks", "solutions", "labs")
NOTEBOOKS = sorted(
    (p.relative_to(ROOT).as_posix() for folder in FOLDERS for p in (ROOT / folder).glob("*.ipynb")),
    key=lambda name: (-(ROOT / name).stat().st_size, name),
)
TITLES = {"notebooks": r"\d{2} · ", "solutions": r"Solution \d{2} · ", "labs": r"Lab \d{2} · "}


@pytest.mark.parametrize("path", NOTEBOOKS)
def test_restart_and_run_all_shows_no_error(open_notebook, path):
    notebook = open_notebook(path)
    folder, name = path.split("/")

    # Opening a notebook must not mark it unsaved: JupyterLab rewrites kernelspec and language_info from the
    # kernel, and the committed metadata is what the reference Python reports (src/evalbook/dev/notebooks.py).
    # On another Python the version differs and JupyterLab marks the notebook unsaved: nothing to check then.
    if platform.python_version() == REFERENCE_PYTHON:
        assert not notebook.dirty_within(1.0), (
            f"{path} is marked unsaved right after opening; its metadata became {notebook.state()['metadata']}"
        )
    else:
        warnings.warn(
            f"Python {platform.python_version()} is not the reference {REFERENCE_PYTHON}: JupyterLab marks "
            "notebooks unsaved on opening here, so that is not checked.",
            stacklevel=1,
        )
    state = notebook.state()
    # The tab shows the file name, the same for a lesson, its lab and its solution; the heading tells them apart
    # and the tab's tooltip names the folder.
    assert state["tabLabel"] == name
    assert f"{folder}/{name}" in state["tabTooltip"], state["tabTooltip"]
    assert re.match(TITLES[folder], state["heading"] or ""), f"{path} starts with {state['heading']!r}"

    notebook.restart_and_run_all()
    notebook.wait_for_widgets(timeout=30)
    cells = notebook.cells()
    found = problems(cells)
    if found:
        notebook.show_first_problem(cells)
    assert not found, f"{path}:\n  " + "\n  ".join(found)
    # run_batch shows a progress bar (EVALBOOK_PROGRESS=on): a widget in the browser, not text on stderr. It closes
    # itself when the batch is done, so the page counted the bars as they appeared.
    if any("run_batch(" in cell["code"] for cell in cells):
        assert notebook.progress_bars_seen() >= 1, f"{path}: run_batch showed no progress bar widget"
    assert not notebook.console_errors, f"{path}:\n  " + "\n  ".join(notebook.console_errors)
