"""A learner labels traces with a lesson's Labeller in the browser, restarts, and carries on where they stopped.

Every lesson with a cell that makes a learner's ``Labeller(..., "my_labels_NN.csv", ...)`` is driven (lesson 03
today, later lessons by the same rule): label the first trace Pass with the button, the second Fail with a note
and a category typed into the boxes and Enter, check the CSV, then "Restart Kernel and Run All" and check that the
labeller resumes at the third trace with both labels kept. The lesson runs from its own folder in the served copy,
so its label file starts empty and never touches the repository.
"""

from __future__ import annotations

import csv
import re
import shutil

import pytest
from labdriver import ROOT, problems

LEARNER_LABELLER = re.compile(r"""Labeller\([^)]*["'](my_labels_\w*\.csv)["']""")
LESSONS = sorted(
    p.relative_to(ROOT).as_posix()
    for p in (ROOT / "notebooks").glob("*.ipynb")
    if LEARNER_LABELLER.search(p.read_text(encoding="utf-8").replace('\\"', '"'))
)
# Typed key by key, with what a CSV must quote: a comma and double quotes.
NOTE = 'Says "refund processed", but no issue_refund call; checked the end state'
CATEGORY = "phantom refund"


def test_a_lesson_with_a_learner_labeller_is_found():
    assert "notebooks/03_traces_and_error_analysis.ipynb" in LESSONS


def _labeller_cell(cells: list[dict]) -> tuple[int, str]:
    for cell in cells:
        match = LEARNER_LABELLER.search(cell["code"])
        if match:
            return cell["index"], match.group(1)
    raise AssertionError("no cell makes the learner's Labeller")


@pytest.mark.parametrize("path", LESSONS)
def test_label_two_traces_then_restart_and_resume(open_notebook, server, path):
    name = path.split("/")[1]
    folder = server.root / f"labeller-{name.removesuffix('.ipynb')}"
    folder.mkdir()
    shutil.copy(server.root / path, folder / name)
    notebook = open_notebook(f"{folder.name}/{name}")
    page = notebook.page

    notebook.restart_and_run_all()
    notebook.wait_for_widgets()
    cells = notebook.cells()
    assert not problems(cells), problems(cells)
    index, file_name = _labeller_cell(cells)
    labels = folder / file_name
    cell = notebook.cell(index)
    cell.scroll_into_view_if_needed()
    status = cell.locator(".widget-html-content").first  # the labeller's first row
    shown_id = cell.locator(".widget-html-content").nth(1).locator("b").first  # the trace on screen
    form = cell.locator(".evalbook-label-form")
    message = form.locator(".evalbook-message")

    def wait_for(locator, pattern: str, what: str):
        try:
            page.wait_for_function(
                "([el, pattern]) => new RegExp(pattern).test(el.textContent)",
                arg=[locator.element_handle(), pattern],
                timeout=20_000,
            )
        except Exception:
            raise AssertionError(
                f"{what}: expected /{pattern}/, the page shows {locator.text_content()!r}"
            ) from None

    wait_for(status, r"trace 1 of \d+ .* 0 of \d+ labelled", "a new labeller starts at the first trace")
    first = shown_id.text_content()

    # 1. Pass, with the Save button and no note.
    form.locator("button.evalbook-pass").click()
    form.locator("button.evalbook-save").click()
    wait_for(message, rf"Saved {re.escape(first)}: pass\. 1 of \d+ labelled", "the first save")
    wait_for(status, r"trace 2 of", "after a save the labeller moves on")
    second = shown_id.text_content()
    assert second != first

    # 2. Fail, with a note and a category typed into their boxes, saved with Enter in the category box.
    form.locator("button.evalbook-fail").click()
    note = form.locator("input.evalbook-note")
    note.click()
    note.press_sequentially(NOTE, delay=5)
    category = form.locator("input.evalbook-category")
    category.click()
    category.press_sequentially(CATEGORY, delay=5)
    category.press("Enter")
    wait_for(message, rf"Saved {re.escape(second)}: fail\. 2 of \d+ labelled", "the second save")
    wait_for(status, r"trace 3 of .* 2 of \d+ labelled \(1 pass, 1 fail\)", "the status after two labels")
    third = shown_id.text_content()
    assert note.input_value() == "" and category.input_value() == "", (
        "the boxes are cleared for the next trace"
    )

    # 3. The CSV has both labels, with the note exactly as typed.
    with labels.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["trace_id"], r["labeller"], r["verdict"], r["note"], r["category"]) for r in rows] == [
        (first, "me", "pass", "", ""),
        (second, "me", "fail", NOTE, CATEGORY),
    ]
    assert not (ROOT / path).with_name(file_name).exists(), "the labels were written into the repository"

    # 4. Restart and run all again: the labeller resumes at the first trace not yet labelled.
    notebook.restart_and_run_all()
    notebook.wait_for_widgets()
    assert not problems(notebook.cells())
    cell.scroll_into_view_if_needed()
    wait_for(status, r"trace 3 of \d+ .* 2 of \d+ labelled \(1 pass, 1 fail\)", "after a restart")
    assert shown_id.text_content() == third
    with labels.open(encoding="utf-8", newline="") as fh:
        assert len(list(csv.DictReader(fh))) == 2
    assert not notebook.console_errors, notebook.console_errors
