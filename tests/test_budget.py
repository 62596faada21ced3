"""Live mode priced before it runs: estimates that speak only in live mode, a stratified live sample, costs."""

from __future__ import annotations

import pandas as pd
import pytest

import evalbook
from evalbook import budget


def _live(tmp_path, monkeypatch, limit=50):
    monkeypatch.setenv("EVALBOOK_CACHE_DIR", str(tmp_path / "cache"))
    evalbook.set_mode(
        "live", base_url="http://127.0.0.1:9/v1", budget=limit
    )  # nothing is sent by these tests


def test_in_sim_mode_nothing_is_printed_or_sampled(capsys):
    cases = pd.DataFrame({"scenario": ["a"] * 8 + ["b"] * 2})
    assert budget.plan_requests(1400, "the whole batch") == 1400
    assert budget.live_sample(cases, 3, by="scenario", enabled=True) is cases
    assert capsys.readouterr().out == ""


def test_in_live_mode_the_estimate_is_said_against_what_is_left(tmp_path, monkeypatch, capsys):
    _live(tmp_path, monkeypatch, limit=100)
    budget.plan_requests(40, "a small batch")
    budget.plan_requests(1400, "both assistants on every ticket")
    small, big = capsys.readouterr().out.splitlines()
    assert small == "[live] a small batch: about 40 live requests; 100 left in your budget of 100."
    assert big.startswith("[live] both assistants on every ticket: about 1,400 live requests; 100 left")
    assert "LIVE_SAMPLE = True" in big and "evalbook.set_budget" in big


def test_the_live_sample_keeps_every_group_and_is_reproducible(tmp_path, monkeypatch):
    _live(tmp_path, monkeypatch)
    cases = pd.DataFrame({"scenario": ["common"] * 90 + ["rare"] * 3 + ["odd"] * 7, "n": range(100)})
    sample = budget.live_sample(cases, 20, by="scenario", enabled=True)
    assert set(sample["scenario"]) == {"common", "rare", "odd"}
    assert 18 <= len(sample) <= 22 and sample.index.is_monotonic_increasing
    assert sample.equals(budget.live_sample(cases, 20, by="scenario", enabled=True))
    assert budget.live_sample(cases, 20, by="scenario", enabled=False) is cases  # the switch is off
    with pytest.raises(evalbook.InputError, match="no 'persona' column"):
        budget.live_sample(cases, 20, by="persona", enabled=True)


def test_costs_use_the_dated_prices_of_the_model_an_alias_maps_to():
    assert budget.estimate_cost(1_000_000, 0, "gpt-4.1") == pytest.approx(2.00)
    assert budget.estimate_cost(500_000, 250_000, "atlas-1") == pytest.approx(
        1.00 + 2.00
    )  # atlas-1 -> gpt-4.1
    assert budget.estimate_cost(10, 10, "some-local-model") is None
    assert "2025" in budget.PRICES_AS_OF


def test_bad_estimates_are_sentences():
    with pytest.raises(evalbook.InputError, match="whole number"):
        budget.plan_requests(-3, "x")
    with pytest.raises(TypeError, match="what must say"):
        budget.plan_requests(3, "")
