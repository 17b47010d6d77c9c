"""The demo's sign-in page (/wall/demo): choose who to be, and open the wall as them.

Telegram opens a Mini App with the user's signed initData in the URL's fragment
(#tgWebAppData=...). Here the demo plays Telegram: it signs the chosen person's initData with
the demo's own random token and opens the page the same way, so the wall's ordinary check of
every request (bot/wall/auth.py) is what lets them in. It is added to the web server only by
`wishwall demo`, which listens on loopback only (bot/demo/server.py).
"""

from __future__ import annotations

import html
import ipaddress
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlencode

import init_data_py
from aiohttp import web
from yarl import URL

from bot.demo import cast
from bot.people.policies import Actor
from bot.services import Services

PATH = "/wall/demo"
LANG_NAMES = {"zh": "中文", "en": "English"}
_TEXTS = {
    "zh": {
        "title": "心愿墙演示：选择身份",
        "intro": "这是本机上的演示，不连接 Telegram。选一个人，以他的身份打开心愿墙。",
        "coordinators": "社区工作人员（协调员）",
        "members": "党员志愿者 · {branch}",
        "holds": "手上 {n} 个心愿",
        "language": "界面语言",
    },
    "en": {
        "title": "Wish wall demo: choose who to be",
        "intro": "A demo on this computer, without Telegram. Choose a person to open the wish wall as them.",
        "coordinators": "Community workers (coordinators)",
        "members": "Members · {branch}",
        "holds": "holds {n}",
        "language": "Language",
    },
}


def is_loopback(host: str) -> bool:
    if host.strip("[]").lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _asked_for_this_computer(request: web.Request) -> None:
    """The address the browser asked for must be this computer's too: a page elsewhere whose
    name was pointed at 127.0.0.1 (DNS rebinding) would otherwise sign in as anyone."""
    try:
        host = URL(f"http://{request.host}").host or ""
    except ValueError:
        host = ""
    if not is_loopback(host):
        raise web.HTTPForbidden(text="the demo's sign-in answers on this computer's own address only")


def mint_init_data(
    token: str,
    user_id: int,
    name: str,
    lang: str,
    now: datetime,
    start_param: str | None = None,
) -> str:
    """initData as Telegram would sign it for this user opening the Mini App now."""
    user = {"id": user_id, "first_name": name, "language_code": lang, "allows_write_to_pm": True}
    pairs = [
        ("user", json.dumps(user, ensure_ascii=False, separators=(",", ":"))),
        ("chat_instance", str(secrets.randbits(62))),
        ("chat_type", "sender"),
    ]
    if start_param:
        pairs.append(("start_param", start_param))
    return init_data_py.sign(pairs, token, auth_date=now)


def launch_fragment(init_data: str, start_param: str | None = None) -> str:
    """The URL fragment Telegram opens a Mini App with (its script, or wall.js, reads it)."""
    fields = {"tgWebAppData": init_data, "tgWebAppVersion": "8.0", "tgWebAppPlatform": "demo"}
    if start_param:
        fields["tgWebAppStartParam"] = start_param
    return urlencode(fields, quote_via=quote)


@dataclass
class SignIn:
    services: Services
    token: str
    now: Callable[[], datetime]

    async def page(self, request: web.Request) -> web.Response:
        _asked_for_this_computer(request)
        lang = request.query.get("lang", "")
        lang = lang if lang in _TEXTS else self.services.settings.default_lang
        texts = _TEXTS[lang]
        start = request.query.get("startapp", "")
        suffix = f"?lang={lang}" + (f"&startapp={quote(start)}" if start else "")
        parts = [
            f"<h1>{html.escape(texts['title'])}</h1>",
            f"<p class='sub'>{html.escape(texts['intro'])}</p>",
            "<p class='langs'>"
            + " ".join(
                f"<a href='{PATH}?lang={code}' class='{'on' if code == lang else ''}'>{name}</a>"
                for code, name in LANG_NAMES.items()
            )
            + "</p>",
        ]
        for title, people in await self._people(texts):
            parts.append(f"<h3>{html.escape(title)}</h3><ul class='people'>")
            for user_id, name, note in people:
                parts.append(
                    f"<li><a href='{PATH}/as/{user_id}{suffix}' data-user='{user_id}'>"
                    f"<span>{html.escape(name)}</span><small>{html.escape(note)}</small></a></li>"
                )
            parts.append("</ul>")
        body = "\n".join(parts)
        page = (
            f"<!doctype html><html lang='{'zh-CN' if lang == 'zh' else 'en'}'><head><meta charset='utf-8'>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<title>{html.escape(texts['title'])}</title>"
            "<link rel='stylesheet' href='/wall/static/wall.css'></head>"
            f"<body><main>{body}</main></body></html>"
        )
        return web.Response(text=page, content_type="text/html", headers={"Cache-Control": "no-store"})

    async def _people(self, texts: dict[str, str]) -> list[tuple[str, list[tuple[int, str, str]]]]:
        services = self.services
        community = next(c for c in await services.communities.all() if c.name == cast.COMMUNITY)
        coordinators = await services.directory.coordinators(community.id)
        names = [(uid, await services.directory.name_of(uid), "") for uid in coordinators]
        groups: list[tuple[str, list[tuple[int, str, str]]]] = [(texts["coordinators"], names)]
        reader = Actor(user_id=0, is_admin=True)
        lines = await services.org.members(reader, community.id)
        for branch in await services.org.branches(community.id):
            people = [
                (line.membership.user_id, line.name, texts["holds"].format(n=line.held) if line.held else "")
                for line in lines
                if line.membership.branch_id == branch.id
            ]
            groups.append((texts["members"].format(branch=branch.name), people))
        return groups

    async def as_user(self, request: web.Request) -> web.Response:
        """Sign this person's initData now and open the wall with it."""
        _asked_for_this_computer(request)
        try:
            user_id = int(request.match_info["user_id"])
        except ValueError as exc:
            raise web.HTTPNotFound() from exc
        if not cast.is_demo_user(user_id):
            raise web.HTTPNotFound()
        lang = request.query.get("lang", "")
        if lang not in _TEXTS:
            lang = await self.services.directory.lang_of(user_id)
        start = request.query.get("startapp") or None
        name = await self.services.directory.name_of(user_id)
        init_data = mint_init_data(self.token, user_id, name, lang, self.now(), start)
        location = "/wall/" + (f"?startapp={quote(start)}" if start else "")
        # Not web.HTTPFound: it would normalise the URL, decoding the %26 and %3D that keep the
        # signed data one field of the fragment.
        target = f"{location}#{launch_fragment(init_data, start)}"
        return web.Response(status=302, headers={"Location": target, "Cache-Control": "no-store"})


def add_signin_routes(web_app: web.Application, signin: SignIn) -> None:
    web_app.router.add_get(PATH, signin.page)
    web_app.router.add_get(PATH + "/as/{user_id}", signin.as_user)
