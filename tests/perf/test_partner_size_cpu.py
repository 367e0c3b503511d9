"""The partner-size bench (`bench/partnersize.py`) sends each event to every partner back to back and
judges the median of each event's CPU ratio to the smallest partner's (the machine's load at that
moment weighs on all sizes alike); smoke on small partners."""

from __future__ import annotations

import statistics

from bench import partnersize


def test_each_event_goes_to_every_size_and_the_ratio_is_paired_per_event():
    data = partnersize.cpu_and_size(sizes=(20, 40), n=3)
    assert set(data) == {20, 40} and data[20]["ratio"] == 1.0
    assert data[40]["ratio"] > 0 and data[40]["layout"] == data[20]["layout"] == "inline"
    assert all(d["state_bytes"] > 0 and d["cpu_ms"] > 0 for d in data.values())


def test_the_paired_ratio_is_the_median_of_the_events_ratios(monkeypatch):
    times = {20: iter([1.0, 2.0, 4.0]), 40: iter([1.1, 2.4, 4.0])}  # the load triples the times mid-run
    sizes = (20, 40)

    class Fake:
        def __init__(self, people):
            self.people, self.cpu = people, []

        def send(self, env):
            self.cpu.append(next(times[self.people]))

        def result(self):
            return {"cpu_ms": statistics.median(self.cpu) * 1000}

    monkeypatch.setattr(partnersize, "SizedPartner", Fake)
    data = partnersize.cpu_and_size(sizes=sizes, n=3)
    assert data[40]["ratio"] == statistics.median([1.1, 1.2, 1.0])
