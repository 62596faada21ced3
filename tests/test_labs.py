"""The lab generator: stub rules, markdown regions, byte-identical rebuilds, --check, and the real tree."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from evalbook.dev import labs
from evalbook.dev.notebooks import write_notebook

REPO = Path(__file__).resolve().parents[1]


def notebook(*cells) -> nbformat.NotebookNode:
    nb = new_notebook()
    for index, (kind, text) in enumerate(cells):
        cell = new_markdown_cell(text) if kind == "md" else new_code_cell(text)
        cell.id = f"cell-{index}"
        nb.cells.append(cell)
    return nb


def lab_sources(*cells) -> list[str]:
    return [cell.source for cell in labs.strip_solutions(notebook(*cells), "solutions/01_x.ipynb").cells]


@pytest.fixture
def tree(tmp_path):
    """A minimal repository: pyproject.toml, solutions/ and labs/."""
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    (tmp_path / "solutions").mkdir()
    (tmp_path / "labs").mkdir()
    return tmp_path


def write_solution(root: Path, name: str, *cells) -> Path:
    path = root / "solutions" / name
    write_notebook(notebook(*cells), path)
    return path


# --- stub rules ----------------------------------------------------------------------------------------------


def test_a_region_that_returns_becomes_return_ellipsis_at_the_marker_indentation():
    source = (
        "def pass_rate(labels):\n"
        '    """Share of passes."""\n'
        "    ### BEGIN SOLUTION\n"
        '    passed = labels.count("pass")\n'
        "    return passed / len(labels)\n"
        "    ### END SOLUTION\n"
    )
    assert lab_sources(("code", source)) == [
        'def pass_rate(labels):\n    """Share of passes."""\n    # YOUR CODE HERE\n    return ...'
    ]


def test_a_return_inside_a_branch_still_counts_but_one_inside_a_nested_function_does_not():
    branch = (
        "def f(x):\n    ### BEGIN SOLUTION\n    if x:\n        return 1\n    y = 2\n    ### END SOLUTION\n"
    )
    assert lab_sources(("code", branch))[0].endswith("    # YOUR CODE HERE\n    return ...")
    nested = "### BEGIN SOLUTION\ndef helper():\n    return 1\nvalue = helper()\n### END SOLUTION"
    assert lab_sources(("code", nested)) == ["# YOUR CODE HERE\nhelper = ...\nvalue = ..."]


def test_a_region_that_binds_names_stubs_each_name_once_in_order():
    source = (
        "import math\n"
        "### BEGIN SOLUTION\n"
        "total, passed = 20, 13\n"
        "rate: float = passed / total\n"
        "rate += 0\n"
        "### END SOLUTION\n"
        "print(rate)"
    )
    assert lab_sources(("code", source)) == [
        "import math\n# YOUR CODE HERE\ntotal = ...\npassed = ...\nrate = ...\nprint(rate)"
    ]


def test_a_region_with_nothing_to_bind_becomes_pass_and_magics_do_not_break_parsing():
    source = "for x in [1]:\n    ### BEGIN SOLUTION\n    print(x)\n    %time x\n    ### END SOLUTION\n"
    assert lab_sources(("code", source)) == ["for x in [1]:\n    # YOUR CODE HERE\n    pass"]


def test_several_regions_in_one_cell_are_each_stubbed_and_outside_code_is_kept():
    source = "a = 1\n### BEGIN SOLUTION\nb = a\n### END SOLUTION\nc = 3\n### BEGIN SOLUTION\nd = c\n### END SOLUTION"
    assert lab_sources(("code", source)) == [
        "a = 1\n# YOUR CODE HERE\nb = ...\nc = 3\n# YOUR CODE HERE\nd = ..."
    ]


def test_generated_stubs_run_without_error():
    source = "def f(labels):\n    ### BEGIN SOLUTION\n    return len(labels)\n    ### END SOLUTION\n\n\nresult = f([1])"
    namespace: dict = {}
    exec(lab_sources(("code", source))[0], namespace)
    assert namespace["result"] is Ellipsis


# --- markdown regions, outputs and metadata ------------------------------------------------------------------


def test_markdown_region_within_a_cell_becomes_a_prompt_for_the_learner():
    text = "**Your prediction:**\n\n<!-- BEGIN SOLUTION -->\natlas-1 wins the benchmark.\n<!-- END SOLUTION -->\n\nThen run."
    assert lab_sources(("md", text)) == ["**Your prediction:**\n\n_Your answer here._\n\nThen run."]


def test_markdown_region_spanning_cells_removes_the_cells_in_between():
    sources = lab_sources(
        ("md", "Intro.\n\n<!-- BEGIN SOLUTION -->\nSolution-only notes."),
        ("code", "secret = 42"),
        ("md", "More notes."),
        ("md", "Last note.\n<!-- END SOLUTION -->\nAfter."),
        ("code", "x = 1"),
    )
    assert sources == ["Intro.", "After.", "x = 1"]


def test_outputs_counts_and_editor_metadata_are_dropped_and_ids_kept():
    nb = notebook(("code", "1 + 1"), ("md", "text"))
    nb.cells[0].execution_count = 3
    nb.cells[0].outputs = [new_output("execute_result", data={"text/plain": "2"}, execution_count=3)]
    nb.cells[0].metadata = {
        "execution": {"iopub.execute_input": "2024-01-01"},
        "tags": ["keep"],
        "collapsed": True,
    }
    nb.metadata = {
        "kernelspec": {"name": "python3", "display_name": "Python 3"},
        "widgets": {"x": 1},
        "colab": {},
    }
    lab = labs.strip_solutions(nb, "s.ipynb")
    assert lab.cells[0].outputs == [] and lab.cells[0].execution_count is None
    assert dict(lab.cells[0].metadata) == {"tags": ["keep"]}
    assert set(lab.metadata) == {"kernelspec", "language_info"}
    assert lab.metadata.kernelspec.name == "python3" and dict(lab.metadata.language_info) == {
        "name": "python"
    }
    assert [cell.id for cell in lab.cells] == ["cell-0", "cell-1"]


# --- unbalanced or malformed markers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "fragments"),
    [
        (
            [("md", "Intro"), ("code", "x = 1\n### BEGIN SOLUTION\ny = 2")],
            ["cell 2", "line 2", "no matching"],
        ),
        ([("code", "x = 1\n### END SOLUTION")], ["cell 1", "line 2", "has no `### BEGIN SOLUTION` before"]),
        (
            [("code", "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION")],
            ["cell 1", "inside the region"],
        ),
        ([("md", "a <!-- BEGIN SOLUTION --> b"), ("md", "c")], ["cell 1", "never closed"]),
        ([("md", "a <!-- END SOLUTION -->")], ["cell 1", "no `<!-- BEGIN SOLUTION -->`"]),
        (
            [("code", "### BEGIN SOLUTIONS\nx = 1\n### END SOLUTION")],
            ["line 1", "looks like a solution marker"],
        ),
        ([("md", "<!-- BEGIN SOLUTIONS --> x <!-- END SOLUTION -->")], ["looks like a solution marker"]),
        ([("code", "<!-- BEGIN SOLUTION -->")], ["belong in markdown cells"]),
        (
            [("code", "### BEGIN SOLUTION\nx = (1,\n### END SOLUTION\n)")],
            ["not a block of whole", "lines 1-3"],
        ),
    ],
)
def test_malformed_markers_name_the_notebook_and_cell(cells, fragments):
    with pytest.raises(labs.SolutionMarkerError) as info:
        labs.strip_solutions(notebook(*cells), "solutions/07_bad.ipynb")
    message = str(info.value)
    assert message.startswith("solutions/07_bad.ipynb, cell ")
    for fragment in fragments:
        assert fragment in message


def test_unbalanced_markers_make_the_command_fail_with_the_message(tree, capsys):
    write_solution(tree, "01_x.ipynb", ("code", "### BEGIN SOLUTION\nx = 1"))
    assert labs.main(["build", "--root", str(tree)]) == 2
    err = capsys.readouterr().err
    assert "solutions/01_x.ipynb, cell 1" in err and "no matching `### END SOLUTION`" in err
    assert not (tree / "labs" / "01_x.ipynb").exists()


# --- building the tree ---------------------------------------------------------------------------------------


def test_build_is_byte_identical_on_rebuild_and_check_passes(tree):
    write_solution(
        tree, "01_x.ipynb", ("md", "# Lab"), ("code", "### BEGIN SOLUTION\nx = 1\n### END SOLUTION")
    )
    first = labs.build(tree)
    assert first.written == ["labs/01_x.ipynb"]
    content = (tree / "labs" / "01_x.ipynb").read_bytes()
    second = labs.build(tree)
    assert second.written == [] and second.unchanged == ["labs/01_x.ipynb"]
    assert (tree / "labs" / "01_x.ipynb").read_bytes() == content
    assert b"BEGIN SOLUTION" not in content and b"\r\n" not in content
    assert labs.build(tree, check=True).problems == []
    nbformat.validate(nbformat.reads(content.decode(), as_version=4))


def test_check_names_a_stale_lab_after_the_solution_is_edited_and_writes_nothing(tree, capsys):
    solution = write_solution(tree, "01_x.ipynb", ("code", "### BEGIN SOLUTION\nx = 1\n### END SOLUTION"))
    labs.build(tree)
    lab = tree / "labs" / "01_x.ipynb"
    before = lab.read_bytes()
    write_notebook(
        notebook(("md", "New intro"), ("code", "### BEGIN SOLUTION\nx = 1\n### END SOLUTION")), solution
    )
    assert labs.main(["build", "--check", "--root", str(tree)]) == 1
    err = capsys.readouterr().err
    assert "labs/01_x.ipynb is stale" in err and "make labs" in err
    assert lab.read_bytes() == before


def test_check_names_missing_and_orphan_labs(tree, capsys):
    write_solution(tree, "02_new.ipynb", ("code", "x = 1"))
    write_notebook(notebook(("code", "y = 2")), tree / "labs" / "03_gone.ipynb")
    report = labs.build(tree, check=True)
    assert report.missing == ["labs/02_new.ipynb"] and report.orphans == ["labs/03_gone.ipynb"]
    assert labs.main(["build", "--check", "--root", str(tree)]) == 1
    err = capsys.readouterr().err
    assert "labs/02_new.ipynb is missing" in err and "labs/03_gone.ipynb is an orphan" in err
    assert not (tree / "labs" / "02_new.ipynb").exists()


def test_the_template_solution_generates_the_template_lab(tree):
    (tree / "templates").mkdir()
    write_notebook(
        notebook(("code", "### BEGIN SOLUTION\nx = 1\n### END SOLUTION")),
        tree / "templates" / "solution.ipynb",
    )
    assert labs.build(tree).written == ["templates/lab.ipynb"]
    (tree / "templates" / "solution.ipynb").unlink()
    assert labs.build(tree, check=True).orphans == ["templates/lab.ipynb"]


def test_cell_ids_missing_from_the_solution_are_made_deterministic(tree):
    path = write_solution(tree, "01_x.ipynb", ("code", "x = 1"))
    text = path.read_text().replace('"id": "cell-0",', "")
    path.write_text(text)
    assert labs.lab_text(path) == labs.lab_text(path)


def test_the_repository_labs_are_up_to_date_with_their_solutions():
    report = labs.build(REPO, check=True)
    assert report.problems == [], "\n".join(report.problems) + "\nRun `make labs` and commit the result."


# --- devtools: the normalisation and execution that committed notebooks go through ---------------------------


def test_normalise_strips_widget_views_and_keeps_their_text_fallback():
    from evalbook.dev.notebooks import WIDGET_VIEW, normalise

    nb = notebook(("code", "slider"), ("code", ""))
    view = {"model_id": "0" * 32, "version_major": 2, "version_minor": 0}
    nb.cells[0].outputs = [
        new_output("display_data", data={"text/plain": "IntSlider(value=3)", WIDGET_VIEW: view}),
        new_output("display_data", data={WIDGET_VIEW: view}),
    ]
    nb.cells[1].outputs, nb.cells[1].execution_count = [new_output("stream", text="stale")], 4
    normalise(nb)
    assert [dict(out.data) for out in nb.cells[0].outputs] == [{"text/plain": "IntSlider(value=3)"}]
    assert nb.cells[1].outputs == [] and nb.cells[1].execution_count is None


def test_execute_runs_in_the_notebooks_folder_in_sim_mode_and_writes_a_normalised_notebook(tmp_path):
    from evalbook.dev.notebooks import execute_notebook

    path = tmp_path / "run.ipynb"
    code = "import os\nprint(os.path.basename(os.getcwd()), os.environ['EVALBOOK_MODE'], os.environ['EVALBOOK_PROGRESS'])"
    nb = notebook(("code", code), ("code", "6 * 7"))
    nb.metadata["widgets"] = {"state": {}}
    nbformat.write(nb, path)
    execute_notebook(path)
    done = nbformat.read(path, as_version=4)
    assert done.cells[0].outputs[0].text == f"{tmp_path.name} sim off\n"
    assert done.cells[1].outputs[0].data["text/plain"] == "42"
    assert [cell.execution_count for cell in done.cells] == [1, 2]
    assert set(done.metadata) == {"kernelspec", "language_info"} and "execution" not in done.cells[0].metadata


def test_execute_names_the_failing_cell_and_leaves_the_notebook_unchanged(tmp_path):
    from evalbook.dev.notebooks import NotebookRunError, execute_notebook

    path = tmp_path / "broken.ipynb"
    nbformat.write(notebook(("md", "# Title"), ("code", "x = 1"), ("code", "rate = 13 / 0")), path)
    before = path.read_bytes()
    with pytest.raises(NotebookRunError) as info:
        execute_notebook(path)
    assert "broken.ipynb: cell 3 ('rate = 13 / 0') raised ZeroDivisionError" in str(info.value)
    assert path.read_bytes() == before
