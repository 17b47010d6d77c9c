"""The demo's people and wishes: plain data, made up, in the shape real programs have.

Names, phones and addresses are invented. User ids and group chat ids sit in ranges of their
own, so a demo database is recognisable (bot/demo/world.py) and never mistaken for a real one.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.models import Category

COMMUNITY = "阳光社区（演示）"
BRANCHES = ("第一支部", "第二支部", "机关支部")
GROUP_BASE = -1_008_000_000_000  # group chats are GROUP_BASE - 1, - 2, ...
COORDINATOR_BASE = 8_100_000  # coordinators are 8100001, ...
MEMBER_BASE = 8_200_000  # members are 8200001, ...

COORDINATORS = (("李秀兰", "zh"), ("Zhang Min", "en"))

# Members by branch, ten each; a few speak English in Telegram.
MEMBERS = (
    ("王建国", "zh"),
    ("刘芳", "zh"),
    ("陈晓东", "zh"),
    ("杨丽", "zh"),
    ("赵磊", "zh"),
    ("黄海燕", "zh"),
    ("周强", "zh"),
    ("吴静", "zh"),
    ("徐明", "en"),
    ("孙婷", "zh"),
    ("胡志刚", "zh"),
    ("朱红梅", "zh"),
    ("高峰", "zh"),
    ("林小雨", "en"),
    ("何军", "zh"),
    ("郭秀珍", "zh"),
    ("马超", "zh"),
    ("罗佳", "zh"),
    ("梁伟", "zh"),
    ("宋雪", "zh"),
    ("郑浩", "zh"),
    ("谢娟", "zh"),
    ("韩冬", "zh"),
    ("唐敏", "en"),
    ("冯涛", "zh"),
    ("于莉", "zh"),
    ("董鹏", "zh"),
    ("萧雅", "zh"),
    ("程刚", "zh"),
    ("曹琳", "zh"),
)


def coordinator_id(index: int) -> int:
    return COORDINATOR_BASE + 1 + index


def member_id(index: int) -> int:
    return MEMBER_BASE + 1 + index


def group_id(index: int) -> int:
    return GROUP_BASE - 1 - index


def is_demo_user(user_id: int) -> bool:
    return COORDINATOR_BASE < user_id <= COORDINATOR_BASE + len(
        COORDINATORS
    ) or MEMBER_BASE < user_id <= MEMBER_BASE + len(MEMBERS)


@dataclass(frozen=True)
class Item:
    category: Category
    description: str
    value_yuan: int | None  # None: a service, nothing bought


C = Category
# What surveys find: small, concrete, easy to fulfil (see shared/DOMAIN.md).
ITEMS = (
    Item(C.ELDERLY_ALONE, "电暖器一台，冬天屋里太冷", 200),
    Item(C.LEFT_BEHIND_CHILD, "新书包和一套文具", 120),
    Item(C.HARDSHIP_FAMILY, "一袋大米、一桶食用油", 150),
    Item(C.ELDERLY_ALONE, "电子血压计", 180),
    Item(C.POOR_STUDENT, "一套《十万个为什么》", 160),
    Item(C.DISABLED, "轮椅防褥疮坐垫", 220),
    Item(C.VETERAN, "冬衣和一床棉被", 300),
    Item(C.ELDERLY_ALONE, "修理漏水的厨房水龙头", None),
    Item(C.LEFT_BEHIND_CHILD, "儿童绘本十本", 100),
    Item(C.HARDSHIP_FAMILY, "电饭煲一个", 150),
    Item(C.ELDERLY_ALONE, "上门量血压、做一次健康检查", None),
    Item(C.POOR_STUDENT, "护眼台灯", 90),
    Item(C.DISABLED, "助行器（四脚拐杖）", 180),
    Item(C.ELDERLY_ALONE, "电风扇一台", 130),
    Item(C.LEFT_BEHIND_CHILD, "羽绒服一件（身高 130 厘米）", 200),
    Item(C.VETERAN, "老花镜一副", 60),
    Item(C.HARDSHIP_FAMILY, "冬季棉鞋两双", 140),
    Item(C.POOR_STUDENT, "英语词典一本", 50),
    Item(C.ELDERLY_ALONE, "换一个楼道感应灯", None),
    Item(C.OTHER, "小区楼下的花坛补种月季", 260),
    Item(C.DISABLED, "防滑浴室凳", 120),
    Item(C.LEFT_BEHIND_CHILD, "一个足球和一双球鞋", 180),
    Item(C.ELDERLY_ALONE, "保温水壶", 70),
    Item(C.HARDSHIP_FAMILY, "学生书桌一张", 280),
    Item(C.VETERAN, "陪同去医院复查一次", None),
)

SURNAMES = (
    "王李张刘陈杨黄赵周吴徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋"
    "余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛"
)
GIVEN = ("秀英", "桂兰", "建华", "玉珍", "小明", "子涵", "德福", "凤英", "志强", "淑芬", "浩然", "春梅")
STREETS = ("阳光路", "和平街", "幸福里", "建设巷", "向阳路")


def beneficiary(index: int) -> tuple[str, str, str]:
    """An invented resident: name, phone, address (one per wish, all different)."""
    name = SURNAMES[index % len(SURNAMES)] + GIVEN[(index * 7) % len(GIVEN)]
    phone = f"139{(index * 7919 + 1234567) % 100_000_000:08d}"
    room = (index % 5 + 1) * 100 + index % 4 + 1
    address = f"{STREETS[index % len(STREETS)]} {index % 40 + 1} 号 {index % 6 + 1} 单元 {room} 室"
    return name, phone, address


# What became of each week's wishes, oldest week first (see world.Fate). Older weeks are mostly
# fulfilled; the last weeks hold what is still on the wall and what is still being delivered.
WEEKS = (
    "F F F F R RF",
    "F F F F C DF",
    "F F F F XF F",
    "F F F O F F",
    "F F F F F J",
    "F F O F R F",
    "F F F A U F",
    "F A K U U JP U",
    "K U U U A F U",
    "P P V U U J0 U",
)

RELEASE_REASONS = ("单位临时派我出差，送不了了，抱歉", "家里有事，这周去不了")
DISPUTE_REASON = "送达照片看不清，请补充说明"
CANCEL_REASON = "受助人已搬离本社区"
REJECT_REASON = "与上月的心愿重复"
DELIVERY_NOTES = (
    "已送到，老人很高兴，还拉着聊了半天",
    "和社区工作人员一起送去的，孩子当场试了",
    "已上门安装好，教会了使用方法",
    None,
)
