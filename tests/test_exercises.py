"""Every registered exercise, both ways; and the check/hint/solution framework itself."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest

import evalbook.exercises as exercises_package
from evalbook.exercises import Exercise, Mistake, lab00_template, registry

REPO = Path(__file__).resolve().parents[1]
EXERCISES = [
    (f"{lab}.{name}", exercise) for lab, found in registry().items() for name, exercise in found.items()
]
IDS = [label for label, _ in EXERCISES]


def module_of(label: str):
    return sys.modules[f"evalbook.exercises.{label.split('.')[0]}"]


# --- the generic test: every exercise of every lab, both ways ------------------------------------------------


def test_registration_finds_the_template_exercises():
    assert {"lab00_template.q1", "lab00_template.q2"} <= set(IDS)


@pytest.mark.parametrize(("label", "exercise"), EXERCISES, ids=IDS)
def test_exercise_is_fully_declared(label, exercise):
    assert len(exercise.mistakes) >= 2, f"{label} needs at least two realistic mistakes"
    assert exercise.hint_text and exercise.solution_code
    assert len({mistake.message for mistake in exercise.mistakes}) == len(exercise.mistakes)


@pytest.mark.parametrize(("label", "exercise"), EXERCISES, ids=IDS)
def test_the_declared_answer_passes(label, exercise):
    answer = exercise.expected if exercise.is_function else exercise.expected()
    outcome = exercise.grade(answer)
    assert outcome.status == "correct", outcome.message


@pytest.mark.parametrize(("label", "exercise"), EXERCISES, ids=IDS)
def test_the_printed_solution_code_runs_and_passes(label, exercise):
    namespace = dict(vars(module_of(label)))
    exec(exercise.solution_code, namespace)
    outcome = exercise.grade(namespace[exercise.var])
    assert outcome.status == "correct", (
        f"{label}.solution() prints code that does not pass: {outcome.message}"
    )


@pytest.mark.parametrize(("label", "exercise"), EXERCISES, ids=IDS)
def test_each_declared_mistake_fails_with_its_own_message(label, exercise):
    for mistake in exercise.mistakes:
        outcome = exercise.grade(mistake.answer)
        assert outcome.status == "incorrect", f"{label}: {mistake.answer!r} was graded {outcome.status}"
        assert mistake.message in outcome.message, f"{label}: {mistake.answer!r} got {outcome.message!r}"


@pytest.mark.parametrize(("label", "exercise"), EXERCISES, ids=IDS)
def test_the_lab_placeholder_is_not_attempted(label, exercise):
    assert exercise.grade(...).status == "not attempted"
    if exercise.is_function:

        def stub(*args, **kwargs):
            return ...

        assert exercise.grade(stub).status == "not attempted"


@pytest.mark.parametrize(("label", "exercise"), EXERCISES, ids=IDS)
def test_a_wrong_type_gets_a_type_message(label, exercise):
    wrong = 3 if exercise.is_function else object()
    outcome = exercise.grade(wrong)
    assert outcome.status == "incorrect"
    assert "should be" in outcome.message


# --- the framework -------------------------------------------------------------------------------------------

LABELS = ["pass", "fail", "pass", "pass"]

rate = Exercise(
    var="rate",
    answer_type=float,
    expected=lambda: 0.75,
    mistakes=[
        Mistake(answer=3, message="you counted the passes"),
        Mistake(answer=75.0, matches=lambda value: value > 1, message="a rate is between 0 and 1"),
    ],
    hint="Divide.",
    solution="rate = LABELS.count('pass') / len(LABELS)",
)

counter = Exercise(
    var="count_passes",
    answer_type=int,
    expected=lambda labels: labels.count("pass"),
    cases=[(LABELS,), ([],)],
    mistakes=[
        Mistake(answer=lambda labels: labels.count("fail"), message="you counted failures"),
        Mistake(answer=lambda labels: len(labels), message="you counted every label"),
    ],
    hint="Use .count.",
    solution="def count_passes(labels):\n    return labels.count('pass')",
)

table = Exercise(
    var="summary",
    answer_type=pd.DataFrame,
    expected=lambda: pd.DataFrame({"model": ["atlas-1", "beacon-1"], "passed": [3, 4]}),
    mistakes=[
        Mistake(
            answer=pd.DataFrame({"model": ["atlas-1", "beacon-1"], "passed": [1, 0]}),
            message="those are the failures",
        ),
        Mistake(answer=pd.DataFrame({"model": ["atlas-1"], "passed": [3]}), message="one model is missing"),
    ],
    hint="Group by model.",
    solution="summary = ...",
)


def broken_rate(labels):
    passed = labels.count("pass")
    return passed // (len(labels) - len(labels))  # the learner's bug: divides by zero


def broken_in_pandas(labels):
    numbers = pd.Series(labels).astype(float)  # the learner's bug: "pass" is not a number
    return int(numbers.sum())


def test_three_states_for_a_value():
    assert rate.grade(...).status == "not attempted"
    assert rate.grade(0.75).status == "correct"
    assert rate.grade(3 / 4 + 1e-12).status == "correct"
    wrong = rate.grade(0.5)
    assert wrong.status == "incorrect" and "0.5" in wrong.message


def test_three_states_for_a_function():
    assert counter.grade(lambda labels: ...).status == "not attempted"
    assert counter.grade(lambda labels: sum(label == "pass" for label in labels)).status == "correct"
    assert counter.grade(lambda labels: 1).status == "incorrect"


def test_a_declared_mistake_gets_the_authors_message():
    assert rate.grade(3).message == "you counted the passes"
    assert rate.grade(80).message == "a rate is between 0 and 1"  # a family, recognised by `matches`
    assert counter.grade(lambda labels: labels.count("fail")).message == "you counted failures"


def test_a_learner_exception_is_reported_with_the_learners_own_line():
    outcome = counter.grade(broken_rate)
    assert outcome.status == "incorrect"
    assert "ZeroDivisionError: integer division or modulo by zero" in outcome.message
    assert "return passed // (len(labels) - len(labels))" in outcome.message
    assert "broken_rate" in outcome.message
    assert "function(*case)" not in outcome.message  # evalbook's own frame is not shown


def test_an_exception_raised_inside_a_library_points_at_the_learners_line_not_the_library():
    outcome = counter.grade(broken_in_pandas)
    assert outcome.status == "incorrect" and "ValueError" in outcome.message
    assert "numbers = pd.Series(labels).astype(float)" in outcome.message


def test_wrong_types_get_a_clear_message():
    text = rate.grade("0.75")
    assert (
        text.status == "incorrect"
        and "is a string ('0.75')" in text.message
        and "should be a number" in text.message
    )
    assert "should be a number" in rate.grade(True).message
    listed = table.grade([["atlas-1", 3], ["beacon-1", 4]])
    assert (
        listed.status == "incorrect"
        and "is a list" in listed.message
        and "a pandas DataFrame" in listed.message
    )
    forgot = counter.grade(lambda labels: None)
    assert "returned None" in forgot.message and "forget a `return`" in forgot.message
    assert "should be a function" in counter.grade(2).message


def test_tables_are_compared_by_content():
    assert table.grade(pd.DataFrame({"model": ["atlas-1", "beacon-1"], "passed": [3.0, 4.0]})).correct
    assert table.grade(pd.DataFrame({"model": ["atlas-1"], "passed": [3]})).message == "one model is missing"


def test_a_learner_function_cannot_change_the_fixed_data():
    before = copy.deepcopy(lab00_template.CONVERSATIONS)

    def vandal(conversations):
        conversations.clear()
        return 0

    lab00_template.q2.grade(vandal)
    assert lab00_template.CONVERSATIONS == before
    assert lab00_template.q2.grade(lab00_template.q2.expected).correct


def test_an_answer_that_cannot_be_compared_or_printed_does_not_raise():
    class Hostile(float):
        def __eq__(self, other):
            raise RuntimeError("no")

        __hash__ = float.__hash__

        def __repr__(self):
            raise RuntimeError("no")

    assert rate.grade(Hostile(0.1)).status == "incorrect"


def test_check_hint_and_solution_print_plain_text_outside_jupyter(capsys):
    rate.check(3)
    rate.check()
    rate.hint()
    rate.solution()
    out = capsys.readouterr().out
    assert "Incorrect: you counted the passes" in out
    assert "Not attempted: Pass your answer" in out
    assert "Hint: Divide." in out
    assert "rate = LABELS.count('pass') / len(LABELS)" in out


def test_check_shows_html_with_a_text_fallback_in_jupyter(monkeypatch):
    import IPython
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython, "get_ipython", lambda: object())
    monkeypatch.setattr(IPython.display, "display", lambda bundle, raw: shown.append(bundle))
    rate.check(3)
    assert shown[0]["text/plain"] == "Incorrect: you counted the passes"
    assert "you counted the passes" in shown[0]["text/html"] and "<div" in shown[0]["text/html"]


def test_html_escapes_learner_values():
    html = rate.grade("<b>0.75</b>")._repr_html_()
    assert "<b>0.75</b>" not in html and "&lt;b&gt;" in html


def test_new_lab_modules_are_registered_without_being_listed(tmp_path, monkeypatch):
    (tmp_path / "lab99_probe.py").write_text(
        "from evalbook.exercises import Exercise\n"
        "q1 = Exercise(var='x', answer_type=int, expected=lambda: 1, hint='h', solution='x = 1')\n"
    )
    monkeypatch.setattr(exercises_package, "__path__", [*exercises_package.__path__, str(tmp_path)])
    try:
        found = registry()
    finally:
        sys.modules.pop("evalbook.exercises.lab99_probe", None)
    assert list(found["lab99_probe"]) == ["q1"]


def test_a_wrong_answer_in_the_template_lab_shows_the_intended_message(tmp_path):
    """End to end: build the template lab, give a realistic wrong answer, run it in a kernel, read the output."""
    from nbclient import NotebookClient

    from evalbook.dev.labs import lab_text

    lab = nbformat.reads(lab_text(REPO / "templates" / "solution.ipynb"), as_version=4)
    stub = next(cell for cell in lab.cells if "pass_rate = ..." in cell.source)
    stub.source = stub.source.replace("pass_rate = ...", 'pass_rate = LABELS.count("fail") / len(LABELS)')
    NotebookClient(
        lab, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    ).execute()
    check = next(cell for cell in lab.cells if cell.source == "lab00_template.q1.check(pass_rate)")
    text = "".join(out.get("data", {}).get("text/plain", "") for out in check.outputs)
    assert text.startswith("Incorrect: That is the fail rate")
    assert "text/html" in check.outputs[0]["data"]
    not_done = next(
        cell for cell in lab.cells if cell.source == "lab00_template.q2.check(count_missed_escalations)"
    )
    assert not_done.outputs[0]["data"]["text/plain"].startswith("Not attempted:")


def test_lab03_rates_reindexed_by_the_whole_taxonomy_are_still_correct():
    from evalbook.analysis import failure_rates
    from evalbook.course.acme import CATEGORIES
    from evalbook.exercises import lab03

    rates = failure_rates(lab03.LABELS, by="model")
    full = rates.reindex(list(CATEGORIES), fill_value=0)
    assert len(full) > len(rates)  # some category has no failures in these labels
    assert lab03.q2.grade(full).status == "correct"
    assert lab03.q2.grade(full.drop(index="phantom refund")).status == "incorrect"


def test_messages_describe_tables_instead_of_printing_them():
    from evalbook.exercises import lab03

    message = lab03.q4.grade(lambda *tables: None).message
    assert "<DataFrame, 12 rows x 3 columns>" in message and "returned None" in message
