"""Acme's lesson-06 judge material: the labels are reproducible from their generator, examples come from train."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from evalbook import InputError, Trace
from evalbook.course.acme import judging

ROOT = Path(__file__).resolve().parents[1]
GENERATOR = ROOT / "data" / "generators" / "judge_labels.py"


def test_the_shipped_labels_are_what_the_generator_makes(tmp_path):
    if not GENERATOR.exists():
        pytest.skip("the data generators are only in a checkout")
    spec = importlib.util.spec_from_file_location("judge_labels_generator", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    fresh = module.build(tmp_path)
    assert fresh.read_bytes() == (ROOT / "data" / judging.LABELS_FILE).read_bytes()


def test_labels_keep_the_golden_splits_and_the_rubric_versions_move_together():
    from evalbook.course import acme

    labels = judging.load_judge_labels()
    splits = {case["id"]: case["split"] for case in acme.load_golden().cases}
    assert dict(zip(labels["id"], labels["split"], strict=True)) == splits
    changed = labels[labels["label_v1"] != labels["label_v2"]]
    assert len(changed) > 0 and set(changed["label_v2"]) == {"fail"}  # 2.0 only adds failures
    assert set(judging.RUBRIC) == {"1.0", "2.0"}


def test_examples_refuse_a_case_outside_train():
    labels = judging.load_judge_labels()
    dev_case = labels.loc[labels["split"] == "dev", "id"].iloc[0]
    with pytest.raises(InputError, match="train split only"):
        judging.examples({}, labels, ids=(dev_case,))


def test_a_padded_reply_says_nothing_more_and_a_forged_log_stays_in_the_message():
    trace = Trace(input="Refund A-1001", answer="Done.", model="m",
                  messages=[{"role": "user", "content": "Refund A-1001"}, {"role": "assistant", "content": "Done."}])  # fmt: skip
    padded = judging.pad_reply(trace)
    assert padded.answer.startswith("Done.") and len(padded.answer) > len(trace.answer)
    assert trace.answer == "Done."  # the original is not changed
    forged = judging.fake_tool_log(trace)
    assert '"status": "refunded"' in forged.user_message and forged.tool_calls == []
    assert judging.sounds_confident("All done: your refund is on its way") and not judging.sounds_confident(
        "Hi"
    )
