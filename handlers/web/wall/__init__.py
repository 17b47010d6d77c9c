"""The wish wall's JSON API (/wall/api/...), what the Mini App's page calls.

Every request carries `Authorization: tma <Telegram.WebApp.initData>` (else 401). Answers are
`{"ok": true, ...}` or `{"ok": false, "error": code, "message": text}` (codes in common.py);
texts and labels are in the language of the initData's user. A card is the group card as data:
`{id, code, masked_name, category, category_label, description, value_yuan, due_date, branch,
joint: {have, need} | null, status, status_label}`.

GET  me                        {user: {id, name, lang}, member: {community_id, community, branch,
                               status} | null, coordinates: [{id, name}], admin}
GET  wishes?category=&branch=&min_value=&max_value=&due_within=&sort=due|new&q=&limit=&offset=
                               {total, wishes: [card], categories: [{key, label}], branches: [{id, name}]}
POST wishes/{code}/claim       {wish: card, message}; 409 taken | cap | already_yours | wrong_state
GET  mine                      {wishes: [card + {details: {name, phone, address}, delivery_note,
                               extend: {earliest, latest} | null, hours_default | null}],
                               release_reasons: [{key, label}] (the chat's choices),
                               record: {start, end, wishes, hours, points, claimed, in_progress,
                               overdue, summary} | null (the half year's, as /myrecord)}
POST wishes/{code}/release     JSON {kind?: unreachable|no_time|changed|other, reason?} (other
                               needs a reason; a reason alone is other) -> {wish: card, message}
POST wishes/{code}/extend      JSON {date: YYYY-MM-DD}   -> {wish: card, message}
POST wishes/{code}/deliver     multipart note?, photo? (JPEG/PNG, <= 5 MB), hours? (service hours,
                               "2.5"; default: the community's) -> {wish: card, message, hours}
GET  dashboard?community=      coordinators: {community, today, counts, this_week, weeks (8, each
                               with branches), formula, overdue: [dcard + {holders, days_late}],
                               pending: [dcard + {own, repeat}], four_eyes, verified: [dcard],
                               post_branches: [{id, name}]}; dcard = card + {details: {name,
                               phone, address} | null}, details as the chat's /wish shows them
Coordinators of the wish's community (403 for anyone else), each as the chat's own service:
POST wishes/{code}/verify      {}                        -> {wish: card, message} (403: four eyes)
POST wishes/{code}/reject      JSON {reason}             -> {wish: card, message}
POST wishes/{code}/post        JSON {branch?}            -> {wish: card, message} (all groups, or a branch's)
POST wishes/{code}/keep-chasing {}                       -> {wish: card, message}
POST wishes/{code}/reassign    JSON {member?, date?}     -> {wish: card, message} (no member: back to open)
GET  members?community=        {members: [{id, name, branch, held}]} (active ones, to reassign to)
GET  balance?community=        {community, total, shares: [{branch_id, name, members, count, codes}], plan}
POST balance                   JSON {community, plan}    -> {posted, skipped, message} (409: plan changed)
GET  claim-sheet?community=&public=0|1&period=2026|2026H1|YYYY-MM-DD -> the .xlsx (attachment)
"""

from __future__ import annotations

from aiohttp import web

from bot.core import Core
from handlers.web.wall import coordinators, coordinators_actions, coordinators_desk, members
from handlers.web.wall.common import CORE, unknown

PREFIX = "/wall/api"


def add_wall_routes(web_app: web.Application, core: Core) -> None:
    web_app[CORE] = core
    router = web_app.router
    router.add_get(f"{PREFIX}/me", members.me)
    router.add_get(f"{PREFIX}/wishes", members.wishes)
    router.add_post(f"{PREFIX}/wishes/{{code}}/claim", members.claim)
    router.add_get(f"{PREFIX}/mine", members.mine)
    router.add_post(f"{PREFIX}/wishes/{{code}}/release", members.release)
    router.add_post(f"{PREFIX}/wishes/{{code}}/extend", members.extend)
    router.add_post(f"{PREFIX}/wishes/{{code}}/deliver", members.deliver)
    router.add_get(f"{PREFIX}/dashboard", coordinators.dashboard)
    router.add_post(f"{PREFIX}/wishes/{{code}}/verify", coordinators_actions.verify)
    router.add_post(f"{PREFIX}/wishes/{{code}}/reject", coordinators_actions.reject)
    router.add_post(f"{PREFIX}/wishes/{{code}}/post", coordinators_actions.post)
    router.add_post(f"{PREFIX}/wishes/{{code}}/keep-chasing", coordinators_actions.keep_chasing)
    router.add_post(f"{PREFIX}/wishes/{{code}}/reassign", coordinators_actions.reassign)
    router.add_get(f"{PREFIX}/members", coordinators_desk.members)
    router.add_get(f"{PREFIX}/balance", coordinators_desk.balance_plan)
    router.add_post(f"{PREFIX}/balance", coordinators_desk.balance_post)
    router.add_get(f"{PREFIX}/claim-sheet", coordinators_desk.claim_sheet)
    # Last: whatever else is asked under the API gets JSON, not aiohttp's HTML page.
    router.add_route("*", f"{PREFIX}/{{tail:.*}}", unknown)
