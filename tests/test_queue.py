"""The station queue against Erlang C, and properties of the queue and charging physics."""
from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from szplan.fleetsim.sim.charging import charge_minutes, soc_after
from szplan.fleetsim.sim.daytypes import temperature_factor
from szplan.fleetsim.sim.queues import station_queue
from szplan.network.queueing import (
    erlang_c_mean_wait,
    erlang_c_wait_probability,
    erlang_c_wait_quantile,
    servers_for_service_level,
)


@pytest.mark.parametrize("rho, customers", [(0.5, 300_000), (0.8, 800_000),
                                             pytest.param(0.9, 2_400_000, marks=pytest.mark.slow)])
def test_station_queue_matches_erlang_c(rho, customers):
    # the horizon is long enough that 3 standard errors of the mean wait stay under 5%
    servers, service_min = 2, 10.0
    arrivals_per_h = rho * servers * 60 / service_min
    hours = customers / arrivals_per_h
    sim = station_queue(arrivals_per_h, service_min, servers, hours=hours, seed=11)
    exact = erlang_c_mean_wait(arrivals_per_h, service_min, servers)
    assert sim.mean_wait_min == pytest.approx(exact, rel=0.05)
    assert sim.utilisation == pytest.approx(rho, rel=0.02)


def test_erlang_c_known_values():
    # M/M/1: P(wait) = rho, mean wait = rho / (mu - lambda)
    assert erlang_c_wait_probability(30, 1.0, 1) == pytest.approx(0.5)
    assert erlang_c_mean_wait(30, 1.0, 1) == pytest.approx(1.0)
    # a textbook M/M/2 case: a = 1.5 erlangs, P(wait) = 0.6428...
    assert erlang_c_wait_probability(90, 1.0, 2) == pytest.approx(0.642857, rel=1e-5)
    assert math.isinf(erlang_c_mean_wait(200, 1.0, 2))


@settings(max_examples=40, deadline=None)
@given(arrivals=st.floats(0.5, 50), service=st.floats(1, 60), share=st.floats(0.5, 0.99))
def test_service_level_sizing_is_minimal(arrivals, service, share):
    c = servers_for_service_level(arrivals, service, max_wait_min=10, share=share)
    assert erlang_c_wait_quantile(arrivals, service, c, share) <= 10
    if c > math.floor(arrivals * service / 60) + 1:
        assert erlang_c_wait_quantile(arrivals, service, c - 1, share) > 10


@settings(max_examples=15, deadline=None)
@given(arrivals=st.floats(1, 20), service=st.floats(2, 30), servers=st.integers(1, 4), seed=st.integers(0, 1000))
def test_more_servers_never_longer_waits(arrivals, service, servers, seed):
    # same seed: the same customers with the same service times; FIFO with one more server
    # can only start every customer earlier or at the same time
    few = station_queue(arrivals, service, servers, hours=80, warmup_h=5, seed=seed)
    more = station_queue(arrivals, service, servers + 1, hours=80, warmup_h=5, seed=seed)
    assert more.mean_wait_min <= few.mean_wait_min + 1e-9
    assert more.p95_wait_min <= few.p95_wait_min + 1e-9


def test_bad_queue_input_is_named():
    with pytest.raises(ValueError, match="servers"):
        station_queue(5, 10, 0)
    with pytest.raises(ValueError, match="arrivals_per_h"):
        station_queue(-1, 10, 1)


def test_charging_time_matches_numeric_integration():
    cap, power = 60.0, 100.0
    soc = np.linspace(0.1, 0.99, 200_001)
    a, f = 0.8, 0.2
    p = np.where(soc <= a, power, power * (1 - (1 - f) * (soc - a) / (1 - a)))
    numeric_h = np.trapezoid(cap / p, soc)
    assert charge_minutes(0.1, 0.99, cap, power) == pytest.approx(numeric_h * 60, rel=1e-6)


@settings(max_examples=60, deadline=None)
@given(s0=st.floats(0, 0.99), ds=st.floats(0, 1), cap=st.floats(10, 400), power=st.floats(3, 500))
def test_soc_after_inverts_charge_minutes(s0, ds, cap, power):
    s1 = min(1.0, s0 + ds)
    minutes = charge_minutes(s0, s1, cap, power)
    assert soc_after(s0, minutes, cap, power) == pytest.approx(s1, abs=1e-9)
    assert soc_after(s0, minutes * 10 + 1000, cap, power) <= 1.0


def test_temperature_factor_is_higher_in_winter_and_summer():
    assert temperature_factor(12) > 1.0 and temperature_factor(9) > 1.0
    assert temperature_factor(11) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="month"):
        temperature_factor(13)


@settings(max_examples=60, deadline=None)
@given(s0=st.floats(0, 0.99), ds=st.floats(0, 1), cap=st.floats(10, 400), power=st.floats(3, 500),
       minutes=st.floats(0, 2000))
def test_scalar_charging_math_equals_vector_math(s0, ds, cap, power, minutes):
    from szplan.fleetsim.sim.charging import charge_minutes_one, soc_after_one

    s1 = min(1.0, s0 + ds)
    assert charge_minutes_one(s0, s1, cap, power) == pytest.approx(float(charge_minutes(s0, s1, cap, power)), abs=1e-9)
    assert soc_after_one(s0, minutes, cap, power) == pytest.approx(float(soc_after(s0, minutes, cap, power)), abs=1e-9)
