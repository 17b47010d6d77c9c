"""Texts for communities, branches, coordinators, onboarding, members, batch posting, joint wishes."""

from __future__ import annotations

from bot.texts.base import Entries

TEXTS: Entries = {
    # --- onboarding -----------------------------------------------------------------------
    "org.invite_invalid": {
        "zh": "这个邀请链接无效。请向社区工作人员索取新的链接。",
        "en": "This invite link is not valid. Please ask your coordinator for a new one.",
    },
    "org.invite_expired": {
        "zh": "这个邀请链接已过期。请向社区工作人员索取新的链接。",
        "en": "This invite link has expired. Please ask your coordinator for a new one.",
    },
    "org.invite_used_up": {
        "zh": "这个邀请链接的名额已用完。请向社区工作人员索取新的链接。",
        "en": "This invite link has been used up. Please ask your coordinator for a new one.",
    },
    "org.ask_phone": {
        "zh": "本社区需要登记手机号。请点下方按钮分享你的手机号（只有社区工作人员能看到）：",
        "en": "This community asks for your phone number. Tap the button below to share it "
        "(only coordinators see it):",
    },
    "org.phone_button": {"zh": "📱 分享我的手机号", "en": "📱 Share my phone number"},
    "org.phone_not_yours": {
        "zh": "请分享你自己的手机号（点下方按钮）。",
        "en": "Please share your own number (tap the button below).",
    },
    "org.phone_required": {
        "zh": "加入本社区需要先分享手机号。",
        "en": "This community needs your phone number before you can join.",
    },
    "org.joined": {
        "zh": "欢迎加入 {community} · {branch}！现在可以在支部群里认领微心愿了。",
        "en": "Welcome to {community} · {branch}! You can now claim wishes in your branch's group.",
    },
    "org.choose_community": {
        "zh": "你想加入哪个社区？选择后，社区工作人员会审核你的申请。",
        "en": "Which community would you like to join? A coordinator will review your request.",
    },
    "org.request_filed": {
        "zh": "已提交加入申请，社区工作人员审核后会通知你。",
        "en": "Your request to join was sent; you will hear back once a coordinator has decided.",
    },
    "org.request_pending": {
        "zh": "你的加入申请正在审核中，请耐心等待。",
        "en": "Your request to join is waiting for a coordinator. Thank you for your patience.",
    },
    "org.request_exists": {
        "zh": "你已经提交过加入申请，正在审核中。",
        "en": "You already have a request waiting for a coordinator.",
    },
    "org.request_card": {
        "zh": "加入申请：{name}（Telegram ID {user_id}）",
        "en": "Request to join: {name} (Telegram id {user_id})",
    },
    "org.choose_branch": {"zh": "请选择加入哪个支部：", "en": "Choose the branch:"},
    "org.request_gone": {"zh": "找不到这个申请。", "en": "That request no longer exists."},
    "org.request_decided": {
        "zh": "这个申请已经处理过了。",
        "en": "That request has already been decided.",
    },
    "org.request_approved": {
        "zh": "你的加入申请已通过，已加入 {branch}。现在可以认领微心愿了！",
        "en": "Your request was approved: you are in {branch}. You can claim wishes now!",
    },
    "org.request_declined": {
        "zh": "很抱歉，你的加入申请未通过。如有疑问请联系社区工作人员。",
        "en": "Sorry, your request to join was declined. Please contact a coordinator with questions.",
    },
    "org.approved": {"zh": "已批准 {name} 加入。", "en": "{name} was approved."},
    "org.declined": {"zh": "已拒绝 {name} 的申请。", "en": "{name}'s request was declined."},
    "btn.approve": {"zh": "✔️ 批准", "en": "✔️ Approve"},
    "btn.approve_into": {"zh": "✔️ 批准加入 {branch}", "en": "✔️ Approve into {branch}"},
    "btn.decline": {"zh": "✖️ 拒绝", "en": "✖️ Decline"},
    "help.no_branch": {
        "zh": "你还没有加入支部：请使用社区工作人员发的邀请链接，或等待加入申请通过。",
        "en": "You are not in a branch yet: use an invite link from a coordinator, or wait for your "
        "request to be approved.",
    },
    "help.admin": {
        "zh": "超级管理员：\n/community 社区列表\n/community add 名称 新建社区\n"
        "/coordinator add 社区 用户ID 任命工作人员\n/coordinator remove 社区 用户ID 撤销",
        "en": "Super-admins:\n/community list communities\n/community add NAME create one\n"
        "/coordinator add COMMUNITY USER_ID appoint a coordinator\n/coordinator remove COMMUNITY USER_ID",
    },
    # --- communities, coordinators, branches, settings ------------------------------------------
    "org.community_created": {
        "zh": "已创建社区“{name}”（编号 {id}）。下一步：/coordinator add {name} 用户ID，"
        "然后由工作人员 /branch add 支部名。",
        "en": "Community “{name}” created (id {id}). Next: /coordinator add {name} USER_ID, then the "
        "coordinator adds branches with /branch add NAME.",
    },
    "org.community_line": {
        "zh": "{id}. {name} · {branches} 个支部 · {coordinators} 名工作人员",
        "en": "{id}. {name} · {branches} branches · {coordinators} coordinators",
    },
    "org.no_communities": {"zh": "还没有社区。", "en": "No communities yet."},
    "err.community_exists": {"zh": "已有名为“{name}”的社区。", "en": "A community named “{name}” exists."},
    "org.appointed": {
        "zh": "你已被任命为“{community}”的社区工作人员。发送 /help 查看可用命令。",
        "en": "You are now a coordinator of “{community}”. Send /help to see what you can do.",
    },
    "org.coordinator_added": {
        "zh": "已任命 {user_id} 为“{community}”的工作人员。",
        "en": "{user_id} is now a coordinator of “{community}”.",
    },
    "org.coordinator_exists": {
        "zh": "{user_id} 已经是“{community}”的工作人员。",
        "en": "{user_id} already coordinates “{community}”.",
    },
    "org.coordinator_removed": {
        "zh": "已撤销 {user_id} 在“{community}”的工作人员身份。",
        "en": "{user_id} no longer coordinates “{community}”.",
    },
    "org.coordinator_not_found": {
        "zh": "{user_id} 不是“{community}”的工作人员。",
        "en": "{user_id} does not coordinate “{community}”.",
    },
    "org.branch_added": {"zh": "已添加支部“{name}”。", "en": "Branch “{name}” added."},
    "org.branch_line": {"zh": "{name} · {members} 名在册成员", "en": "{name} · {members} active members"},
    "org.no_branches": {
        "zh": "还没有支部。先用 /branch add 支部名 添加一个。",
        "en": "No branches yet. Add one with /branch add NAME.",
    },
    "err.branch_exists": {"zh": "已有名为“{name}”的支部。", "en": "A branch named “{name}” exists."},
    "err.no_branch": {"zh": "找不到这个支部。", "en": "No such branch."},
    "org.using": {"zh": "现在操作的社区：{name}", "en": "Now working in: {name}"},
    "org.using_now": {
        "zh": "当前社区：{name}。可选：{names}。切换：/use 社区名",
        "en": "Working in: {name}. Yours: {names}. Switch with /use NAME",
    },
    "org.settings_header": {
        "zh": "“{name}”的设置（时区 {tz}）：",
        "en": "Settings of “{name}” (time zone {tz}):",
    },
    "org.settings_footer": {
        "zh": "修改：/set 名称 值，例如 /set member_cap 3 或 /set value_cap_fen 300（元）",
        "en": "Change one: /set NAME VALUE, e.g. /set member_cap 3 or /set value_cap_fen 300 (yuan)",
    },
    "org.setting_changed": {"zh": "已将 {key} 设为 {value}。", "en": "{key} is now {value}."},
    "org.unknown_setting": {"zh": "没有这个设置。可用：{keys}", "en": "No such setting. Known: {keys}"},
    "org.setting_range": {
        "zh": "{key} 应为 {low} 到 {high} 之间的整数。",
        "en": "{key} must be a whole number from {low} to {high}.",
    },
    "setting.four_eyes": {"zh": "双人核查（1 开 / 0 关）", "en": "four-eyes verification (1 on / 0 off)"},
    "setting.member_cap": {"zh": "每人同时最多认领几个", "en": "wishes one member may hold at once"},
    "setting.value_cap_fen": {"zh": "每个心愿价值上限（元）", "en": "value cap per wish (yuan)"},
    "setting.require_phone": {"zh": "加入时须登记手机号", "en": "members must share a phone to join"},
    "setting.reminder_hour": {"zh": "每日提醒时间（点）", "en": "daily reminder hour"},
    "setting.escalate_after": {"zh": "催办几次后上报", "en": "reminders before escalating"},
    "setting.unclaimed_days": {"zh": "无人认领几天后提醒群", "en": "days unclaimed before nudging"},
    "setting.max_extension_days": {"zh": "最多可延期天数", "en": "longest extension (days)"},
    "setting.quiet_start": {"zh": "免打扰开始（点）", "en": "quiet hours start"},
    "setting.quiet_end": {"zh": "免打扰结束（点）", "en": "quiet hours end"},
    "setting.report_weekday": {"zh": "周报在星期几（1=周一）", "en": "weekly report day (1 = Monday)"},
    "setting.report_hour": {"zh": "周报时间（点）", "en": "weekly report hour"},
    "setting.retention_days": {
        "zh": "完成后几天删除电话和地址",
        "en": "days before phone and address are erased",
    },
    "setting.repeat_months": {"zh": "重复受助提示（月）", "en": "repeat-beneficiary window (months)"},
    "org.usage_community": {
        "zh": "用法：/community 或 /community add 名称",
        "en": "Usage: /community or /community add NAME",
    },
    "org.usage_coordinator": {
        "zh": "用法：/coordinator add 社区 用户ID，或 /coordinator remove 社区 用户ID",
        "en": "Usage: /coordinator add COMMUNITY USER_ID, or /coordinator remove COMMUNITY USER_ID",
    },
    "org.usage_branch": {
        "zh": "用法：/branch 或 /branch add 支部名",
        "en": "Usage: /branch or /branch add NAME",
    },
    "org.usage_set": {
        "zh": "用法：/set 名称 值（发送 /settings 查看）",
        "en": "Usage: /set NAME VALUE (see /settings)",
    },
    "org.usage_invite": {
        "zh": "用法：/invite，或 /invite 支部名 [有效天数] [人数]",
        "en": "Usage: /invite, or /invite BRANCH [DAYS] [USES]",
    },
    "val.invite_range": {
        "zh": "有效天数 1–90，人数 1–1000。",
        "en": "Days must be 1–90 and uses 1–1000.",
    },
    # --- invites and groups ------------------------------------------------------------------
    "org.invite_choose": {"zh": "邀请加入哪个支部？", "en": "Invite to which branch?"},
    "org.invite_link": {
        "zh": "“{branch}”的邀请链接（{expires} 前有效，最多 {uses} 人）：\n{link}\n"
        "转发给要加入的志愿者即可。",
        "en": "Invite link for “{branch}” (valid until {expires}, up to {uses} people):\n{link}\n"
        "Forward it to the volunteers who should join.",
    },
    "org.bind_choose": {
        "zh": "把本群绑定到“{community}”的哪个支部？（由社区工作人员点选）",
        "en": "Bind this group to which branch of “{community}”? (a coordinator taps)",
    },
    "groups.bound_to": {
        "zh": "本群已绑定到“{branch}”，核查通过的微心愿将发布到这里。",
        "en": "This group is bound to “{branch}”: verified wishes will be posted here.",
    },
    "groups.not_group_admin": {
        "zh": "只有本群的管理员才能绑定本群。请群主把你设为管理员后再试。",
        "en": "Only an administrator of this group can bind it. Ask the owner to make you an admin.",
    },
    "groups.bound_elsewhere": {
        "zh": "本群已绑定到另一个社区的支部，只有该社区的工作人员可以更改。",
        "en": "This group is bound to another community's branch; only that community's coordinators "
        "can change it.",
    },
    "notice.group_rebound": {
        "zh": "⚠️ 群“{title}”已被改绑到其他社区，本社区的心愿不再发布到那里。",
        "en": "⚠️ The group “{title}” was bound to another community; your wishes are no longer posted there.",
    },
    "groups.hint_unbound": {
        "zh": "本群还没有绑定支部。请社区工作人员在群里发送 /bind。",
        "en": "This group is not bound to a branch yet. A coordinator can send /bind here.",
    },
    "notice.group_moved": {
        "zh": "群“{title}”已升级为超级群，绑定已自动迁移。",
        "en": "The group “{title}” became a supergroup; its binding moved with it.",
    },
    # --- members ------------------------------------------------------------------------
    "org.members_header": {"zh": "成员（{count} 人）：", "en": "Members ({count}):"},
    "org.member_line": {
        "zh": "{name} · ID {user_id} · {branch} · {status} · 认领中 {held}",
        "en": "{name} · id {user_id} · {branch} · {status} · holding {held}",
    },
    "org.members_footer": {
        "zh": "管理：/suspend ID 暂停 · /reinstate ID 恢复 · /removemember ID 移除（其认领的心愿会重新开放）",
        "en": "Manage: /suspend ID · /reinstate ID · /removemember ID (their claims go back to open)",
    },
    "org.no_members": {
        "zh": "还没有成员。用 /invite 邀请。",
        "en": "No members yet. Invite some with /invite.",
    },
    "org.no_such_member": {"zh": "找不到这个成员。", "en": "No such member."},
    "org.usage_member_status": {
        "zh": "请写成员 ID，例如 /suspend 123456",
        "en": "Give the member's id, e.g. /suspend 123456",
    },
    "member_status.active": {"zh": "正常", "en": "active"},
    "member_status.suspended": {"zh": "已暂停", "en": "suspended"},
    "member_status.removed": {"zh": "已移除", "en": "removed"},
    "org.member_now_active": {"zh": "成员 {user_id} 已恢复。", "en": "Member {user_id} is active again."},
    "org.member_now_suspended": {"zh": "成员 {user_id} 已暂停。", "en": "Member {user_id} is suspended."},
    "org.member_now_removed": {
        "zh": "成员 {user_id} 已移除，其个人信息查看权限已收回，认领的心愿已交还社区。",
        "en": "Member {user_id} was removed: their access to beneficiaries' details is gone and the "
        "wishes they held went back to the community.",
    },
    "org.member_removed_notice": {
        "zh": "成员 {name} 已被移除。其认领的心愿已交还：{reopened}；"
        "已报告送达、等待你确认或重新开放的：{awaiting}",
        "en": "Member {name} was removed. The wishes they held went back: {reopened}; reported delivered, "
        "waiting for you to confirm or reopen: {awaiting}",
    },
    "org.member_already_active": {
        "zh": "成员 {user_id} 本来就是正常状态。",
        "en": "Member {user_id} is active already.",
    },
    "org.member_already_suspended": {
        "zh": "成员 {user_id} 已经是暂停状态。",
        "en": "Member {user_id} is suspended already.",
    },
    "org.member_already_removed": {
        "zh": "成员 {user_id} 已经被移除。",
        "en": "Member {user_id} was removed already.",
    },
    "org.you_are_active": {"zh": "你的成员资格已恢复。", "en": "Your membership is active again."},
    "org.you_are_suspended": {
        "zh": "你的成员资格已被暂停，暂时不能认领新的心愿。",
        "en": "Your membership was suspended; you cannot claim new wishes for now.",
    },
    "org.you_are_removed": {
        "zh": "你已被移出支部，你认领的心愿已交还社区。谢谢你的付出！",
        "en": "You were removed from your branch; the wishes you held went back to the community. "
        "Thank you for your help!",
    },
    # --- batch posting ---------------------------------------------------------------------
    "balance.waiting": {
        "zh": "有 {count} 个已核查的心愿等待发布。按各支部在册人数自动分配？",
        "en": "{count} verified wishes are waiting. Spread them over the branches by active members?",
    },
    "balance.nothing": {"zh": "没有等待发布的心愿。", "en": "No verified wishes are waiting."},
    "balance.no_branches": {
        "zh": "没有可发布的支部：需要绑定了群且有在册成员的支部。",
        "en": "No branch can take wishes: a branch needs a bound group and active members.",
    },
    "balance.plan_header": {"zh": "分配方案（共 {total} 个）：", "en": "Plan ({total} wishes):"},
    "balance.plan_line": {
        "zh": "{branch}（{members} 人）：{count} 个",
        "en": "{branch} ({members} members): {count}",
    },
    "balance.plan_footer": {
        "zh": "确认后发布到各支部群。",
        "en": "Confirm to post them into each branch's group.",
    },
    "balance.posting": {"zh": "正在发布…", "en": "Posting…"},
    "balance.done": {
        "zh": "已发布 {posted} 个心愿（{skipped} 个因状态变化跳过）。",
        "en": "Posted {posted} wishes ({skipped} skipped because they changed meanwhile).",
    },
    "btn.auto_balance": {"zh": "⚖️ 自动分配", "en": "⚖️ Auto-balance"},
    "btn.post_plan": {"zh": "📣 确认发布", "en": "📣 Post"},
    # --- joint wishes and history -----------------------------------------------------------
    "card.joint": {"zh": "需要 {needed} 人共同完成", "en": "Needs {needed} members together"},
    "btn.join": {"zh": "🤝 加入 ({k}/{n})", "en": "🤝 Join ({k}/{n})"},
    "claims.joined": {
        "zh": "你已加入 {code}（{k}/{n}）！送达信息已私信发给你。",
        "en": "You joined {code} ({k}/{n})! The delivery details are in your private chat with me.",
    },
    "review.joint_set": {
        "zh": "{code} 需要 {needed} 人共同完成。",
        "en": "{code} now needs {needed} members.",
    },
    "review.usage_joint": {"zh": "用法：{example}", "en": "Usage: {example}"},
    "review.history_header": {"zh": "{code} 的记录：", "en": "History of {code}:"},
    "review.system": {"zh": "系统", "en": "system"},
    # --- command menu --------------------------------------------------------------------
    "cmd.history": {"zh": "心愿记录", "en": "A wish's history"},
    "cmd.invite": {"zh": "邀请成员", "en": "Invite members"},
    "cmd.members": {"zh": "成员列表", "en": "Members"},
    "cmd.branch": {"zh": "支部", "en": "Branches"},
    "cmd.settings": {"zh": "社区设置", "en": "Community settings"},
    "cmd.community": {"zh": "社区（超级管理员）", "en": "Communities (super-admins)"},
}
