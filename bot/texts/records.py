"""Texts of records in and out: import, template, export, /stats, /myrecord, /branchreport,
retention and /forget, and the column titles of every spreadsheet the bot hands out."""

from __future__ import annotations

from bot.texts.base import Entries

TEXTS: Entries = {
    # --- the completion rate, defined once -----------------------------------------------
    "fig.formula": {
        "zh": "完成率 = 截止日期在本期内的心愿中，在期末（或截至现在）前已圆梦的个数 ÷ 截止日期在本期内的心愿"
        "个数"
        "（不含驳回、取消的心愿）。",
        "en": "Completion rate = wishes due in the period that were fulfilled by its end (or by now) ÷ wishes"
        " "
        "due in the period (rejected and cancelled wishes left out).",
    },
    "fig.bad_period": {
        "zh": "时间段看不懂。可以写 2026、2026H1、2026H2，或 2026-01-01 2026-06-30（含首尾两天）。",
        "en": "I could not read that period. Write 2026, 2026H1, 2026H2, or 2026-01-01 2026-06-30 "
        "(both days included).",
    },
    # --- import: whole-file refusals -----------------------------------------------------
    "imp.empty": {
        "zh": "文件是空的，没有导入任何心愿。发送 /template 获取模板。",
        "en": "The file is empty; nothing was imported. Send /template for the template.",
    },
    "imp.too_big": {
        "zh": "文件太大（最大 {max_mb} MB），没有导入。请拆成几个文件分别发送。",
        "en": "The file is too big (at most {max_mb} MB); nothing was imported. Please split it into several "
        "files.",
    },
    "imp.too_many_rows": {
        "zh": "一个文件最多 {max} 行心愿，没有导入。请拆成几个文件分别发送。",
        "en": "A file may hold at most {max} wishes; nothing was imported. Please split it into several files"
        ".",
    },
    "imp.old_excel": {
        "zh": "这是旧版 Excel（.xls）或 Word 文件。请在 Excel 中“另存为” .xlsx 或 CSV 后再发送。",
        "en": "This is an old Excel (.xls) or Word file. Please “Save as” .xlsx or CSV in Excel and send that"
        ".",
    },
    "imp.wrong_type": {
        "zh": "这不是 Excel（.xlsx）或 CSV 表格，没有导入。发送 /template 获取模板。",
        "en": "This is not an Excel (.xlsx) or CSV spreadsheet; nothing was imported. Send /template for the "
        "template.",
    },
    "imp.unreadable": {
        "zh": "这个表格文件打不开（可能已损坏），没有导入。请用 Excel 重新保存为 .xlsx 后再发送。",
        "en": "This spreadsheet cannot be read (it may be damaged); nothing was imported. Please save it agai"
        "n "
        "as .xlsx in Excel and send it.",
    },
    "imp.unpacked_too_big": {
        "zh": "这个表格解压后超过 {max_mb} MB，没有导入。"
        "请删掉多余的工作表、图片和格式后重新保存，或拆成几个文件分别发送。",
        "en": "This spreadsheet unpacks to more than {max_mb} MB; nothing was imported. Remove extra sheets, "
        "pictures and formatting and save it again, or split it into several files.",
    },
    "imp.too_complex": {
        "zh": "这个表格太复杂，无法在限定的时间和内存内读完，没有导入。"
        "请只保留心愿表，另存为 .xlsx 或 CSV 后再发送。",
        "en": "This spreadsheet is too complex to read within the time and memory allowed; nothing was "
        "imported. Keep only the wishes sheet, save it as .xlsx or CSV and send it again.",
    },
    "imp.encoding": {
        "zh": "CSV 文件的编码无法识别。请保存为 UTF-8 或 GBK 编码的 CSV，或直接发送 .xlsx。",
        "en": "The CSV file's encoding is not recognised. Please save it as UTF-8 or GBK CSV, or send .xlsx.",
    },
    "imp.missing_columns": {
        "zh": "第 {row} 行（表头）缺少这些列：{columns}。没有导入。发送 /template 获取模板。",
        "en": "Row {row} (the header) lacks these columns: {columns}. Nothing was imported. Send /template "
        "for the template.",
    },
    "imp.no_header": {
        "zh": "表格里没有工作表，没有导入。发送 /template 获取模板。",
        "en": "The workbook has no sheet; nothing was imported. Send /template for the template.",
    },
    "imp.no_rows": {
        "zh": "表头下面没有心愿，没有导入。",
        "en": "There are no wishes under the header; nothing was imported.",
    },
    # --- import: the check report --------------------------------------------------------
    "imp.bad_rows": {
        "zh": "❌ 有 {count} 行有问题，整个文件都没有导入。请改正后重新发送整个文件：",
        "en": "❌ {count} rows have problems, so nothing from this file was imported. Please correct them and"
        " "
        "send the whole file again:",
    },
    "imp.row_line": {"zh": "第 {row} 行：{reasons}", "en": "Row {row}: {reasons}"},
    "imp.reason": {"zh": "{column}{reason}", "en": "{column}{reason}"},
    "imp.more_rows": {"zh": "……还有 {count} 行有问题。", "en": "… and {count} more rows with problems."},
    "imp.r_missing": {"zh": "缺少", "en": "missing"},
    "imp.r_too_long": {"zh": "太长（最多 {max} 个字）", "en": "too long (at most {max} characters)"},
    "imp.r_phone": {"zh": "号码格式不对", "en": "not a phone number"},
    "imp.r_value": {"zh": "不是金额", "en": "not an amount"},
    "imp.r_value_range": {"zh": "应在 0 到 {max} 元之间", "en": "must be between 0 and ¥{max}"},
    "imp.r_over_cap": {"zh": "超过本社区上限 {cap} 元", "en": "over this community's cap of ¥{cap}"},
    "imp.r_date": {"zh": "日期格式不对（例如 {example}）", "en": "not a date (e.g. {example})"},
    "imp.r_date_past": {"zh": "早于今天", "en": "in the past"},
    "imp.r_date_far": {"zh": "超过一年以后", "en": "more than a year ahead"},
    "imp.r_category": {
        "zh": "“{value}”无法识别（可用：独居老人、留守儿童、残疾人、退役军人、困难家庭、困难学生、其他）",
        "en": "“{value}” is not a category (use: elderly living alone, left-behind child, disabled, veteran, "
        "hardship family, poor student, other)",
    },
    "imp.r_duplicate": {"zh": "与第 {other} 行重复", "en": "duplicates row {other}"},
    "imp.r_invalid": {"zh": "无效", "en": "not valid"},
    "imp.col.name": {"zh": "姓名：", "en": "name: "},
    "imp.col.phone": {"zh": "联系电话：", "en": "phone: "},
    "imp.col.address": {"zh": "住址：", "en": "address: "},
    "imp.col.category": {"zh": "类别：", "en": "category: "},
    "imp.col.wish": {"zh": "心愿内容：", "en": "wish: "},
    "imp.col.value": {"zh": "价值：", "en": "value: "},
    "imp.col.due": {"zh": "截止日期：", "en": "due date: "},
    "imp.col.notes": {"zh": "备注：", "en": "notes: "},
    "imp.colname.name": {"zh": "姓名", "en": "name"},
    "imp.colname.phone": {"zh": "联系电话", "en": "phone"},
    "imp.colname.address": {"zh": "住址", "en": "address"},
    "imp.colname.category": {"zh": "类别", "en": "category"},
    "imp.colname.wish": {"zh": "心愿内容", "en": "wish"},
    "imp.colname.due": {"zh": "截止日期", "en": "due date"},
    "imp.done": {
        "zh": "✅ 已导入 {count} 个微心愿（{first} 至 {last}），状态：待核查。发送 /pending 核查。",
        "en": "✅ Imported {count} wishes ({first} to {last}), awaiting verification. Send /pending to verify"
        " them.",
    },
    "imp.repeats_header": {
        "zh": "⚠️ 以下受助人近 {months} 个月内已有心愿（仅提示，已照常导入，核查时请留意）：",
        "en": "⚠️ These beneficiaries already had a wish in the last {months} months (a flag only: they were "
        "imported; check when verifying):",
    },
    "imp.repeats_note": {
        "zh": "⚠️ 另外，以下受助人近 {months} 个月内已有心愿（仅提示，不影响导入）：",
        "en": "⚠️ Also: these beneficiaries already had a wish in the last {months} months (a flag only; it "
        "does not stop an import):",
    },
    "imp.repeat_line": {"zh": "第 {row} 行 {name}：{earlier}", "en": "Row {row} {name}: {earlier}"},
    "imp.name_only": {
        "zh": "（早先心愿的电话已按保留期限删除，仅姓名相同，请核对）",
        "en": "(the earlier wish's phone was erased under the retention rule: same name only, please check)",
    },
    "imp.earlier_fulfilled": {"zh": "{code} 已于 {day} 圆梦", "en": "{code} fulfilled on {day}"},
    "imp.earlier_active": {"zh": "{code}（{status}）", "en": "{code} ({status})"},
    "imp.earlier_more": {"zh": "另有更早的 {count} 个", "en": "and {count} earlier"},
    "imp.ignored_columns": {
        "zh": "这些列不认识，已忽略：{columns}",
        "en": "These columns were not recognised and were ignored: {columns}",
    },
    "imp.notice_imported": {
        "zh": "{name} 导入了 {count} 个微心愿（{first} 至 {last}），待核查。发送 /pending 查看。",
        "en": "{name} imported {count} wishes ({first} to {last}), awaiting verification. Send /pending.",
    },
    "imp.how": {
        "zh": "批量导入：把 Excel（.xlsx）或 CSV 文件直接发给我，每行一个心愿。\n"
        "列：姓名、联系电话、住址、类别、心愿内容、价值（元，可空）、截止日期、备注（可空）；表头中文或英文均"
        "可。\n"
        "整个文件先检查：只要有一行有问题就全部不导入，并告诉你是哪几行、什么问题。最多 {max} 行、2 MB。\n"
        "发送 /template 获取模板。",
        "en": "Bulk import: send me an Excel (.xlsx) or CSV file, one wish per row.\n"
        "Columns: name, phone, address, category, wish, value (yuan, optional), due date, notes (optional); "
        "headers in Chinese or English.\n"
        "The whole file is checked first: if any row is bad nothing is imported and I list the rows and "
        "what is wrong. At most {max} rows and 2 MB.\nSend /template for the template.",
    },
    "imp.template_caption": {
        "zh": "微心愿导入模板：在第一张表填写，每行一个心愿，然后把文件发给我。",
        "en": "The wish import template: fill in the first sheet, one wish per row, then send me the file.",
    },
    "imp.template_help": {
        "zh": "如何填写：\n"
        "1. 在第一张表“心愿 Wishes”中每行填写一个心愿，不要改动第一行表头。\n"
        "2. 必填：姓名、联系电话、住址、类别、心愿内容、截止日期；价值（元）和备注可以不填。\n"
        "3. 类别用下方列表中的中文或英文名称。截止日期写成 2026-12-31 或 2026/12/31，不能早于今天，最多一年以"
        "后。\n"
        "4. 一个文件最多 {max} 行、2 MB。只要有一行有问题，整个文件都不会导入，机器人会列出有问题的行。\n"
        "5. 导入的心愿状态为“待核查”，核查通过后才能发布到群。",
        "en": "How to fill it in:\n"
        "1. On the first sheet (心愿 Wishes) write one wish per row; keep the header row as it is.\n"
        "2. Required: name, phone, address, category, wish, due date; value (yuan) and notes may be empty.\n"
        "3. Use a category name below, in Chinese or English. Write due dates as 2026-12-31 or 2026/12/31, "
        "not in the past and at most a year ahead.\n"
        "4. At most {max} rows and 2 MB per file. If any row is bad the whole file is not imported and the "
        "bot lists the rows.\n"
        "5. Imported wishes await verification; they can be posted once verified.",
    },
    "imp.template_categories": {
        "zh": "类别（中文 / 英文 / 代码）：",
        "en": "Categories (Chinese / English / code):",
    },
    # --- cards -----------------------------------------------------------------------------
    "card.repeat": {
        "zh": "⚠️ 重复受助：该受助人近 {months} 个月已有心愿 {earlier}",
        "en": "⚠️ Repeat beneficiary: already had a wish in the last {months} months: {earlier}",
    },
    "card.repeat_name_only": {
        "zh": "⚠️ 可能重复受助：近 {months} 个月有同名受助人的心愿 {earlier}（其电话已删除，请核对）",
        "en": "⚠️ Possible repeat: a beneficiary of the same name had {earlier} in the last {months} months "
        "(phone erased, please check)",
    },
    "card.notes": {"zh": "备注：{notes}", "en": "Notes: {notes}"},
    "card.erased": {"zh": "（已删除）", "en": "(erased)"},
    # --- /stats ----------------------------------------------------------------------------
    "stats.title": {"zh": "📊 {community} · {today}", "en": "📊 {community} · {today}"},
    "stats.now": {
        "zh": "现在：待核查 {pending} · 待发布 {verified} · 待认领 {open} · 已认领 {claimed} · 待确认 "
        "{delivered}"
        " · 逾期 {overdue}",
        "en": "Now: awaiting verification {pending} · not posted {verified} · open {open} · claimed {claimed}"
        " · awaiting confirmation {delivered} · overdue {overdue}",
    },
    "stats.fulfilled": {
        "zh": "圆梦：本月 {month} 个 · 今年 {year} 个（价值约 {value} 元）",
        "en": "Fulfilled: this month {month} · this year {year} (worth about ¥{value})",
    },
    "stats.collected": {
        "zh": "征集：本月 {month} 个 · 今年 {year} 个",
        "en": "Collected: this month {month} · this year {year}",
    },
    "stats.rate": {
        "zh": "今年完成率：{rate}（{done}/{due}）· 本月：{month_rate}（{month_done}/{month_due}）",
        "en": "Completion rate this year: {rate} ({done}/{due}) · this month: {month_rate} "
        "({month_done}/{month_due})",
    },
    "stats.top": {"zh": "今年心愿最多的类别：{items}", "en": "Top categories this year: {items}"},
    "stats.top_item": {"zh": "{category} {count}", "en": "{category} {count}"},
    "stats.own": {
        "zh": "你：正在认领 {held} 个（逾期 {overdue} 个）· 今年圆梦 {fulfilled} 个",
        "en": "You: holding {held} (overdue {overdue}) · fulfilled this year {fulfilled}",
    },
    # --- service records -------------------------------------------------------------------
    "rec.no_community": {"zh": "找不到社区“{name}”。", "en": "No community “{name}”."},
    "rec.no_branch": {"zh": "找不到支部“{name}”。", "en": "No branch “{name}”."},
    "rec.title": {
        "zh": "📋 {name} 的服务记录 · {start} 至 {end}",
        "en": "📋 Service record of {name} · {start} to {end}",
    },
    "rec.line": {
        "zh": "{code} {wish}（{category} · {beneficiary}）截止 {due}\n   认领 {claimed} · 送达 {delivered} · "
        "圆梦 {fulfilled} · {timeliness}",
        "en": "{code} {wish} ({category} · {beneficiary}) due {due}\n   claimed {claimed} · delivered "
        "{delivered} · fulfilled {fulfilled} · {timeliness}",
    },
    "rec.none": {"zh": "这段时间没有认领记录。", "en": "No wishes held in this period."},
    "rec.more": {
        "zh": "……另有 {count} 条，发送 /myrecord xlsx 获取完整表格。",
        "en": "… and {count} more; send /myrecord xlsx for the full table.",
    },
    "rec.summary": {
        "zh": "认领 {claimed} 个 · 圆梦 {fulfilled} 个（按时 {on_time}，逾期 {late}）· 进行中 {in_progress} "
        "个"
        "（逾期未送达 {overdue}）· 圆梦价值约 {value} 元",
        "en": "Claimed {claimed} · fulfilled {fulfilled} (on time {on_time}, late {late}) · in progress "
        "{in_progress} (overdue {overdue}) · value fulfilled about ¥{value}",
    },
    "rec.forward": {
        "zh": "{name}（{where}）{start} 至 {end} 微心愿志愿服务情况：\n"
        "认领心愿 {claimed} 个，圆梦 {fulfilled} 个（按时 {on_time} 个，逾期 {late} 个），进行中 "
        "{in_progress} 个，"
        "圆梦心愿价值约 {value} 元。",
        "en": "Micro-wish volunteer service of {name} ({where}), {start} to {end}:\n"
        "claimed {claimed} wishes, fulfilled {fulfilled} ({on_time} on time, {late} late), {in_progress} in "
        "progress; the wishes fulfilled are worth about ¥{value}.",
    },
    "rec.forward_item": {
        "zh": "{n}. {day} {wish}（{category}）{timeliness}",
        "en": "{n}. {day} {wish} ({category}) {timeliness}",
    },
    "rec.forward_footer": {
        "zh": "（微心愿机器人生成于 {today}，可转发给支部）",
        "en": "(made by the Wishwall bot on {today}; forward it to your branch)",
    },
    "rec.forward_hint": {
        "zh": "下面这条是可以直接转发给支部的总结：",
        "en": "The next message is a summary you can forward to your branch:",
    },
    "rec.on_time": {"zh": "按时", "en": "on time"},
    "rec.late_days": {"zh": "逾期 {days} 天", "en": "{days} days late"},
    "rec.overdue_days": {"zh": "已逾期 {days} 天", "en": "overdue {days} days"},
    "rec.in_progress": {"zh": "进行中", "en": "in progress"},
    "rec.dash": {"zh": "—", "en": "—"},
    "rec.xlsx_caption": {
        "zh": "{name} 的服务记录（{start} 至 {end}）",
        "en": "Service record of {name} ({start} to {end})",
    },
    "rec.choose_branch": {
        "zh": "选择要生成报告的支部（{start} 至 {end}）：",
        "en": "Choose the branch to report on ({start} to {end}):",
    },
    "rec.no_branches": {"zh": "本社区还没有支部。", "en": "This community has no branches yet."},
    "rec.branch_title": {
        "zh": "📋 {branch} · 服务报告 · {start} 至 {end}",
        "en": "📋 Service report of branch {branch} · {start} to {end}",
    },
    "rec.branch_member": {
        "zh": "{name}：认领 {claimed} · 圆梦 {fulfilled}（按时 {on_time}，逾期 {late}）· 进行中 {in_progress}"
        "",
        "en": "{name}: claimed {claimed} · fulfilled {fulfilled} (on time {on_time}, late {late}) · in "
        "progress {in_progress}",
    },
    "rec.branch_total": {"zh": "合计：", "en": "Total:"},
    "rec.branch_empty": {"zh": "该支部还没有成员。", "en": "This branch has no members yet."},
    "rec.branch_caption": {
        "zh": "{branch} 服务报告（{start} 至 {end}）",
        "en": "Service report of branch {branch} ({start} to {end})",
    },
    "err.members_only": {
        "zh": "请先发送 /start 登记姓名，再使用这个命令。",
        "en": "Please send /start and register your name first.",
    },
    # --- export ----------------------------------------------------------------------------
    "exp.caption": {
        "zh": "微心愿征集认领统计表 · {start} 至 {end} · {count} 个心愿（含受助人信息，请妥善保管，勿外传）",
        "en": "Wish claim sheet · {start} to {end} · {count} wishes (with beneficiaries' details: keep it saf"
        "e, "
        "do not share)",
    },
    "exp.caption_public": {
        "zh": "微心愿征集认领统计表（公开版，不含受助人信息）· {start} 至 {end} · {count} 个心愿",
        "en": "Wish claim sheet (public: no beneficiary details) · {start} to {end} · {count} wishes",
    },
    # --- retention and /forget ---------------------------------------------------------------
    "fgt.usage": {
        "zh": "用法：/forget {example}（删除该受助人的全部个人信息）",
        "en": "Usage: /forget {example} (erases that beneficiary's personal data)",
    },
    "fgt.confirm": {
        "zh": "将永久删除受助人 {name} 的个人信息（姓名只保留首字，电话、住址、备注、照片全部删除），涉及 "
        "{count} 个心愿："
        "{codes}。统计数字不受影响。此操作不能撤销，确定吗？",
        "en": "This permanently erases the personal data of {name} (the name is cut to its first character; "
        "phone, address, notes and photos are deleted) on {count} wishes: {codes}. Figures are not "
        "affected. This cannot be undone. Go ahead?",
    },
    "fgt.active": {
        "zh": "该受助人还有进行中的心愿：{codes}。请先完成或取消（/cancelwish）后再删除个人信息。",
        "en": "This beneficiary still has wishes in progress: {codes}. Finish or cancel them (/cancelwish) "
        "before erasing the personal data.",
    },
    "fgt.done": {
        "zh": "已删除受助人个人信息，涉及 {count} 个心愿：{codes}。已记入操作记录。",
        "en": "Personal data erased on {count} wishes: {codes}. Recorded in the audit trail.",
    },
    "fgt.kept": {"zh": "已取消，没有删除任何信息。", "en": "Cancelled; nothing was erased."},
    "btn.forget_yes": {"zh": "🗑 确定删除", "en": "🗑 Erase"},
    "btn.forget_no": {"zh": "取消", "en": "Keep"},
    # --- spreadsheets -------------------------------------------------------------------------
    "xl.sheet_claims": {"zh": "征集认领统计表", "en": "Claim sheet"},
    "xl.sheet_summary": {"zh": "汇总", "en": "Summary"},
    "xl.sheet_record": {"zh": "服务记录", "en": "Service record"},
    "xl.sheet_details": {"zh": "明细", "en": "Details"},
    "xl.col.code": {"zh": "编号", "en": "Code"},
    "xl.col.category": {"zh": "类别", "en": "Category"},
    "xl.col.wish": {"zh": "心愿内容", "en": "Wish"},
    "xl.col.value": {"zh": "价值（元）", "en": "Value (yuan)"},
    "xl.col.due": {"zh": "截止日期", "en": "Due date"},
    "xl.col.name": {"zh": "受助人姓名", "en": "Beneficiary"},
    "xl.col.phone": {"zh": "联系电话", "en": "Phone"},
    "xl.col.address": {"zh": "住址", "en": "Address"},
    "xl.col.notes": {"zh": "备注", "en": "Notes"},
    "xl.col.collected_by": {"zh": "征集人", "en": "Collected by"},
    "xl.col.collected_on": {"zh": "征集日期", "en": "Collected on"},
    "xl.col.verified_by": {"zh": "核查人", "en": "Verified by"},
    "xl.col.verified_on": {"zh": "核查日期", "en": "Verified on"},
    "xl.col.posted_on": {"zh": "发布日期", "en": "Posted on"},
    "xl.col.branch": {"zh": "支部", "en": "Branch"},
    "xl.col.claimed_by": {"zh": "认领人", "en": "Claimed by"},
    "xl.col.claimed_on": {"zh": "认领日期", "en": "Claimed on"},
    "xl.col.delivered_on": {"zh": "送达日期", "en": "Delivered on"},
    "xl.col.fulfilled_on": {"zh": "圆梦日期", "en": "Fulfilled on"},
    "xl.col.status": {"zh": "状态", "en": "Status"},
    "xl.col.days_late": {"zh": "逾期天数", "en": "Days late"},
    "xl.sum.title": {"zh": "汇总 · {start} 至 {end}", "en": "Summary · {start} to {end}"},
    "xl.sum.by_branch": {"zh": "按支部", "en": "By branch"},
    "xl.sum.by_month": {"zh": "按月份", "en": "By month"},
    "xl.sum.unposted": {"zh": "（未发布）", "en": "(not posted)"},
    "xl.sum.total": {"zh": "合计", "en": "Total"},
    "xl.sum.collected": {"zh": "征集", "en": "Collected"},
    "xl.sum.claimed": {"zh": "认领", "en": "Claimed"},
    "xl.sum.fulfilled": {"zh": "圆梦", "en": "Fulfilled"},
    "xl.sum.value": {"zh": "圆梦价值（元）", "en": "Value fulfilled (yuan)"},
    "xl.sum.due": {"zh": "本期到期", "en": "Due"},
    "xl.sum.due_fulfilled": {"zh": "到期已圆梦", "en": "Due and fulfilled"},
    "xl.sum.rate": {"zh": "完成率", "en": "Completion rate"},
    "xl.rec.member": {"zh": "姓名", "en": "Member"},
    "xl.rec.claimed": {"zh": "认领", "en": "Claimed"},
    "xl.rec.fulfilled": {"zh": "圆梦", "en": "Fulfilled"},
    "xl.rec.on_time": {"zh": "按时", "en": "On time"},
    "xl.rec.late": {"zh": "逾期", "en": "Late"},
    "xl.rec.in_progress": {"zh": "进行中", "en": "In progress"},
    "xl.rec.overdue": {"zh": "逾期未送达", "en": "Overdue"},
    "xl.rec.value": {"zh": "价值（元）", "en": "Value (yuan)"},
    "xl.rec.code": {"zh": "编号", "en": "Code"},
    "xl.rec.category": {"zh": "类别", "en": "Category"},
    "xl.rec.beneficiary": {"zh": "受助人", "en": "For"},
    "xl.rec.wish": {"zh": "心愿内容", "en": "Wish"},
    "xl.rec.due": {"zh": "截止日期", "en": "Due date"},
    "xl.rec.claimed_on": {"zh": "认领日期", "en": "Claimed on"},
    "xl.rec.delivered_on": {"zh": "送达日期", "en": "Delivered on"},
    "xl.rec.fulfilled_on": {"zh": "圆梦日期", "en": "Fulfilled on"},
    "xl.rec.status": {"zh": "状态", "en": "Status"},
    "xl.rec.timeliness": {"zh": "是否按时", "en": "On time?"},
    "xl.record_title": {"zh": "{name} 微心愿服务记录", "en": "Micro-wish service record of {name}"},
    "xl.branch_title": {
        "zh": "{community} · {branch} 服务报告",
        "en": "Service report: {community}, branch {branch}",
    },
    "xl.period": {"zh": "时间：{start} 至 {end}", "en": "Period: {start} to {end}"},
    "xl.branch_line": {"zh": "{community} · {branch}", "en": "{community} · {branch}"},
    # --- help and command menu ------------------------------------------------------------
    "help.records_coordinator": {
        "zh": "/template 导入模板\n/import 批量导入说明（直接发送 .xlsx/.csv 文件）\n/export 导出统计表（/exp"
        "ort public 公开版）\n"
        "/stats 数据概览\n/branchreport 支部服务报告\n/forget W-0042 删除受助人个人信息",
        "en": "/template import template\n/import how to import (send an .xlsx/.csv file)\n/export the claim "
        "sheet "
        "(/export public without personal data)\n/stats figures\n/branchreport a branch's service report\n"
        "/forget W-0042 erase a beneficiary's personal data",
    },
    "help.records_member": {
        "zh": "/stats 数据概览\n/myrecord 我的服务记录（/myrecord xlsx 表格）",
        "en": "/stats figures\n/myrecord my service record (/myrecord xlsx as a spreadsheet)",
    },
    "cmd.template": {"zh": "导入模板", "en": "Import template"},
    "cmd.import": {"zh": "批量导入心愿", "en": "Import wishes from a file"},
    "cmd.export": {"zh": "导出统计表", "en": "Export the claim sheet"},
    "cmd.stats": {"zh": "数据概览", "en": "Figures"},
    "cmd.myrecord": {"zh": "我的服务记录", "en": "My service record"},
    "cmd.branchreport": {"zh": "支部服务报告", "en": "Branch service report"},
    "cmd.forget": {"zh": "删除受助人个人信息", "en": "Erase a beneficiary's data"},
}
