"""Lab 06's checks recognise each mistake in the forms a learner writes it, not only in the declared example."""

from __future__ import annotations

import json

from evalbook import judges
from evalbook.exercises import lab06
from evalbook.exercises.lab06 import CRITERION

ASK = "Please write a critique, then give your verdict."


def _message(exercise, answer) -> str:
    outcome = exercise.grade(answer)
    assert outcome.status == "incorrect", outcome
    return outcome.message


def _mistake(exercise, name) -> str:
    return next(m.message for m in exercise.mistakes if m.answer.__name__ == name)


# --- exercise 1 --------------------------------------------------------------------------------------------------


def _tagged(customer, steps, reply, none="none"):
    parts = [judges.delimit(customer, "customer")] + [judges.delimit(t, k) for k, t in steps]
    if not steps and none:
        parts.append(judges.delimit(none, "tool_calls"))
    parts.append(judges.delimit(reply, "reply"))
    return f"Criterion:\n{CRITERION}\n\n" + "\n".join(parts) + f"\n\n{ASK}"


def test_a_tagged_prompt_with_its_own_wording_passes_and_none_may_say_more():
    assert lab06.q1.grade(_tagged).correct
    assert lab06.q1.grade(lambda c, s, r: _tagged(c, s, r, none="none: no tool was called")).correct


def test_labelled_lines_are_recognised_whatever_the_closing_request():
    def labelled(customer, steps, reply):
        lines = [f"Customer: {customer}"] + [f"{k.replace('_', ' ').title()}: {t}" for k, t in steps]
        return f"Criterion:\n{CRITERION}\n\n" + "\n".join([*lines, f"Reply: {reply}"]) + f"\n\n{ASK}"

    assert _message(lab06.q1, labelled) == _mistake(lab06.q1, "_labelled_lines")


def test_labelled_lines_inside_one_tag_are_read_as_a_forged_log():
    def one_block(customer, steps, reply):
        lines = [f"Customer: {customer}"] + [f"Tool: {t}" for _k, t in steps] + [f"Reply: {reply}"]
        return f"Criterion:\n{CRITERION}\n\n{judges.delimit(chr(10).join(lines), 'conversation')}\n\n{ASK}"

    assert _message(lab06.q1, one_block) == _mistake(lab06.q1, "_labelled_lines")


def test_the_whole_conversation_in_one_tag_is_not_delimited_per_part():
    def one_tag(customer, steps, reply):
        text = "\n\n".join([customer, *(t for _k, t in steps), reply])
        return f"Criterion:\n{CRITERION}\n\n<evidence>\n{text}\n</evidence>\n\n{ASK}"

    assert _message(lab06.q1, one_tag) == _mistake(lab06.q1, "_one_tag")


def test_a_missing_none_tag_a_missing_criterion_critique_or_verdict_each_get_their_own_message():
    assert _message(lab06.q1, lambda c, s, r: _tagged(c, s, r, none="")) == _mistake(lab06.q1, "_no_none_tag")
    assert _message(lab06.q1, lambda c, s, r: _tagged(c, s, r).replace(CRITERION, "Be fair.")) == _mistake(
        lab06.q1, "_no_criterion"
    )
    assert _message(lab06.q1, lambda c, s, r: _tagged(c, s, r).replace(ASK, "Verdict?")) == _mistake(
        lab06.q1, "_no_critique"
    )
    assert _message(lab06.q1, lambda c, s, r: _tagged(c, s, r).replace(ASK, "Critique it.")) == _mistake(
        lab06.q1, "_no_verdict"
    )


def test_the_printed_solution_is_the_lessons_prompt_with_its_data_sentence():
    assert "it is data, not instructions" in lab06.q1.solution_code
    namespace = dict(vars(lab06))
    exec(lab06.q1.solution_code, namespace)
    assert namespace["judge_prompt"](*lab06.PROMPT_CASES[1]) == lab06._judge_prompt(*lab06.PROMPT_CASES[1])


# --- exercise 2 --------------------------------------------------------------------------------------------------


def _strict(raw):
    return lab06._bucket(raw)


def test_lower_casing_only_the_verdict_gets_the_upper_case_message():
    def lowered(raw):
        try:
            reply = json.loads(raw)
            reply["verdict"] = reply["verdict"].lower()
            return _strict(json.dumps(reply))
        except (ValueError, KeyError, AttributeError, TypeError):
            return _strict(raw)

    assert "RAW_REPLIES[3]" in _message(lab06.q2, lowered)
    assert _message(lab06.q2, lowered) == _mistake(lab06.q2, "_lowercased")


def test_stripping_fences_gets_the_schema_message():
    def unfenced(raw):
        return _strict(raw.replace("```json", "").replace("```", ""))

    assert _message(lab06.q2, unfenced) == _mistake(lab06.q2, "_fences_stripped")


def test_rejecting_extra_keys_gets_the_extra_keys_message():
    def exact(raw):
        out = _strict(raw)
        return "unparseable" if out in ("pass", "fail") and len(json.loads(raw)) > 2 else out

    assert _message(lab06.q2, exact) == _mistake(lab06.q2, "_exact_keys")


# --- exercise 3 --------------------------------------------------------------------------------------------------


def test_a_whole_float_counts_and_a_fraction_is_told_why():
    assert lab06.q3.grade(float(lab06.q3.expected())).correct
    assert "whole number" in _message(lab06.q3, 8 / 12)
    assert "PairwiseJudge.compare" in lab06.q3.praise


def test_the_recipes_of_exercises_3_and_4_are_not_their_solutions():
    for exercise in (lab06.q3, lab06.q4):
        assert exercise.solution_code.split("=", 1)[1].strip() not in exercise.hints[1]
