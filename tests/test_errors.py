"""Learner-facing errors: in IPython, evalbook's own errors show as one sentence, everything else as usual."""

from __future__ import annotations

import pytest
from IPython.core.interactiveshell import InteractiveShell

import evalbook
from evalbook.errors import install_notebook_handler


@pytest.fixture
def shell():
    shell = InteractiveShell.instance()
    yield shell
    shell.set_custom_exc((), None)
    InteractiveShell.clear_instance()


def test_evalbook_errors_show_as_a_sentence_without_traceback(shell, capsys):
    assert install_notebook_handler()
    shell.run_cell("from evalbook.course import acme\nacme.facts('v7')")
    err = capsys.readouterr()
    text = err.out + err.err
    assert "InputError: Unknown knowledge-base version 'v7'. Use one of v1, v2" in text
    assert "Traceback" not in text and "shop.py" not in text


def test_sdk_errors_from_the_simulator_show_the_sentence(shell, capsys):
    install_notebook_handler()
    shell.run_cell(
        "import evalbook\nevalbook.client().chat.completions.create(model='gpt-x', messages=[{'role': 'user', 'content': 'hi'}])"
    )
    text = "".join(capsys.readouterr())
    assert "NotFoundError: The model 'gpt-x' does not exist in the evalbook simulator" in text
    assert "Traceback" not in text


def test_other_errors_keep_their_traceback(shell, capsys):
    install_notebook_handler()
    shell.run_cell("1 / 0")
    assert "ZeroDivisionError" in "".join(capsys.readouterr())


def test_setup_prints_the_mode_once(capsys):
    assert evalbook.setup() is None  # nothing returned, so a notebook shows the line once
    line = capsys.readouterr().out
    assert (
        line.count("evalbook") == 1
        and line.startswith(f"evalbook {evalbook.__version__} · mode: sim")
        and "simulated" in line
    )
