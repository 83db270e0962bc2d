"""Resident ID numbers (居民身份证号, GB 11643): normalisation and validation.

18 characters: 6-digit region, 8-digit birth date, 3-digit sequence (odd = male), ISO 7064 MOD 11-2 check.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
PROVINCE_PREFIXES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
    ]
)
_FULLWIDTH = str.maketrans("０１２３４５６７８９ＸｘxＸ", "0123456789XXXX")


class IdNumberError(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


@dataclass(frozen=True)
class IdNumber:
    value: str
    birth_date: date
    gender: str  # "1" male, "2" female (GB/T 2261.1)


def normalize(raw: str) -> str:
    return raw.strip().replace(" ", "").replace("\u3000", "").translate(_FULLWIDTH)


def check_char(first17: str) -> str:
    if len(first17) != len(WEIGHTS):
        raise ValueError("check_char takes the first 17 characters")
    return CHECK_CHARS[sum(map(operator.mul, map(int, first17), WEIGHTS)) % 11]


def parse(raw: str, today: date | None = None) -> IdNumber:
    value = normalize(raw)
    if len(value) != 18:
        raise IdNumberError("id_number.length", "身份证号应为18位 (must be 18 characters)")
    if not value[:17].isdigit() or not (value[17].isdigit() or value[17] == "X"):
        raise IdNumberError("id_number.format", "身份证号只能包含数字和末位X (digits, last may be X)")
    if value[:2] not in PROVINCE_PREFIXES:
        raise IdNumberError("id_number.region", "身份证号地区码无效 (unknown region code)")
    try:
        born = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise IdNumberError("id_number.birth_date", "身份证号中的出生日期无效 (invalid birth date)")
    if born.year < 1900 or born > (today or date.today()):
        raise IdNumberError("id_number.birth_date", "身份证号中的出生日期无效 (invalid birth date)")
    if check_char(value[:17]) != value[17]:
        raise IdNumberError("id_number.checksum", "身份证号校验位错误 (check digit mismatch)")
    gender = "1" if int(value[16]) % 2 == 1 else "2"
    return IdNumber(value=value, birth_date=born, gender=gender)


def make(region6: str, born: date, sequence: int) -> str:
    """Build a valid number (used by the seed generator and tests)."""
    first17 = f"{region6}{born:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_char(first17)


def mask(value: str | None) -> str | None:
    if not value:
        return value
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 2, 0)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str | None:
    if not value:
        return value
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_account(value: str | None) -> str | None:
    if not value:
        return value
    return "*" * max(len(value) - 4, 0) + value[-4:]
