"""What /metrics exposes, in Prometheus' text format: counters the bot keeps as it works and
gauges read from the database at each scrape. One registry per running bot (no module-level
state), and no label ever carries a name, a phone or a message: only kinds, ids and states."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

# Handler time buckets, in seconds: a tap is answered in milliseconds; seconds mean trouble.
_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _Snapshot(Collector):
    """Gauges computed at scrape time from the last values read (see Metrics.refresh)."""

    def __init__(self) -> None:
        self.wishes: list[tuple[int, str, int]] = []
        self.writer: dict[str, int] = {}  # the database writer's counts, by what they count

    def collect(self) -> Iterable[Metric]:
        family = GaugeMetricFamily(
            "wishwall_wishes", "Wishes by state, per community (id)", labels=["community", "state"]
        )
        for community, state, count in self.wishes:
            family.add_metric([str(community), state], count)
        yield family
        for name, value in self.writer.items():
            yield CounterMetricFamily(f"wishwall_db_writer_{name}", _WRITER_HELP[name], value=value)

    def describe(self) -> Iterable[Metric]:
        return []


_WRITER_HELP = {
    "batches": "Transactions of the database's writer process (units that came together)",
    "units": "Writes (units) run by the database's writer process",
    "restarts": "Times the database's writer process was started again after it ended",
}


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.updates = Counter("wishwall_updates", "Updates handled, by kind", ["kind"], registry=r)
        self.handler_seconds = Histogram(
            "wishwall_handler_seconds", "Time to handle one update", buckets=_LATENCY_BUCKETS, registry=r
        )
        self.outbox_queued = Gauge("wishwall_outbox_queued", "Outbox rows due and not sent", registry=r)
        self.outbox_oldest_seconds = Gauge(
            "wishwall_outbox_oldest_seconds", "Age of the oldest outbox row due", registry=r
        )
        self.outbox_sent = Counter("wishwall_outbox_sent", "Outbox rows sent", registry=r)
        self.outbox_failed = Counter("wishwall_outbox_failed", "Outbox rows given up on", registry=r)
        self.outbox_429 = Counter("wishwall_outbox_429", "429 answers to the outbox", registry=r)
        self.job_runs = Counter("wishwall_job_runs", "Scheduled passes run, by job", ["job"], registry=r)
        self.job_failures = Counter(
            "wishwall_job_failures", "Scheduled passes that failed", ["job"], registry=r
        )
        self.backups = Counter("wishwall_backups", "Backups made, by result", ["result"], registry=r)
        self._snapshot = _Snapshot()
        r.register(self._snapshot)

    def outbox_outcome(self, outcome: str) -> None:
        {"sent": self.outbox_sent, "failed": self.outbox_failed, "429": self.outbox_429}[outcome].inc()

    async def refresh(
        self,
        backlog: Callable[[], Awaitable[tuple[int, float | None]]],
        wishes: Callable[[], Awaitable[list[tuple[int, str, int]]]],
        writer: dict[str, int] | None = None,
    ) -> None:
        queued, oldest = await backlog()
        self.outbox_queued.set(queued)
        self.outbox_oldest_seconds.set(oldest or 0.0)
        self._snapshot.wishes = await wishes()
        self._snapshot.writer = {k: v for k, v in (writer or {}).items() if k in _WRITER_HELP}

    def exposition(self) -> bytes:
        return generate_latest(self.registry)
