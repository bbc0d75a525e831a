"""Plausible Chinese names for generated places, shops and people.

Every function takes the caller's seeded `random.Random`, so the same seed gives the
same demo data on every machine.
"""
# Village and township stems, Han and Mongolian (嘎查/苏木 are the Mongolian-area words
# for village and township, common in Tongliao's banners).
HAN_STEMS = (
    "前进", "胜利", "红旗", "新华", "团结", "东方", "太平", "永安", "福兴", "长胜", "民主",
    "和平", "兴隆", "保安", "双合", "三合", "五家子", "六家子", "四方", "丰收", "光明",
    "建国", "向阳", "东升", "西岗", "南屯", "北窑", "大林", "小街", "育新", "余粮堡",
    "木里图", "清河", "莫力庙", "庆和", "钱家店", "门达", "丰田", "白兴吐", "河西", "敖力布皋",
    "兴源", "新立", "德胜", "吉祥", "富裕", "联合", "公营子", "二龙", "青龙山", "八仙筒",
    "义隆永", "东明", "黄花塔拉", "双胜", "腰林", "甘旗卡", "金宝屯", "朝鲁吐", "查日苏",
)
MONGOLIAN_STEMS = (
    "巴彦", "乌兰", "宝力根", "查干", "额尔敦", "白音", "阿拉坦", "哈日", "乌力吉", "那仁",
    "巴音", "塔拉", "敖包", "呼和", "格日勒", "希日", "珠日河", "舍伯吐", "花吐古拉", "架玛吐",
    "巴彦塔拉", "海鲁吐", "好力保", "阿古拉", "努古斯台", "巴雅尔吐", "协代", "胡力海",
)
VILLAGE_TAILS = ("", "", "", "东", "西", "南", "北", "前", "后", "新", "中")
SURNAMES = (
    "王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "马", "朱", "胡",
    "郭", "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹",
    "包", "白", "宝", "那", "吴", "佟", "于", "董", "潘", "田",
)
GIVEN = (
    "桂兰", "秀英", "玉梅", "淑华", "建国", "国庆", "志强", "海燕", "春花", "丽娟", "文军",
    "金山", "宝山", "满都拉", "其木格", "乌云", "斯琴", "巴特尔", "额尔德木", "晓东", "红梅",
    "永福", "凤琴", "立新", "春生", "秀兰", "德胜", "玉珍", "海军", "艳华", "福林", "金花",
)
SHOP_KINDS = ("副食商店", "超市", "农资店", "便民超市", "日杂店", "百货商店", "食杂店")
STREETS = ("中心街", "村委会东", "主街", "文化广场西", "学校南", "供销社旁", "东街", "西街")
MOBILE_PREFIXES = ("139", "138", "135", "150", "151", "158", "187", "133", "153", "189", "131")


def village(rng, mongolian_share=0.3) -> str:
    if rng.random() < mongolian_share:
        return rng.choice(MONGOLIAN_STEMS) + rng.choice(("", "", "图", "台", "浩特")) + "嘎查"
    return rng.choice(HAN_STEMS) + rng.choice(VILLAGE_TAILS) + "村"


def township(rng, mongolian_share=0.3) -> str:
    if rng.random() < mongolian_share:
        return rng.choice(MONGOLIAN_STEMS) + "苏木"
    return rng.choice(HAN_STEMS) + rng.choice(("镇", "镇", "乡"))


def unique(make, used: set, tries=20) -> str:
    """A name from `make()` not yet in `used` (two villages of one township, or two
    townships of one county, do not share a name); numbered when stems run out."""
    for _ in range(tries):
        name = make()
        if name not in used:
            break
    else:
        base, n = name, 2
        while name in used:
            name, n = f"{base[:-1]}{n}{base[-1]}", n + 1
    used.add(name)
    return name


def person(rng) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def mobile(rng) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def shop(rng, village_name: str, keeper: str) -> str:
    """e.g. 前进村老王副食商店, 巴彦嘎查宝力超市."""
    owner = rng.choice(("老", "小")) + keeper[0] if rng.random() < 0.5 else keeper[1:]
    return village_name + owner + rng.choice(SHOP_KINDS)


def licence(rng, county_code: str) -> str:
    """An 18-character unified social credit code for an individual business (92...)."""
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    body = "".join(rng.choice(alphabet) for _ in range(7))
    return f"92{county_code}MA{body}{rng.choice(alphabet)}"


def address(rng, county: str, township_name: str, village_name: str) -> str:
    return f"{county}{township_name}{village_name}{rng.choice(STREETS)}{rng.randint(1, 120)}号"
