"""Numerals and character widths: Chinese numerals to integers, full-width to half-width.

Policy texts mix full-width and half-width forms (（一） / (一), ２０１２ / 2012, ％ / %). The
ingester matches patterns on a *folded* copy of each line that has exactly the same length as
the original, so every span found in the folded text is also a span of the text as written.
"""

from __future__ import annotations

import re

import cn2an  # type: ignore[import-untyped]

#: characters that may make up a Chinese numeral (一百零三, 两, 〇)
CHINESE_DIGITS = "零〇一二两三四五六七八九十百千万"

_FOLD = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FOLD[0x3000] = 0x20  # ideographic space

_ARABIC = re.compile(r"^\d+$")


def fold_width(text: str) -> str:
    """Map full-width ASCII forms and the ideographic space to their half-width forms.

    The result has the same length as ``text`` (one character for one character).

    >>> fold_width("（一）２０１２年，１．５％")
    '(一)2012年,1.5%'

    Raises:
        Nothing.
    """
    return text.translate(_FOLD)


def chinese_to_int(numeral: str) -> int:
    """The value of a Chinese numeral ("六十二", "一百零三", "两") or of Arabic digits.

    >>> chinese_to_int("一百零三"), chinese_to_int("二十"), chinese_to_int("12")
    (103, 20, 12)

    Raises:
        ValueError: ``numeral`` is not a numeral.
    """
    folded = fold_width(numeral.strip())
    if _ARABIC.match(folded):
        return int(folded)
    if not folded or any(ch not in CHINESE_DIGITS for ch in folded):
        raise ValueError(f"not a numeral: {numeral!r}")
    try:
        value = cn2an.cn2an(folded.replace("〇", "零"), "smart")
    except (ValueError, KeyError) as e:
        raise ValueError(f"not a numeral: {numeral!r}") from e
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError(f"not a whole number: {numeral!r}")
        return int(value)
    return int(value)


def int_to_chinese(number: int) -> str:
    """The Chinese numeral of a whole number, as articles are numbered ("第五条", "第六十二条").

    >>> int_to_chinese(5), int_to_chinese(62), int_to_chinese(103)
    ('五', '六十二', '一百零三')

    Raises:
        ValueError: ``number`` is negative.
    """
    if number < 0:
        raise ValueError(f"not a natural number: {number}")
    return str(cn2an.an2cn(str(number)))
