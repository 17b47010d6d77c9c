"""5. Report and export queries: PLACEHOLDER until reports and exports (issue 5) are merged.

To measure, on a database with 1,000,000 wishes over 1,000 communities: the weekly report for
one community under 200 ms, /stats under 100 ms, a 100,000-row .xlsx export under 30 s and under
300 MB of memory. Replace ``run`` with the real measurement; the rows below say what it must report.
"""

from __future__ import annotations

from bench.core import Figure, RunContext, Scenario

NOT_YET = "not yet measured (needs issue 5)"


async def run(ctx: RunContext) -> list[Figure]:
    name = "5. Reports, 1,000,000 wishes in 1,000 communities"
    return [
        Figure(name, "weekly report, one community", None, note=NOT_YET, target_text="< 200 ms"),
        Figure(name, "/stats", None, note=NOT_YET, target_text="< 100 ms"),
        Figure(name, ".xlsx export of 100,000 rows, time", None, note=NOT_YET, target_text="< 30 s"),
        Figure(name, ".xlsx export of 100,000 rows, memory", None, note=NOT_YET, target_text="< 300 MB"),
    ]


SCENARIO = Scenario(
    key="5", name="reports", title="Report and export queries", run=run, needs="issue 5", repeatable=False
)
