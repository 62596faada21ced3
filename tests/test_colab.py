"""The Colab install block writer (evalbook.dev.colab): it replaces the whole block, so running it again, or after a
change of install source, never leaves old lines behind or duplicates them."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from evalbook.dev import colab

OLD = "evalbook==0.1.0"
NEW = "evalbook @ git+https://example.org/acme/evalbook"
REST = "import evalbook\nfrom evalbook.course import acme\n\nevalbook.setup()"


def first_cell(source: str) -> str:
    return "import sys\n\n" + colab.block(source) + REST


def test_the_block_is_replaced_whole_when_the_source_changes():
    new = colab.expected_first_cell(first_cell(OLD), NEW)
    assert new == first_cell(NEW)
    assert OLD not in new and new.count("%pip install") == 1 and new.count("import glob") == 1


def test_running_it_again_changes_nothing():
    once = colab.expected_first_cell(first_cell(OLD), NEW)
    assert colab.expected_first_cell(once, NEW) == once
    assert colab.expected_first_cell(first_cell(NEW), NEW) == first_cell(NEW)


def test_a_block_at_the_end_of_the_cell_is_replaced_whole():
    text = "import sys\n\n" + colab.block(OLD).rstrip("\n")
    new = colab.expected_first_cell(text, NEW)
    assert OLD not in new and new.count("%pip install") == 1
    assert colab.expected_first_cell(new, NEW) == new


def test_the_committed_notebooks_are_up_to_date():
    source = colab.install_source()
    for path in colab.notebooks():
        cell = colab.first_code_cell(colab.read_notebook(path)).source
        assert colab.expected_first_cell(cell, source) == cell, path


def test_the_command_twice_is_idempotent(tmp_path, capsys):
    (tmp_path / "notebooks").mkdir()
    nb = new_notebook(cells=[new_markdown_cell("# 01 · Title"), new_code_cell(first_cell(OLD))])
    nbformat.write(nb, tmp_path / "notebooks" / "01_x.ipynb")
    (tmp_path / "pyproject.toml").write_text(f'[tool.evalbook]\ncolab-install = "{NEW}"\n')

    assert colab.main(root=tmp_path) == 0
    assert "1 notebook(s) rewritten" in capsys.readouterr().out
    after_first = (tmp_path / "notebooks" / "01_x.ipynb").read_bytes()
    assert colab.main(root=tmp_path) == 0
    assert "0 notebook(s) rewritten" in capsys.readouterr().out
    assert (tmp_path / "notebooks" / "01_x.ipynb").read_bytes() == after_first
    cell = nbformat.read(tmp_path / "notebooks" / "01_x.ipynb", as_version=4).cells[1].source
    assert cell == first_cell(NEW)
