"""The lab generator: stub rules, markdown regions, byte-identical rebuilds, --check, and the real tree."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from evalbook.dev import labs
from evalbook.dev.notebooks import LANGUAGE_INFO, REFERENCE_PYTHON, write_notebook

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
    # the language_info JupyterLab writes on the reference Python, so that opening the lab does not dirty it
    assert lab.metadata.kernelspec.name == "python3" and lab.metadata.language_info == LANGUAGE_INFO
    assert lab.metadata.language_info.version == REFERENCE_PYTHON
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
    assert done.metadata.language_info == LANGUAGE_INFO  # the reference Python's, not the executing machine's


def test_normalise_rewrites_metadata_and_keeps_outputs(tmp_path):
    from evalbook.dev.notebooks import main

    nb = notebook(("code", "6 * 7"), ("md", "text"))
    nb.cells[0].execution_count = 1
    nb.cells[0].outputs = [new_output("execute_result", data={"text/plain": "42"}, execution_count=1)]
    nb.metadata = {"kernelspec": {"name": "python3"}, "language_info": {"name": "python"}, "widgets": {}}
    path = tmp_path / "n.ipynb"
    nbformat.write(nb, path)
    assert main(["normalise", str(tmp_path)]) == 0
    done = nbformat.read(path, as_version=4)
    assert (
        set(done.metadata) == {"kernelspec", "language_info"} and done.metadata.language_info == LANGUAGE_INFO
    )
    assert done.cells[0].outputs[0].data == {"text/plain": "42"} and done.cells[0].execution_count == 1
    text = path.read_text()
    assert main(["normalise", str(path)]) == 0 and path.read_text() == text  # a second run changes nothing


def test_execute_names_the_failing_cell_and_leaves_the_notebook_unchanged(tmp_path):
    from evalbook.dev.notebooks import NotebookRunError, execute_notebook

    path = tmp_path / "broken.ipynb"
    nbformat.write(notebook(("md", "# Title"), ("code", "x = 1"), ("code", "rate = 13 / 0")), path)
    before = path.read_bytes()
    with pytest.raises(NotebookRunError) as info:
        execute_notebook(path)
    assert "broken.ipynb: cell 3 ('rate = 13 / 0') raised ZeroDivisionError" in str(info.value)
    assert path.read_bytes() == before


# --- the title, the introduction and commented-out cells ------------------------------------------------------


def test_the_solution_title_becomes_the_lab_title_in_the_first_cell_only():
    sources = lab_sources(
        ("md", "# Solution 07 · Judges\n\nText."),
        ("md", "# Solution 07 · not the title"),
    )
    assert sources == ["# Lab 07 · Judges\n\nText.", "# Solution 07 · not the title"]
    assert lab_sources(("md", "# Solutions to try\n\nText."))[0] == "# Solutions to try\n\nText."


def test_the_solution_intro_is_replaced_by_the_learner_intro():
    intro = (
        "# Solution 07 · Judges\n\nShared words.\n\n<!-- BEGIN INTRO -->\n**This is the completed lab.** Try "
        "[labs/07_x.ipynb](../labs/07_x.ipynb) first.\n<!-- END INTRO -->\n\nAfter."
    )
    [lab] = [c.source for c in labs.strip_solutions(notebook(("md", intro)), "solutions/07_x.ipynb").cells]
    assert lab.startswith(
        "# Lab 07 · Judges\n\nShared words.\n\nWrite your code where it says `# YOUR CODE HERE`"
    )
    assert lab == (
        "# Lab 07 · Judges\n\nShared words.\n\n" + labs.learner_intro("solutions/07_x.ipynb") + "\n\nAfter."
    )
    assert "completed lab." not in lab and "../labs/" not in lab and "INTRO" not in lab
    assert "[notebooks/07_x.ipynb](../notebooks/07_x.ipynb)" in lab
    assert "[solutions/07_x.ipynb](../solutions/07_x.ipynb)" in lab
    assert "`hint()` gives a nudge, `hint(2)` the recipe" in lab and "`answer()` line" in lab


def test_the_template_lab_intro_links_to_the_template_notebooks_beside_it():
    text = labs.learner_intro("templates/solution.ipynb")
    assert "[lesson.ipynb](lesson.ipynb)" in text and "[solution.ipynb](solution.ipynb)" in text
    assert all(len(line) <= 115 for line in text.splitlines())


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("<!-- BEGIN INTRO -->\nno end", "has no partner"),
        ("no begin\n<!-- END INTRO -->", "has no partner"),
        ("<!-- BEGIN INTRODUCTION -->x<!-- END INTRO -->", "looks like an intro marker"),
        (
            "<!-- BEGIN INTRO -->a<!-- END INTRO -->\n<!-- BEGIN INTRO -->b<!-- END INTRO -->",
            "one introduction",
        ),
    ],
)
def test_malformed_intro_markers_stop_the_build(text, fragment):
    with pytest.raises(labs.SolutionMarkerError) as info:
        labs.strip_solutions(notebook(("md", text)), "solutions/07_bad.ipynb")
    assert fragment in str(info.value) and str(info.value).startswith("solutions/07_bad.ipynb, cell 1")


def test_a_cell_tagged_lab_comment_out_runs_in_the_solution_and_is_commented_out_in_the_lab():
    nb = notebook(("code", "# reveal after writing yours\nlab07.think1.answer()\n\nif x:\n    show(x)"))
    nb.cells[0].metadata["tags"] = ["lab-comment-out", "keep-me"]
    [cell] = labs.strip_solutions(nb, "solutions/07_x.ipynb").cells
    assert cell.source == "# reveal after writing yours\n# lab07.think1.answer()\n\n# if x:\n#     show(x)"
    assert cell.metadata["tags"] == ["keep-me"]
    nb.cells[0].metadata["tags"] = ["lab-comment-out"]
    [cell] = labs.strip_solutions(nb, "solutions/07_x.ipynb").cells
    assert "tags" not in cell.metadata


# --- the repository's solutions and labs ------------------------------------------------------------------------

PAIRS = labs.pairs(REPO)


@pytest.mark.parametrize(("solution_path", "lab_path"), PAIRS, ids=[p.name for _, p in PAIRS])
def test_solutions_and_labs_have_titles_and_introductions_of_their_own(solution_path, lab_path):
    solution = nbformat.read(solution_path, as_version=4)
    lab = nbformat.read(lab_path, as_version=4)
    number = "00" if solution_path.parent.name == "templates" else solution_path.name[:2]
    first = solution.cells[0].source
    assert first.startswith(f"# Solution {number} · "), first.splitlines()[0]
    assert lab.cells[0].source.startswith(f"# Lab {number} · ")
    assert lab.cells[0].source.splitlines()[0][len("# Lab ") :] == first.splitlines()[0][len("# Solution ") :]
    intro = labs.INTRO.search(first)
    assert intro, f"{solution_path.name}: the first cell needs a <!-- BEGIN INTRO --> block"
    lab_link = "lab.ipynb" if number == "00" else f"../labs/{solution_path.name}"
    assert "**This is the completed lab**" in intro.group(1) and f"]({lab_link})" in intro.group(1)
    assert "YOUR CODE HERE" not in first, "the learner's instructions belong in the generated lab only"
    lab_text = lab.cells[0].source
    assert labs.learner_intro(str(solution_path.relative_to(REPO))) in lab_text
    assert "completed lab**" not in lab_text and lab_link not in lab_text


LAB_MODULES = {
    "01_model_vs_product_evals.ipynb": "lab01",
    "02_why_similarity_metrics_fail.ipynb": "lab02",
    "03_traces_and_error_analysis.ipynb": "lab03",
    "04_golden_sets.ipynb": "lab04",
    "05_code_based_checks.ipynb": "lab05",
    "06_llm_judges.ipynb": "lab06",
    "solution.ipynb": "lab00_template",
}


@pytest.mark.parametrize(("solution_path", "lab_path"), PAIRS, ids=[p.name for _, p in PAIRS])
def test_every_exercise_has_its_hint_steps_and_every_question_its_reveal_in_the_lab(solution_path, lab_path):
    from evalbook.exercises import questions, registry

    module = LAB_MODULES[solution_path.name]
    solution = nbformat.read(solution_path, as_version=4)
    lab = nbformat.read(lab_path, as_version=4)
    lab_lines = {line.strip() for cell in lab.cells for line in cell.source.splitlines()}
    for name in registry()[module]:
        for line in (
            f"# {module}.{name}.hint()",
            f"# {module}.{name}.hint(2)",
            f"# {module}.{name}.solution()",
        ):
            assert line in lab_lines, f"{lab_path.name}: missing {line!r}"
    found = questions()[module]
    assert found, f"{module} has no Think about it question"
    for name in found:
        call = f"{module}.{name}.answer()"
        revealing = [c for c in solution.cells if call in c.source.splitlines()]
        assert len(revealing) == 1 and "lab-comment-out" in revealing[0].metadata.get("tags", [])
        assert revealing[0].outputs, f"{solution_path.name}: the reveal of {name} has not been run"
        assert f"# {call}" in lab_lines and call not in lab_lines


@pytest.mark.parametrize(("solution_path", "lab_path"), PAIRS[:3], ids=[p.name for _, p in PAIRS[:3]])
def test_an_unfinished_lab_says_finish_exercise_n_first_instead_of_printing_ellipsis(solution_path, lab_path):
    """Run the generated lab as a learner who has done nothing yet: no cell may show `Ellipsis`."""
    import os

    from nbclient import NotebookClient

    nb = nbformat.read(lab_path, as_version=4)
    env = {"EVALBOOK_MODE": "sim", "EVALBOOK_PROGRESS": "off"}
    old = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        NotebookClient(
            nb, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(lab_path.parent)}}
        ).execute()
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            texts.append(out.get("text", "") + out.get("data", {}).get("text/plain", ""))
    shown = "\n".join(texts)
    assert "Ellipsis" not in shown
    users = [c for c in nb.cells if c.cell_type == "code" and "ready(" in c.source]
    assert users, f"{lab_path.name} has no cell that uses an answer"
    for cell in users:
        text = "".join(out.get("data", {}).get("text/plain", "") for out in cell.outputs)
        assert text.startswith("Not ready: Finish exercise "), (cell.source, text)
