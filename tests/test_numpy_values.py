"""Values read from a DataFrame are numpy scalars (numpy.bool_, numpy.int64); they are accepted wherever a Python
bool or int is, because learners pass them on directly (``row["should_escalate"]``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from evalbook.analysis import saturation_curve
from evalbook.course.acme import acme_trace, checks
from evalbook.exercises import lab02
from evalbook.labels import normalise_verdict
from evalbook.trace import Trace
from evalbook.widgets import TraceViewer


def trace(escalated: bool) -> Trace:
    return acme_trace(
        answer="ok",
        model="beacon-1",
        kb_version="v2",
        end_state={"escalations": [{"reason": "x"}]} if escalated else {},
    )


def test_checks_take_a_label_read_from_a_dataframe():
    tickets = pd.DataFrame({"should_escalate": [True, False]})
    needed = tickets.iloc[0]["should_escalate"]
    assert isinstance(needed, np.bool_)
    assert checks.missed_escalation(trace(False), needed) is True
    assert checks.missed_escalation(trace(True), needed) is False
    assert checks.missed_escalation(trace(False), tickets.iloc[1]["should_escalate"]) is False


def test_verdicts_blocks_and_positions_take_numpy_scalars():
    assert normalise_verdict(np.bool_(False)) == "fail"
    curve = saturation_curve(["a", "", "b", "a"], block=np.int64(2))
    assert curve.equals(saturation_curve(["a", "", "b", "a"], block=2))
    viewer = TraceViewer([trace(False), trace(True), trace(False)])
    assert viewer.jump(np.int64(2)).position == 1


def test_an_exercise_answer_of_numpy_bool_is_graded_like_a_bool():
    def stale_reference_rewards(ticket):
        old = ticket["reference_v1"]
        stale = np.float64(lab02.metrics.rouge_l(ticket["stale_answer"], old))
        return stale > lab02.metrics.rouge_l(ticket["current_answer"], old)  # numpy.bool_

    assert lab02.q4.grade(stale_reference_rewards).status == "correct"
    assert lab02.q4.grade(lambda ticket: np.bool_(False)).status == "incorrect"
