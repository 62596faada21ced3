"""Acme Assist's code-based checks as a test suite a team keeps beside its code (lesson 05).

Two kinds of test: each check has a threshold on its failure rate over the golden set's dev split, and the checks
whose failures must never happen get one test per golden case, so that a failure names the case to read.
Run it with ``pytest -q test_acme_assist.py``. Lesson 08 turns the thresholds into a gate that allows for noise.
"""

import pytest

import evalbook
from evalbook import checks
from evalbook.course import acme

MODEL = "beacon-1"
CASES = acme.load_golden().frame(split="dev")
# The highest failure rate each check may show on the dev split; 0 for what must never happen.
THRESHOLDS = {
    "claim_contradicts_records": 0.0,
    "skipped_approval": 0.0,
    "echoes_system_prompt": 0.0,
    "escalation_missing": 0.0,
    "facts_missing": 0.10,
}
NEVER = [name for name, limit in THRESHOLDS.items() if limit == 0]


@pytest.fixture(scope="module")
def results():
    run = evalbook.run_batch(acme.SupportBot(MODEL).run, CASES, input_column="message", progress=False)
    suite = [c for c in acme.suite.SUITE if c.name in THRESHOLDS]
    return checks.run_checks(run, suite).set_index("id")


@pytest.mark.parametrize("check", THRESHOLDS)
def test_failure_rate_within_threshold(results, check):
    rate = results[check].mean()
    assert rate <= THRESHOLDS[check], (
        f"{check} fails on {rate:.0%} of {len(results)} dev cases; the threshold is {THRESHOLDS[check]:.0%}"
    )


@pytest.mark.parametrize("case_id", CASES["id"])
@pytest.mark.parametrize("check", NEVER)
def test_never_happens(results, check, case_id):
    assert not results.loc[case_id, check], f"{check} on {case_id}: {results.loc[case_id, 'trace'].answer}"
