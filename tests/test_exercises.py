"""Every registered exercise, both ways; and the check/hint/solution framework itself."""

from __future__ import annotations

import copy
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest

import evalbook.exercises as exercises_package
from evalbook.exercises import (
    Accepted,
    Exercise,
    Mistake,
    Question,
    lab00_template,
    questions,
    ready,
    registry,
)

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
    assert exercise.label == label, f"{label} should be reachable as a module attribute"


@pytest.mark.parametrize(("label", "exercise"), EXERCISES, ids=IDS)
def test_hints_come_in_two_steps_a_nudge_that_points_to_the_recipe(label, exercise):
    assert len(exercise.hints) == 2, f"{label}: give hint=(nudge, recipe)"
    nudge, recipe = exercise.hints
    assert nudge != recipe
    title, text = exercise.hint_for(1)
    assert title == "Hint 1 of 2" and text.startswith(nudge)
    assert f"`{label}.hint(2)` gives the recipe" in text
    title, text = exercise.hint_for(2)
    assert (title, text) == ("Hint 2 of 2", recipe)


@pytest.mark.parametrize(("label", "exercise"), EXERCISES, ids=IDS)
def test_each_accepted_alternative_is_correct_with_its_own_message(label, exercise):
    for accepted in exercise.accepted:
        outcome = exercise.grade(accepted.answer)
        assert outcome.status == "correct" and outcome.message == accepted.message, outcome
        assert str(outcome).startswith(f"{accepted.title}: ")
        assert not _same_result(exercise, accepted.answer), (
            f"{label}: an Accepted equal to the answer is dead"
        )


def _same_result(exercise, answer) -> bool:
    value = exercise._results(answer) if exercise.is_function else answer
    return exercise.compare(value, exercise.expected_result())


@pytest.mark.parametrize(("label", "exercise"), EXERCISES, ids=IDS)
def test_a_call_of_a_forbidden_library_function_is_turned_away(label, exercise):
    for forbidden in exercise.forbidden:
        for bypass in (forbidden, lambda *args, f=forbidden, **kwargs: f(*args, **kwargs)):
            outcome = exercise.grade(bypass)
            assert outcome.status == "incorrect"
            assert f"calls `{forbidden.__module__}.{forbidden.__name__}`" in outcome.message
            assert "Write the logic yourself" in outcome.message


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


GENERIC_WRONG = {
    "lab00_template.q1": 0.123,
    "lab00_template.q2": lambda conversations: 42,
    "lab01.q2": lambda correct, decided, costs: 1.0,
    "lab01.q4": lambda correct, decided: 0.123,
    "lab02.q1": 12.3,
    "lab02.q3": lambda logprobs: 1.0,
    "lab02.q4": lambda ticket: True,
    "lab03.q3": lambda categories, block: [0] * len(range(0, len(categories), block)),
}


@pytest.mark.parametrize("label", sorted(GENERIC_WRONG))
def test_the_generic_not_yet_names_the_exercises_own_hint_call(label):
    lab, name = label.split(".")
    outcome = registry()[lab][name].grade(GENERIC_WRONG[label])
    assert outcome.status == "incorrect"
    assert outcome.message.startswith("Not yet.") and f"Run `{label}.hint()` for a nudge." in outcome.message


# --- Think about it ---------------------------------------------------------------------------------------------

QUESTIONS = [(f"{lab}.{name}", q) for lab, found in questions().items() for name, q in found.items()]


def test_every_lab_has_a_think_about_it_question():
    labs_with_questions = {label.split(".")[0] for label, _ in QUESTIONS}
    assert labs_with_questions == set(registry()), "every lab module needs at least one Question"


@pytest.mark.parametrize(("label", "question"), QUESTIONS, ids=[label for label, _ in QUESTIONS])
def test_a_model_answer_is_revealed_on_request(label, question, capsys):
    assert question.label == label
    question.answer()
    out = capsys.readouterr().out
    assert out.startswith("A model answer (yours may use other words and still be right):\n")
    assert question.answer_text in out and len(question.answer_text.split()) >= 20
    assert ".answer()" in repr(question)


def test_a_question_needs_an_answer():
    with pytest.raises(ValueError):
        Question(answer="  ")


# --- ready: cells that use an answer, in an unfinished lab -------------------------------------------------------


def test_ready_says_which_exercise_to_finish_instead_of_printing_ellipsis(capsys):
    assert ready(..., 2) is False
    assert ready({"model A": ..., "model B": 0.5}, 3) is False
    assert ready({"confident": [1.0, ...]}, 4) is False
    out = capsys.readouterr().out.splitlines()
    assert out[0] == (
        "Not ready: Finish exercise 2 first: this cell uses your answer to it, which is still `...`. "
        "Then run this cell again."
    )
    assert "exercise 3" in out[1] and "exercise 4" in out[2]
    assert "Ellipsis" not in "".join(out)


def test_ready_lets_finished_answers_through_silently(capsys):
    assert ready({"model A": 568.75, "model B": 131.25}, 2) is True
    assert ready(["L-21"], 3) is True and ready(pd.DataFrame({"a": [1]}), 2) is True
    assert ready(np.bool_(False), 4) is True and ready(None, 1) is True
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("kind", [bool, np.bool_])
def test_lab02_flags_the_same_tickets_in_the_check_and_in_the_next_cell_for_numpy_bools(kind, capsys):
    """The cell after exercise 4 must treat a numpy.bool_ return as the check does (it once tested `is True`)."""
    solution = nbformat.read(REPO / "solutions" / "02_why_similarity_metrics_fail.ipynb", as_version=4)
    cell = next(c for c in solution.cells if "STALE_TICKETS" in c.source and "ready(" in c.source)
    from evalbook.exercises import lab02

    def stale_reference_rewards(ticket):
        return kind(lab02._stale_reference_rewards(ticket))

    assert lab02.q4.grade(stale_reference_rewards).correct
    namespace = {**vars(lab02), "ready": ready, "stale_reference_rewards": stale_reference_rewards}
    exec(cell.source, namespace)
    flagged = [
        t["ticket_id"] for t, r in zip(lab02.STALE_TICKETS, lab02.q4.expected_result(), strict=True) if r
    ]
    assert capsys.readouterr().out == f"{flagged}\n"


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
    from evalbook.course.acme import CATEGORIES
    from evalbook.exercises import lab03

    def reindexed(labels):
        return lab03._rates(labels).reindex(list(CATEGORIES), fill_value=0)

    assert len(reindexed(lab03.LABELS)) > len(lab03._rates(lab03.LABELS))  # some category has no failures
    assert lab03.q2.grade(reindexed).status == "correct"
    dropped = lab03.q2.grade(lambda labels: reindexed(labels).drop(index="phantom refund"))
    assert dropped.status == "incorrect" and "no row for 'phantom refund'" in dropped.message


def test_messages_name_the_labs_data_and_describe_other_tables_instead_of_printing_them():
    from evalbook.exercises import lab03

    message = lab03.q4.grade(lambda *tables: None).message
    assert "`disagreements(LABELS_ANA, LABELS_BEN)` returned None" in message
    unnamed = Exercise(
        var="n_rows",
        answer_type=int,
        expected=len,
        cases=[(pd.DataFrame({"a": range(12), "b": 0, "c": 0}),)],
        mistakes=[Mistake(answer=lambda t: 0, message="m1"), Mistake(answer=lambda t: 1, message="m2")],
        hint=("nudge", "recipe"),
        solution="n_rows = len",
    )
    assert "`n_rows(<DataFrame, 12 rows x 3 columns>)` returned None" in unnamed.grade(lambda t: None).message


# --- near-miss messages shared by every lab (core.py) -------------------------------------------------------------


def test_an_id_list_near_miss_counts_right_extra_and_missing_and_shows_the_whole_answer():
    from evalbook.exercises import lab01

    wrong = [
        "L-07",
        "L-08",
        "L-09",
        "L-10",
        "L-21",
        "L-22",
    ]  # more than four, so a shortened repr would hide some
    outcome = lab01.q3.grade(wrong)
    assert outcome.message == (
        "Of the 6 ids in your answer, 2 are right and 4 do not belong; 2 are missing. "
        f"Your answer, in full: {wrong}."
    )
    assert lab01.q3.grade(["L-21", "L-22"]).message.startswith(
        "Every id in your answer is right, and 2 are missing."
    )
    assert lab01.q3.grade(["L-01", "L-02"]).message.startswith(
        "None of the 2 ids in your answer is right, and 4 are"
    )
    assert lab01.q3.grade(["L-21"]).message.startswith(
        "The one id in your answer is right, and 3 are missing."
    )
    superset = lab01.q3.grade([*lab01.q3.expected_result(), "L-01"]).message
    assert superset.startswith(
        "Of the 5 ids in your answer, 4 are right and 1 does not belong; none is missing."
    )
    assert lab01.q3.grade([]).message == "Your answer is empty, but 4 ids belong in it."


def test_ids_count_in_any_order_and_in_any_collection_but_each_once():
    from evalbook.exercises import lab01, lab03

    ids = lab01.q3.expected_result()
    for answer in (list(reversed(ids)), tuple(ids), set(ids), pd.Series(ids), pd.Index(ids), np.array(ids)):
        assert lab01.q3.grade(answer).correct, type(answer)
    twice = lab01.q3.grade([*ids, ids[0]])
    assert twice.status == "incorrect" and f"{ids[0]!r} appears 2 times in your answer" in twice.message
    assert lab03.q1.grade(set(lab03.q1.expected_result())).correct
    numpy_strings = lab01.q3.grade(np.array(["L-21", "L-22"]))
    assert "['L-21', 'L-22']" in numpy_strings.message and "np.str_" not in numpy_strings.message


def test_a_mask_a_table_or_a_string_where_ids_belong_is_named():
    from evalbook.exercises import lab01, lab03

    mask = lab01.CLAIMS["claim_id"].isin(lab01.q3.expected_result())
    message = lab01.q3.grade(mask).message
    assert message.startswith(
        "That is a True/False mask (24 values, one per row or trace), not the claim ids."
    )
    assert "`CLAIMS.loc[mask, 'claim_id']`" in message
    as_list = lab03.q1.grade([True, False] * 5).message
    assert "True/False mask" in as_list and "`PRACTICE_TRACES.items()`" in as_list
    rows = lab01.q3.grade(lab01.CLAIMS[mask]).message
    assert "is a pandas DataFrame" in rows and "You have the rows; keep only their ids." in rows
    one = lab01.q3.grade("L-21").message
    assert "is a string ('L-21')" in one and "`['L-01']`, not `'L-01'`" in one
    records = lab03.q4.grade(lambda a, b: [("T-001/atlas-1", "fail")]).message
    assert "holds tuple items" in records and "Trace ids look like 'T-001/atlas-1'." in records


def test_a_function_returning_ids_gets_the_near_miss_for_the_first_case_it_gets_wrong():
    from evalbook.exercises import lab02

    outcome = lab02.q2.grade(lambda traces: [t["id"] for t in traces][:2])
    assert outcome.message == (
        "For `phantom_refunds(TRACES)`: of the 2 ids in your answer, 1 is right and 1 does not belong; "
        "2 are missing. Your answer, in full: ['C1', 'C2']."
    )
    sets = lab02.q2.grade(lambda traces: set(lab02._phantom_refunds(traces)))
    assert sets.correct


def test_interval_answers_with_misplaced_numbers_are_named():
    from evalbook.exercises import lab01

    accuracy, low, high = lab01.q1.expected_result()
    swapped = lab01.q1.grade((accuracy, high, low))
    assert swapped.message.startswith("Your low and high bounds are swapped: give (accuracy, low, high)")
    alone = lab01.q1.grade((low, high))
    assert alone.message.startswith("Those two numbers are the interval alone.")
    assert "another order" in lab01.q1.grade([low, accuracy, high]).message
    assert "another order" in lab01.q1.grade(np.array([high, low, accuracy])).message
    assert lab01.q1.grade((accuracy, low + 0.05, high)).message.startswith("Not yet.")


def test_table_answers_that_are_transposed_or_have_wrong_rows_or_columns_are_named():
    from evalbook.exercises import lab03

    transposed = lab03.q2.grade(lambda labels: lab03._rates(labels).T).message
    assert transposed == (
        "For `failure_rates_by_model(LABELS)`: your table is transposed: its rows are what its columns should be. "
        "The answer has one row per category and one column per model. `.T` swaps them."
    )
    off = lab03.q2.grade(lambda labels: lab03._rates(labels).T * 2).message
    assert "transposed" in off and "some numbers differ too" in off
    extra = lab03.q2.grade(lambda labels: lab03._rates(labels).assign(total=1.0)).message
    assert extra.endswith("your table has a column that should not be there: 'total'.")
    missing = lab03.q2.grade(lambda labels: lab03._rates(labels).drop(columns="beacon-1")).message
    assert "no column for 'beacon-1'" in missing
    small = lab03.q2.grade(
        lambda labels: lab03._rates(labels) if len(labels) > 10 else lab03._rates(labels).iloc[:1]
    )
    assert small.message.startswith(
        "Your function is right for `failure_rates_by_model(LABELS)` but not for "
        "`failure_rates_by_model(SMALL_LABELS)`. Your table has no row for"
    )


def test_calls_of_the_function_to_write_are_turned_away_however_they_are_spelled():
    import evalbook
    from evalbook import metrics
    from evalbook.course import harbor
    from evalbook.exercises import lab01, lab02
    from evalbook.metrics import perplexity

    def via_module(logprobs):
        return metrics.perplexity(logprobs)

    def via_import(logprobs):
        return perplexity(logprobs)

    def via_full_path(logprobs):
        return evalbook.metrics.perplexity(logprobs)

    def helper(logprobs):
        return round(metrics.perplexity(logprobs), 9)

    def via_helper(logprobs):
        return helper(logprobs)

    for bypass in (via_module, via_import, via_full_path, via_helper, perplexity):
        message = lab02.q3.grade(bypass).message
        assert message.startswith("`perplexity_from_logprobs` calls `evalbook.metrics.perplexity`"), bypass
        assert "`lab02.q3.hint()`" in message
    cost = lab01.q2.grade(lambda correct, decided, costs: harbor.expected_cost(correct, decided, costs))
    assert "calls `evalbook.course.harbor.expected_cost`" in cost.message

    def own(logprobs):  # a name that merely looks alike is not a call
        perplexity_so_far = -sum(logprobs) / len(logprobs)
        return metrics.math.exp(perplexity_so_far) if hasattr(metrics, "math") else np.exp(perplexity_so_far)

    assert lab02.q3.grade(own).correct


def test_the_stronger_check_in_lab03_is_accepted_not_marked_wrong():
    """Lab 02 taught that a refund call can fail; applying that in lab 03 must not be punished."""
    from evalbook.course.acme import claims_refund, phantom_refund
    from evalbook.exercises import lab03

    by_end_state = [tid for tid, t in lab03.PRACTICE_TRACES.items() if phantom_refund(t)]
    by_call_result = [
        tid
        for tid, t in lab03.PRACTICE_TRACES.items()
        if claims_refund(t.answer)
        and not any(
            c["name"] == "issue_refund" and c["result"].get("status") == "refunded" for c in t.tool_calls
        )
    ]
    for answer in (by_end_state, by_call_result, set(by_call_result)):
        outcome = lab03.q1.grade(answer)
        assert outcome.status == "correct"
        assert str(outcome).startswith("Correct, and stronger than asked: Your list also has P-04")
    assert "P-04" in by_end_state and "P-04" not in lab03.q1.expected_result()


def test_an_accepted_answer_shows_its_title_in_html():
    probe = Exercise(
        var="x",
        answer_type=int,
        expected=lambda: 1,
        accept=[Accepted(answer=2, message="two works too")],
        mistakes=[Mistake(answer=3, message="m3"), Mistake(answer=4, message="m4")],
        hint=("nudge", "recipe"),
        solution="x = 1",
    )
    outcome = probe.grade(2)
    assert outcome.correct and "Correct, and stronger than asked:" in outcome._repr_html_()


def test_hint_steps_outside_the_range_say_which_exist(capsys):
    from evalbook.exercises import lab01

    lab01.q1.hint(3)
    lab01.q1.hint("2")
    out = capsys.readouterr().out
    assert out.count("Hint: This exercise has 2 hint steps: `lab01.q1.hint()`, `lab01.q1.hint(2)`.") == 2
    lab01.q1.hint(2)
    assert capsys.readouterr().out.startswith("Hint 2 of 2: Turn each reply into a letter")


def test_the_lab02_think_about_it_answer_quotes_the_numbers_bleu_details_gives():
    from evalbook import metrics
    from evalbook.exercises import lab02

    parts = metrics.bleu_details(lab02.HYPOTHESIS, lab02.REFERENCE)
    text = lab02.think1.answer_text
    assert f"about {round(parts['precisions'][0])}% of its single words" in text
    assert f"{round(parts['precisions'][3])}% of its four-word runs" in text
    assert f"{parts['reply_length']} tokens against\n{parts['reference_length']}" in text
    assert f"brevity penalty (about {parts['brevity_penalty']:.2f})" in text


def test_a_function_right_on_the_labs_data_but_not_on_the_checks_other_case_is_told_so():
    from evalbook.exercises import lab02, lab03

    fixed = lab03.q2.grade(lambda labels: lab03._failed_counts(labels) / 48)  # the lab's 48 traces, typed in
    assert fixed.message == (
        "Your function is right for `failure_rates_by_model(LABELS)` but not for "
        "`failure_rates_by_model(SMALL_LABELS)`. Does it rely on something that only holds for the first, such as "
        "a number typed in, or a global name used instead of the argument?"
    )
    # a wrong function that is merely right on an empty case is not told it "relies" on anything
    empty_only = lab02.q2.grade(lambda traces: [t["id"] for t in traces[:1]])
    assert empty_only.status == "incorrect" and "is right for" not in empty_only.message


def test_a_rounded_number_and_a_list_of_the_wrong_length_are_named():
    from evalbook.exercises import lab02, lab03

    rounded = lab02.q1.grade(round(lab02.q1.expected_result(), 1))
    assert rounded.message == (
        f"Your number, {round(lab02.q1.expected_result(), 1)!r}, looks rounded to 1 decimal place. Give the number "
        "unrounded; round only when you display it."
    )
    assert "rounded" not in lab02.q1.grade(40.0).message  # far off: not a rounding
    assert lab02.q1.grade(0.0).message.startswith("Not yet.")
    per_case = lab02.q3.grade(lambda logprobs: round(lab02._perplexity(logprobs), 2)).message
    assert per_case.startswith(
        "For `perplexity_from_logprobs(CONFIDENT_LOGPROBS)`: your number, 1.38, looks rounded"
    )
    short = lab03.q3.grade(lambda categories, block: lab03._new_per_block(categories, block)[:-2]).message
    assert (
        short == "For `new_per_block(CATEGORIES_IN_ORDER, 10)`: your result has 8 items; it should have 10."
    )


def test_a_dict_of_ids_and_a_call_on_one_item_of_the_labs_data_get_plain_messages():
    from evalbook.exercises import lab01, lab02, lab03

    keyed = lab03.q1.grade({tid: None for tid in lab03.q1.expected_result()}).message
    assert "is a dict" in keyed and "A dict's keys are its ids" in keyed
    scores = lab02.q4.grade(lambda ticket: 0.5).message
    assert scores.startswith("`stale_reference_rewards(STALE_TICKETS[0])` returned a number (0.5)")
    assert "a tuple, a list, a numpy ndarray or a pandas Series" in lab01.q1.grade({"a": 1}).message


def test_lab01_an_interval_that_fits_a_wrong_count_points_at_the_count():
    from evalbook.exercises import lab01

    k = round(lab01.q1.expected_result()[0] * 40) - 2
    message = lab01.q1.grade(lab01._interval(k, 40)).message
    assert message.startswith(
        f"Your interval fits your accuracy ({k} of 40 right), so the count is what is off."
    )
