"""4. Reminder fan-out: PLACEHOLDER until the scheduler (issue 4) is merged.

To measure: 1,000 and 10,000 overdue holders; reminders sent at no less than 90% of the
configured overall rate with zero 429s, nobody skipped, nobody messaged twice; a kill -9 in the
middle and a restart leave nobody skipped and at most one duplicate per recipient.
Replace ``run`` with the real measurement; the rows below say what it must report.
"""

from __future__ import annotations

from bench.core import Figure, RunContext, Scenario

NOT_YET = "not yet measured (needs issue 4)"


async def run(ctx: RunContext) -> list[Figure]:
    figures = []
    for holders in ("1,000", "10,000"):
        name = f"4. Reminder fan-out, {holders} overdue holders"
        figures += [
            Figure(
                name,
                "send rate, share of the configured rate",
                None,
                note=NOT_YET,
                target_text=">= 90% (e.g. 25 msg/s)",
            ),
            Figure(name, "429 answers from the server", None, note=NOT_YET, target_text="exactly 0"),
            Figure(name, "holders skipped / messaged twice", None, note=NOT_YET, target_text="0 / 0"),
            Figure(
                name,
                "after kill -9 and restart: skipped / most duplicates per holder",
                None,
                note=NOT_YET,
                target_text="0 / <= 1",
            ),
        ]
    return figures


SCENARIO = Scenario(
    key="4", name="reminders", title="Reminder fan-out", run=run, needs="issue 4", repeatable=False
)
