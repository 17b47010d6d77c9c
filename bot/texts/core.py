"""Texts of the wish loop: cards, notices, errors, conversations, commands."""

from __future__ import annotations

from bot.texts.base import Entries

TEXTS: Entries = {
    # --- categories and statuses -------------------------------------------------------
    "cat.elderly_alone": {"zh": "独居老人", "en": "elderly living alone"},
    "cat.left_behind_child": {"zh": "留守儿童", "en": "left-behind child"},
    "cat.disabled": {"zh": "残疾人", "en": "disabled"},
    "cat.veteran": {"zh": "退役军人", "en": "veteran"},
    "cat.hardship_family": {"zh": "困难家庭", "en": "hardship family"},
    "cat.poor_student": {"zh": "困难学生", "en": "poor student"},
    "cat.other": {"zh": "其他", "en": "other"},
    "status.pending": {"zh": "待核查", "en": "awaiting verification"},
    "status.verified": {"zh": "已核查，待发布", "en": "verified, not yet posted"},
    "status.open": {"zh": "待认领", "en": "open for claiming"},
    "status.claimed": {"zh": "已认领", "en": "claimed"},
    "status.delivered": {"zh": "已送达，待确认", "en": "delivered, awaiting confirmation"},
    "status.fulfilled": {"zh": "已圆梦", "en": "fulfilled"},
    "status.rejected": {"zh": "未通过核查", "en": "rejected"},
    "status.cancelled": {"zh": "已取消", "en": "cancelled"},
    # --- buttons ------------------------------------------------------------------------
    "btn.claim": {"zh": "🙋 认领", "en": "🙋 Claim"},
    "btn.release": {"zh": "↩️ 放弃认领", "en": "↩️ Release"},
    "btn.deliver": {"zh": "✅ 已送达", "en": "✅ Mark delivered"},
    "btn.confirm": {"zh": "✔️ 确认圆梦", "en": "✔️ Confirm"},
    "btn.dispute": {"zh": "❗ 有疑问", "en": "❗ Dispute"},
    "btn.verify": {"zh": "✔️ 核查通过", "en": "✔️ Verify"},
    "btn.reject": {"zh": "✖️ 驳回", "en": "✖️ Reject"},
    "btn.post": {"zh": "📣 发布到群", "en": "📣 Post"},
    "btn.reopen": {"zh": "🔁 重新开放认领", "en": "🔁 Reopen"},
    "btn.skip": {"zh": "跳过", "en": "Skip"},
    "btn.submit": {"zh": "提交", "en": "Submit"},
    "btn.cancel": {"zh": "取消", "en": "Cancel"},
    "btn.due_7": {"zh": "7 天", "en": "7 days"},
    "btn.due_14": {"zh": "14 天", "en": "14 days"},
    "btn.due_30": {"zh": "30 天", "en": "30 days"},
    "btn.open_bot": {"zh": "打开机器人", "en": "Open the bot"},
    # --- cards --------------------------------------------------------------------------
    "card.title": {"zh": "🎁 微心愿 {code}", "en": "🎁 Wish {code}"},
    "card.beneficiary": {"zh": "受助人：{masked} · {category}", "en": "For: {masked} · {category}"},
    "card.wish": {"zh": "心愿：{description}", "en": "Wish: {description}"},
    "card.value": {"zh": "价值：约 {value} 元", "en": "Value: about ¥{value}"},
    "card.due": {"zh": "截止：{due}", "en": "Due: {due}"},
    "card.status": {"zh": "状态：{status}", "en": "Status: {status}"},
    "card.status_held": {"zh": "状态：{status} · {holder}", "en": "Status: {status} · {holder}"},
    "card.full_name": {"zh": "姓名：{name}", "en": "Name: {name}"},
    "card.phone": {"zh": "电话：{phone}", "en": "Phone: {phone}"},
    "card.address": {"zh": "地址：{address}", "en": "Address: {address}"},
    "card.category": {"zh": "类别：{category}", "en": "Category: {category}"},
    "card.reason": {"zh": "原因：{reason}", "en": "Reason: {reason}"},
    "card.photo_attached": {"zh": "（附照片）", "en": "(photo attached)"},
    "card.delivery_note": {"zh": "送达说明：{note}", "en": "Delivery note: {note}"},
    "card.holder": {"zh": "认领人：{holder}", "en": "Claimed by: {holder}"},
    # --- notices caused by changes (sent through the outbox) ------------------------------
    "notice.claimed_details": {
        "zh": "谢谢你认领 {code}！以下是送达信息，仅你可见，请妥善保管：",
        "en": "Thank you for claiming {code}! Delivery details, for you only — keep them safe:",
    },
    "notice.claimed_footer": {
        "zh": "送达后请点“已送达”。如不能完成，请点“放弃认领”，让其他人认领。",
        "en": "Tap “Mark delivered” once it is done. If you cannot do it, tap “Release” so someone else can.",
    },
    "notice.new_pending": {
        "zh": "新的微心愿 {code} 待核查（{category}：{description}）。发送 /pending 查看。",
        "en": "New wish {code} awaits verification ({category}: {description}). Send /pending.",
    },
    "notice.rejected": {
        "zh": "你录入的微心愿 {code} 未通过核查。原因：{reason}",
        "en": "Wish {code} that you entered was rejected. Reason: {reason}",
    },
    "notice.delivered": {
        "zh": "{holder} 报告已送达 {code}（{description}）。请确认：",
        "en": "{holder} reports {code} ({description}) delivered. Please confirm:",
    },
    "notice.fulfilled_thanks": {
        "zh": "🎉 {code} 已确认圆梦。谢谢你的爱心！",
        "en": "🎉 {code} is confirmed fulfilled. Thank you for your kindness!",
    },
    "notice.disputed": {
        "zh": "社区工作人员暂未确认 {code} 已送达，请与其联系。原因：{reason}",
        "en": "A coordinator could not confirm that {code} was delivered; please get in touch. "
        "Reason: {reason}",
    },
    "notice.released_by_coordinator": {
        "zh": "社区工作人员已将 {code} 放回待认领，你不再持有它。",
        "en": "A coordinator put {code} back to open; you no longer hold it.",
    },
    "notice.released_to_coordinators": {
        "zh": "{holder} 放弃了 {code}，它已重新开放认领。",
        "en": "{holder} released {code}; it is open for claiming again.",
    },
    "notice.unreachable": {
        "zh": "⚠️ 无法给 {name} 发消息（对方已屏蔽或从未打开机器人）。相关心愿：{codes}",
        "en": "⚠️ Cannot message {name} (they blocked the bot or never opened it). Their wishes: {codes}",
    },
    "notice.group_lost": {
        "zh": "⚠️ 机器人已不在群“{title}”中，该群的发布已停止。",
        "en": "⚠️ The bot is no longer in the group “{title}”; posting there has stopped.",
    },
    "notice.none": {"zh": "无", "en": "none"},
    "notice.removed_holder_delivered": {
        "zh": "{holder} 已被移出，但此前报告已送达 {code}（{description}）。"
        "请核实后确认圆梦，或重新开放认领。",
        "en": "{holder} was removed but had reported {code} ({description}) delivered. Check with the "
        "beneficiary, then confirm it or reopen it for someone else.",
    },
    "notice.details_coming": {
        "zh": "🔒 正在载入 {code} 的送达信息……",
        "en": "🔒 Loading the delivery details for {code}…",
    },
    "notice.details_removed": {
        "zh": "🔒 {code} 的受助人信息已隐藏：你已不再认领这个心愿。",
        "en": "🔒 The beneficiary's details for {code} were removed: you no longer hold this wish.",
    },
    "err.no_community": {"zh": "找不到这个社区。", "en": "No such community."},
    "err.four_eyes": {
        "zh": "本社区要求双人核查：录入人不能核查自己录入的心愿。",
        "en": "This community requires a second person: you cannot verify a wish you entered.",
    },
    "err.already_yours": {"zh": "{code} 已经在你名下了。", "en": "You already hold {code}."},
    "err.cap": {
        "zh": "你已认领 {cap} 个心愿（{codes}），请先完成再认领新的。",
        "en": "You already hold {cap} wishes ({codes}); please finish one before claiming another.",
    },
    "err.admins_only": {"zh": "只有超级管理员可以这样做。", "en": "Only super-admins can do that."},
    "err.other_community": {
        "zh": "这不属于你所在的社区。",
        "en": "That belongs to a community you are not part of.",
    },
    "err.no_membership": {
        "zh": "你还没有加入任何支部。请使用社区工作人员发的邀请链接，或等待加入申请通过。",
        "en": "You have not joined a branch yet. Use an invite link from a coordinator, or wait "
        "for your join request to be approved.",
    },
    "err.suspended": {
        "zh": "你的成员资格已暂停，请联系社区工作人员。",
        "en": "Your membership is suspended; please contact a coordinator.",
    },
    "val.value_cap": {
        "zh": "本社区每个心愿的价值上限为 {max} 元。",
        "en": "This community caps a wish's value at ¥{max}.",
    },
    "val.joint_range": {
        "zh": "需要的人数应在 1 到 {max} 之间。",
        "en": "The number of members must be between 1 and {max}.",
    },
    # --- errors -------------------------------------------------------------------------
    "err.generic": {"zh": "出了点问题，请稍后再试。", "en": "Something went wrong. Please try again."},
    "err.not_found": {"zh": "找不到心愿 {code}。", "en": "No wish {code} found."},
    "err.not_allowed": {"zh": "你没有权限这样做。", "en": "You are not allowed to do that."},
    "err.coordinators_only": {
        "zh": "只有社区工作人员可以这样做。",
        "en": "Only coordinators can do that.",
    },
    "err.wrong_state": {
        "zh": "{code} 当前状态为“{status}”，不能这样操作。",
        "en": "{code} is {status}; that action does not apply now.",
    },
    "err.taken": {"zh": "手慢了，{code} 已被认领。", "en": "Sorry, {code} is already taken."},
    "err.not_holder": {
        "zh": "{code} 不在你的名下。",
        "en": "You do not hold {code}.",
    },
    "err.register_first": {
        "zh": "请先私聊机器人，发送 /start 登记姓名，再来认领。",
        "en": "Please open the bot and send /start to register first, then claim.",
    },
    "err.stale_button": {
        "zh": "这个按钮已失效。",
        "en": "This button is no longer valid.",
    },
    "err.private_only": {
        "zh": "请在与机器人的私聊中使用这个命令。",
        "en": "Please use this command in a private chat with the bot.",
    },
    "err.group_only": {"zh": "请在群里使用这个命令。", "en": "Please use this command in a group."},
    "arg.whole_range": {
        "zh": "请写 {low} 到 {high} 之间的整数。",
        "en": "Please give a whole number from {low} to {high}.",
    },
    "arg.user_id": {
        "zh": "请写对方的 Telegram 数字 ID，例如 123456789（/members 列出了每个人的 ID）。",
        "en": "Please give the person's numeric Telegram id, e.g. 123456789 (/members lists them).",
    },
    "arg.year_range": {
        "zh": "年份应在 {low} 到 {high} 之间。",
        "en": "The year must be from {low} to {high}.",
    },
    "err.wrong_chat": {
        "zh": "{code} 没有发布在这个群里，不能在这里认领。",
        "en": "{code} was not posted in this group; it cannot be claimed here.",
    },
    "err.anonymous": {
        "zh": "匿名管理员或频道身份无法使用机器人，请以个人身份发送。",
        "en": "The bot can't tell who you are when you write as the group or a channel; "
        "please write as yourself.",
    },
    "err.no_groups": {
        "zh": "还没有绑定的群。请先在群里发送 /bind。",
        "en": "No group is bound yet. Send /bind in a group first.",
    },
    "err.bad_code": {
        "zh": "请写明心愿编号，例如：{example}",
        "en": "Please give a wish code, e.g. {example}",
    },
    # --- input validation ---------------------------------------------------------------
    "val.empty": {"zh": "不能为空，请重新输入。", "en": "This cannot be empty. Please try again."},
    "val.too_long": {
        "zh": "太长了（最多 {max} 个字），请重新输入。",
        "en": "Too long (at most {max} characters). Please try again.",
    },
    "val.phone": {
        "zh": "电话号码格式不对（例如 13800138000 或 010-12345678），请重新输入。",
        "en": "That phone number looks wrong (e.g. 13800138000 or 010-12345678). Please try again.",
    },
    "val.value": {
        "zh": "请输入金额（元），例如 200，或点“跳过”。",
        "en": "Please type an amount in yuan, e.g. 200, or tap Skip.",
    },
    "val.value_range": {
        "zh": "金额应在 0 到 {max} 元之间。",
        "en": "The amount must be between 0 and ¥{max}.",
    },
    "val.date": {
        "zh": "日期格式应为 YYYY-MM-DD，例如 {example}。",
        "en": "Dates look like YYYY-MM-DD, e.g. {example}.",
    },
    "val.date_past": {
        "zh": "截止日期不能早于今天，请重新输入。",
        "en": "The due date cannot be in the past. Please try again.",
    },
    "val.date_far": {
        "zh": "截止日期最多一年以后，请重新输入。",
        "en": "The due date can be at most a year ahead. Please try again.",
    },
    "val.photo_expected": {
        "zh": "请发送一张照片，或点“跳过”。",
        "en": "Please send a photo, or tap Skip.",
    },
    "val.use_buttons": {"zh": "请点下面的按钮选择。", "en": "Please choose with the buttons below."},
    "val.name": {
        "zh": "请输入真实姓名（2 到 30 个字）。",
        "en": "Please type your real name (2 to 30 characters).",
    },
    "val.use_buttons_or_text": {
        "zh": "这一步需要文字或按钮选择，请按提示操作；发送 /cancel 可退出。",
        "en": "This step needs text or a button choice; send /cancel to leave.",
    },
    "err.invalid": {"zh": "输入有误，请重新输入。", "en": "That input is not valid. Please try again."},
    # --- /start, /help, /cancel ---------------------------------------------------------
    "start.ask_name": {
        "zh": "欢迎使用微心愿！请告诉我你的真实姓名（用于认领登记和服务记录）：",
        "en": "Welcome to Wishwall! Please tell me your real name (for claim records and your "
        "service record):",
    },
    "start.registered": {
        "zh": "登记成功，{name}！现在你可以在群里认领微心愿了。",
        "en": "You are registered, {name}! You can now claim wishes in your group.",
    },
    "start.welcome_back": {"zh": "欢迎回来，{name}！", "en": "Welcome back, {name}!"},
    "help.member": {
        "zh": "在群里点心愿下方的“认领”即可认领。\n/mywishes 我认领的心愿\n/help 帮助\n/cancel 退出当前操作",
        "en": "Tap “Claim” under a wish in your group to claim it.\n/mywishes wishes you hold\n"
        "/help this help\n/cancel leave what you are doing",
    },
    "help.coordinator": {
        "zh": "社区工作人员：\n/newwish 录入微心愿\n/pending 待核查的心愿\n/wish W-0042 查看心愿\n"
        "/history W-0042 心愿记录\n/post W-0042 发布到群；/post 批量自动分配\n"
        "/joint W-0042 3 需多人共同完成\n"
        "/cancelwish W-0042 取消心愿\n/invite 邀请成员\n/members 成员管理\n/branch 支部\n"
        "/settings 社区设置\n/use 切换社区\n群里：/bind 绑定支部，/unbind 解除",
        "en": "Coordinators:\n/newwish enter a wish\n/pending wishes awaiting verification\n"
        "/wish W-0042 show a wish\n/history W-0042 its history\n/post W-0042 post it; /post alone: "
        "auto-balanced batch\n/joint W-0042 3 needs several members\n/cancelwish W-0042 cancel a wish\n"
        "/invite invite members\n/members manage members\n/branch branches\n/settings community settings\n"
        "/use switch community\nIn a group: /bind to a branch, /unbind",
    },
    "help.report": {
        "zh": "/report 上周周报（/report 2026-W47 指定某周）",
        "en": "/report last week's report (/report 2026-W47 for a given week)",
    },
    "help.register": {
        "zh": "还没登记？发送 /start 登记姓名后即可认领。",
        "en": "Not registered yet? Send /start and give your name to start claiming.",
    },
    "help.unknown_command": {
        "zh": "不认识这个命令。发送 /help 查看可用命令。",
        "en": "I don't know that command. Send /help to see what I can do.",
    },
    "help.not_understood": {
        "zh": "没看懂。发送 /help 查看可用命令。",
        "en": "I didn't understand that. Send /help to see what I can do.",
    },
    "conv.cancelled": {"zh": "已取消。", "en": "Cancelled."},
    # --- /newwish -----------------------------------------------------------------------
    "newwish.intro": {
        "zh": "录入新的微心愿。随时发送 /cancel 退出，提交前不会保存。",
        "en": "New wish. Send /cancel at any time; nothing is saved until you submit.",
    },
    "newwish.ask_name": {"zh": "1/8 受助人姓名：", "en": "1/8 Beneficiary's full name:"},
    "newwish.ask_phone": {"zh": "2/8 联系电话：", "en": "2/8 Contact phone:"},
    "newwish.ask_address": {"zh": "3/8 住址：", "en": "3/8 Address:"},
    "newwish.ask_category": {"zh": "4/8 类别：", "en": "4/8 Category:"},
    "newwish.ask_wish": {
        "zh": "5/8 心愿内容（例如：电暖器一台）：",
        "en": "5/8 The wish (e.g. an electric heater):",
    },
    "newwish.ask_value": {
        "zh": "6/8 估计价值（元），或跳过：",
        "en": "6/8 Estimated value in yuan, or Skip:",
    },
    "newwish.ask_due": {
        "zh": "7/8 截止日期：选一个，或输入 YYYY-MM-DD：",
        "en": "7/8 Due date: choose one, or type YYYY-MM-DD:",
    },
    "newwish.ask_photo": {"zh": "8/8 照片（可选），或跳过：", "en": "8/8 A photo (optional), or Skip:"},
    "newwish.ask_confirm": {"zh": "请确认：", "en": "Please confirm:"},
    "newwish.summary": {"zh": "请核对后提交：", "en": "Please check, then submit:"},
    "newwish.incomplete": {
        "zh": "草稿不完整，我们从头再来一遍。",
        "en": "The draft is incomplete; let's start again from the first step.",
    },
    "newwish.saved_short": {"zh": "已保存 {code}", "en": "Saved {code}"},
    "newwish.saved": {
        "zh": "已保存为 {code}，状态：待核查。核查通过后即可发布到群。",
        "en": "Saved as {code}, awaiting verification. Once verified it can be posted.",
    },
    # --- review -------------------------------------------------------------------------
    "review.none_pending": {"zh": "没有待核查的心愿。", "en": "No wishes await verification."},
    "review.pending_header": {
        "zh": "待核查的心愿：{count} 个",
        "en": "Wishes awaiting verification: {count}",
    },
    "review.verified": {"zh": "{code} 核查通过", "en": "{code} verified"},
    "review.posted": {"zh": "{code} 已发布到群", "en": "{code} posted to the groups"},
    "review.confirmed": {"zh": "{code} 已确认圆梦", "en": "{code} confirmed fulfilled"},
    "review.reopened": {"zh": "{code} 已重新开放认领", "en": "{code} is open for claiming again"},
    "review.ask_reason_reject": {
        "zh": "请输入驳回 {code} 的原因（发送 /cancel 放弃）：",
        "en": "Why is {code} rejected? (send /cancel to stop)",
    },
    "review.ask_reason_dispute": {
        "zh": "请说明对 {code} 送达的疑问，会转告认领人（发送 /cancel 放弃）：",
        "en": "What is wrong with the delivery of {code}? The holder will be told (send /cancel to stop)",
    },
    "review.ask_reason_cancel": {
        "zh": "请输入取消 {code} 的原因（发送 /cancel 放弃）：",
        "en": "Why is {code} cancelled? (send /cancel to stop)",
    },
    "review.done_reject": {"zh": "{code} 已驳回。", "en": "{code} rejected."},
    "review.done_dispute": {
        "zh": "{code} 已退回认领人，等待重新送达。",
        "en": "{code} went back to its holder to deliver again.",
    },
    "review.done_cancel": {"zh": "{code} 已取消。", "en": "{code} cancelled."},
    # --- claims -------------------------------------------------------------------------
    "claims.claimed": {
        "zh": "认领成功 {code}！送达信息已私信发给你。",
        "en": "You claimed {code}! The delivery details are in your private chat with me.",
    },
    "claims.released": {"zh": "已放弃 {code}", "en": "Released {code}"},
    "claims.released_long": {
        "zh": "你已放弃 {code}，它已重新开放认领。谢谢告知！",
        "en": "You released {code}; it is open for claiming again. Thanks for letting us know!",
    },
    "claims.none_held": {"zh": "你目前没有认领的心愿。", "en": "You hold no wishes right now."},
    "claims.held_header": {"zh": "你认领的心愿：{count} 个", "en": "Wishes you hold: {count}"},
    # --- delivery -----------------------------------------------------------------------
    "delivery.ask_proof": {
        "zh": "{code}：可以发一张送达照片或一句说明（照片可带文字），也可以跳过：",
        "en": "{code}: send a delivery photo or a short note (a photo may carry a caption), or Skip:",
    },
    "delivery.proof_expected": {
        "zh": "请发送照片或文字，或点“跳过”。",
        "en": "Please send a photo or a note, or tap Skip.",
    },
    "delivery.reported": {
        "zh": "已报告送达 {code}，等待社区工作人员确认。谢谢！",
        "en": "Delivery of {code} reported; a coordinator will confirm. Thank you!",
    },
    # --- groups -------------------------------------------------------------------------
    "groups.bound": {
        "zh": "本群已绑定，核查通过的微心愿将发布到这里。",
        "en": "This group is bound: verified wishes will be posted here.",
    },
    "groups.unbound": {"zh": "本群已解除绑定。", "en": "This group is no longer bound."},
    "groups.not_bound": {"zh": "本群尚未绑定。", "en": "This group is not bound."},
    # --- command menu -------------------------------------------------------------------
    "cmd.newwish": {"zh": "录入微心愿", "en": "Enter a wish"},
    "cmd.pending": {"zh": "待核查的心愿", "en": "Wishes awaiting verification"},
    "cmd.mywishes": {"zh": "我认领的心愿", "en": "Wishes I hold"},
    "cmd.wish": {"zh": "查看心愿", "en": "Show a wish"},
    "cmd.cancelwish": {"zh": "取消心愿", "en": "Cancel a wish"},
    "cmd.post": {"zh": "发布心愿到群", "en": "Post a wish to the groups"},
    "cmd.help": {"zh": "帮助", "en": "Help"},
    "cmd.cancel": {"zh": "退出当前操作", "en": "Leave what you are doing"},
    "cmd.bind": {"zh": "绑定本群", "en": "Post wishes in this group"},
    "cmd.start": {"zh": "开始 / 登记", "en": "Start / register"},
    "cmd.joint": {"zh": "设为多人认领", "en": "Make a wish a joint claim"},
    "cmd.suspend": {"zh": "暂停成员", "en": "Suspend a member"},
    "cmd.reinstate": {"zh": "恢复成员", "en": "Reinstate a member"},
    "cmd.removemember": {"zh": "移除成员", "en": "Remove a member"},
    "cmd.use": {"zh": "切换社区", "en": "Switch community"},
    "cmd.set": {"zh": "修改社区设置", "en": "Change a community setting"},
    "cmd.coordinator": {"zh": "任免社区工作人员（超级管理员）", "en": "Appoint coordinators (super-admins)"},
    "cmd.unbind": {"zh": "解除绑定", "en": "Stop posting in this group"},
}
