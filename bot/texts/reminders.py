"""Texts of the scheduler: reminders, escalations, group nudges, extensions, the weekly report."""

from __future__ import annotations

from bot.texts.base import Entries

TEXTS: Entries = {
    # --- buttons ------------------------------------------------------------------------
    "btn.more_time": {"zh": "⏳ 需要延期", "en": "⏳ Need more time"},
    "btn.extend": {"zh": "📅 延期", "en": "📅 Extend"},
    "btn.reassign": {"zh": "🔁 改派", "en": "🔁 Reassign"},
    "btn.keep_chasing": {"zh": "⏩ 继续催办", "en": "⏩ Keep chasing"},
    "btn.deliver_code": {"zh": "✅ 已送达 {code}", "en": "✅ Delivered {code}"},
    "btn.more_time_code": {"zh": "⏳ 延期 {code}", "en": "⏳ More time {code}"},
    "btn.release_code": {"zh": "↩️ 放弃 {code}", "en": "↩️ Release {code}"},
    "btn.claim_code": {"zh": "🙋 认领 {code}", "en": "🙋 Claim {code}"},
    "btn.extend_days": {"zh": "+{days} 天（{day}）", "en": "+{days} days ({day})"},
    # --- reminders to the holder ----------------------------------------------------------
    "remind.due_tomorrow": {
        "zh": "⏰ 提醒：你认领的 {code} 明天（{due}）到期。",
        "en": "⏰ Reminder: {code}, which you hold, is due tomorrow ({due}).",
    },
    "remind.due_today": {
        "zh": "⏰ 提醒：你认领的 {code} 今天（{due}）到期。",
        "en": "⏰ Reminder: {code}, which you hold, is due today ({due}).",
    },
    "remind.wish_line": {
        "zh": "心愿：{description}（{masked} · {category}）",
        "en": "Wish: {description} ({masked} · {category})",
    },
    "remind.due_footer": {
        "zh": "送达后请点“已送达”；需要多几天请点“需要延期”；无法完成请点“放弃认领”，让其他人认领。",
        "en": "Tap “Mark delivered” once it is done, “Need more time” if you need a few more days, "
        "or “Release” if you cannot do it, so someone else can.",
    },
    "remind.overdue_header": {
        "zh": "⚠️ 你认领的 {count} 个心愿已过截止日期：",
        "en": "⚠️ Wishes you hold that are past their due date: {count}",
    },
    "remind.overdue_line": {
        "zh": "• {code} {description}：截止 {due}，已逾期 {days} 天",
        "en": "• {code} {description}: due {due}, overdue by {days} day(s)",
    },
    "remind.overdue_more": {
        "zh": "……另有 {count} 个，发送 /mywishes 查看。",
        "en": "…and {count} more; send /mywishes to see them.",
    },
    "remind.overdue_footer": {
        "zh": "请尽快送达并点“已送达”；需要延期或无法完成，请点下面的按钮。",
        "en": "Please deliver soon and tap “Mark delivered”; if you need more time or cannot do it, "
        "use the buttons below.",
    },
    "remind.released_line": {
        "zh": "↩️ 你已放弃 {code}，它已重新开放认领。",
        "en": "↩️ You released {code}; it is open for claiming again.",
    },
    "remind.extended_line": {
        "zh": "📅 {code} 的截止日期已改为 {due}。",
        "en": "📅 {code} is now due {due}.",
    },
    # --- escalation to coordinators -------------------------------------------------------
    "chase.escalation": {
        "zh": "🚨 {code}（{description}）已逾期 {days} 天（截止 {due}）。"
        "认领人 {holder} 已收到 {count} 次提醒，仍未报告送达。",
        "en": "🚨 {code} ({description}) is overdue by {days} day(s) (due {due}). {holder}, who holds it, "
        "has had {count} reminder(s) and has not reported delivery.",
    },
    "chase.escalation_unreachable": {
        "zh": "🚨 {code}（{description}）已逾期 {days} 天（截止 {due}）。认领人 {holder} 收不到机器人的消息"
        "（已屏蔽或从未打开机器人），提醒发不出去。",
        "en": "🚨 {code} ({description}) is overdue by {days} day(s) (due {due}). {holder}, who holds it, "
        "cannot be reached by the bot (blocked it or never opened it), so no reminder reaches them.",
    },
    "chase.escalation_footer": {
        "zh": "延期：定一个新的截止日期。改派：放回待认领，并通知 {holder}。"
        "继续催办：仍由 {holder} 负责，每天继续提醒。",
        "en": "Extend: set a new due date. Reassign: put it back to open for others; {holder} is told. "
        "Keep chasing: {holder} keeps it and the daily reminders go on.",
    },
    "chase.reassigned": {
        "zh": "🔁 {code} 已放回待认领，已通知 {holder}。",
        "en": "🔁 {code} is open for claiming again; {holder} has been told.",
    },
    "chase.reassigned_short": {"zh": "已改派 {code}", "en": "{code} reassigned"},
    "chase.kept": {
        "zh": "⏩ {code} 仍由 {holder} 负责，每天继续提醒；再提醒 {count} 次仍未送达，会再告诉你。",
        "en": "⏩ {code} stays with {holder} and the daily reminders go on; if it is still not delivered "
        "after {count} more, you will hear again.",
    },
    "chase.kept_short": {"zh": "继续催办 {code}", "en": "Keep chasing {code}"},
    # --- need more time / extend ----------------------------------------------------------
    "extend.ask": {
        "zh": "{code} 目前截止 {due}。需要延到哪天？请选择，或输入日期（YYYY-MM-DD），"
        "最晚 {latest}。发送 /cancel 放弃。",
        "en": "{code} is due {due}. Until when is needed? Choose, or type a date (YYYY-MM-DD), "
        "{latest} at the latest. Send /cancel to stop.",
    },
    "extend.too_late": {
        "zh": "最晚只能延到 {latest}。请重新选择或输入。",
        "en": "The latest possible date is {latest}. Please choose or type again.",
    },
    "extend.too_early": {
        "zh": "新的截止日期须晚于 {due}，且不能早于今天。请重新选择或输入。",
        "en": "The new date must be after {due} and not before today. Please choose or type again.",
    },
    "extend.done_holder": {
        "zh": "好的，{code} 的截止日期已改为 {due}，已告知社区工作人员。",
        "en": "Done: {code} is now due {due}. The coordinators have been told.",
    },
    "extend.done_coordinator": {
        "zh": "好的，{code} 的截止日期已改为 {due}，已告知 {holder}。",
        "en": "Done: {code} is now due {due}; {holder} has been told.",
    },
    "notice.extended_by_holder": {
        "zh": "⏳ {holder} 申请延期 {code}（{description}）：截止日期由 {old} 改为 {due}。",
        "en": "⏳ {holder} needs more time for {code} ({description}): "
        "the due date moved from {old} to {due}.",
    },
    "notice.extended_by_coordinator": {
        "zh": "📅 社区工作人员已将 {code} 的截止日期由 {old} 改为 {due}。",
        "en": "📅 A coordinator moved the due date of {code} from {old} to {due}.",
    },
    "notice.extended_by_other": {
        "zh": "📅 {actor} 已将 {code} 的截止日期由 {old} 改为 {due}。",
        "en": "📅 {actor} moved the due date of {code} from {old} to {due}.",
    },
    # --- the nudge in groups --------------------------------------------------------------
    "nudge.header": {
        "zh": "📣 这些微心愿已经等了 {days} 天以上，还没有人认领：",
        "en": "📣 These wishes have waited more than {days} days for someone to claim them:",
    },
    "nudge.line": {
        "zh": "• {code} {masked} · {category}：{description}（截止 {due}）",
        "en": "• {code} {masked} · {category}: {description} (due {due})",
    },
    "nudge.footer": {"zh": "点下面的按钮即可认领。", "en": "Tap a button below to claim one."},
    # --- the weekly report ----------------------------------------------------------------
    "report.title": {
        "zh": "📊 微心愿周报 {week}（{first} 至 {last}）· {community}",
        "en": "📊 Weekly report {week} ({first} to {last}) · {community}",
    },
    "report.activity": {
        "zh": "本周：征集 {collected} · 核查 {verified} · 发布 {posted} · 认领 {claimed} "
        "· 送达 {delivered} · 圆梦 {fulfilled}",
        "en": "This week: collected {collected} · verified {verified} · posted {posted} · claimed {claimed} "
        "· delivered {delivered} · fulfilled {fulfilled}",
    },
    "report.delta": {"zh": "{value}（{delta}）", "en": "{value} ({delta})"},
    "report.rate": {
        "zh": "完成率：{rate}（{fulfilled}/{due}）",
        "en": "Completion rate: {rate} ({fulfilled}/{due})",
    },
    "report.rate_none": {
        "zh": "完成率：本周没有到期的心愿",
        "en": "Completion rate: no wishes were due this week",
    },
    "report.rate_change": {
        "zh": "；上周 {rate}（{delta} 个百分点）",
        "en": "; last week {rate} ({delta} points)",
    },
    "report.rate_change_none": {"zh": "；上周没有到期的心愿", "en": "; none were due last week"},
    "report.rate_previous": {"zh": "；上周 {rate}", "en": "; last week {rate}"},
    "report.overdue": {"zh": "周末仍逾期：{overdue}", "en": "Overdue at the end of the week: {overdue}"},
    "report.formula": {
        "zh": "完成率 = 到期日在本周的心愿中，周日 24 点前已圆梦的数量 ÷ 到期日在本周的心愿数"
        "（驳回、取消的不计）。",
        "en": "Completion rate = wishes due this week that were fulfilled by Sunday midnight ÷ wishes due "
        "this week (rejected and cancelled ones not counted).",
    },
    "report.change_note": {
        "zh": "括号内为与上周相比的变化。",
        "en": "Figures in brackets: change from the week before.",
    },
    "report.branches": {
        "zh": "各支部（到期 · 圆梦 · 完成率 · 逾期）：",
        "en": "By branch (due · fulfilled · rate · overdue):",
    },
    "report.branch_line": {
        "zh": "• {name}：{due} · {fulfilled} · {rate} · {overdue}",
        "en": "• {name}: {due} · {fulfilled} · {rate} · {overdue}",
    },
    "report.unassigned": {"zh": "尚未发布", "en": "not posted yet"},
    "report.no_rate": {"zh": "—", "en": "—"},
    "report.chart_caption": {
        "zh": "📈 {week}：近 8 周完成率，以及本周各支部情况",
        "en": "📈 {week}: completion rate over 8 weeks, and the branches this week",
    },
    "report.chart_names": {"zh": "图中编号：{names}", "en": "Numbers in the chart: {names}"},
    "report.bad_week": {
        "zh": "周次请写成 2026-W47（年份-W周数）。发送 /report 查看上周的周报。",
        "en": "Write the week as 2026-W47 (year, W, week number). Send /report for last week's report.",
    },
    "report.not_over": {
        "zh": "{week} 还没有结束，{day} 起才有它的周报。发送 /report 查看上周的周报。",
        "en": "{week} is not over yet; its report is ready from {day}. Send /report for last week's.",
    },
    # --- chart labels (drawn in the picture) ----------------------------------------------
    "chart.title": {"zh": "微心愿周报 {week}", "en": "Wishwall weekly report {week}"},
    "chart.rate": {"zh": "完成率（%）", "en": "Completion rate (%)"},
    "chart.weeks": {"zh": "近 8 周", "en": "Last 8 weeks"},
    "chart.branches": {"zh": "本周各支部", "en": "Branches this week"},
    "chart.due": {"zh": "到期", "en": "due"},
    "chart.fulfilled": {"zh": "圆梦", "en": "fulfilled"},
    "chart.overdue": {"zh": "逾期", "en": "overdue"},
    "chart.count": {"zh": "数量", "en": "wishes"},
    # --- command menu -------------------------------------------------------------------
    "cmd.report": {
        "zh": "周报（可加周次，如 2026-W47）",
        "en": "Weekly report (optionally a week, e.g. 2026-W47)",
    },
}
