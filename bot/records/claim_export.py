"""/export's claim sheet as a file, for the chat command and the wall's coordinators alike: the
period's sheet written, the export put in the audit trail (whose data went out, with personal
data or not), and the file's name."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from bot.models import Community
from bot.people.policies import Actor
from bot.records import sheets
from bot.records.service import RecordsService
from storage.stats import Period


@dataclass(frozen=True)
class ClaimSheet:
    content: bytes
    file_name: str
    count: int  # wishes in it
    period: Period


async def claim_sheet(
    records: RecordsService,
    actor: Actor,
    community: Community,
    span: tuple[date, date],
    *,
    public: bool,
    lang: str,
) -> ClaimSheet:
    """The sheet of the wishes collected in `span`; the caller has checked the actor may have it."""
    period = records.period(community, span)
    summary = await records.export_summary(community, period)
    buffer = io.BytesIO()
    count = await sheets.write_claim_sheet(
        buffer,
        records.sheet_rows(community, period),
        summary,
        period=period,
        lang=lang,
        public=public,
        today=records.today(community),
    )
    await records.record_export(actor.user_id, community, period, public)
    suffix = "-public" if public else ""
    name = f"wishwall-claims-{period.start.isoformat()}_{period.last_day.isoformat()}{suffix}.xlsx"
    return ClaimSheet(buffer.getvalue(), name, count, period)
