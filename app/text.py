"""The characters Herald keeps in text people write: one rule, used on the way in and out.

Unshowable characters are the C0 controls other than tab, LF and CR, DEL and the
C1 controls (U+007F–U+009F), lone surrogates (U+D800–U+DFFF) and the 66 Unicode
noncharacters (U+FDD0–U+FDEF and the last two code points of every plane, such as
U+FFFE and U+FFFF). None of them shows as anything a reader can use; XML 1.0
forbids most of them, so one stored in a title would make the feeds and badges
malformed; PostgreSQL refuses NUL; and a lone surrogate cannot even be encoded
as UTF-8.

On the way in (the services, through `app.services.validate.text`):

* a one-line field (a title, a name, a URL) is refused when it holds an
  unshowable character or a line break (`clean_line` raises `UnshowableText`).
  It is short and shown in feeds, badges and page titles, so the person who
  typed it should decide what it says; the message names the character and
  where it is, since it is invisible. A tab becomes a space: pasted from a
  spreadsheet, it means one.
* a multi-line field (an update, a postmortem, a description) is cleaned
  (`clean_block`): line endings become LF, a vertical tab, form feed or NEL
  becomes LF (Word and old terminals write line breaks that way), terminal
  escape sequences are removed whole (colour codes pasted with a log excerpt
  would otherwise leave `[31m` behind), and any other unshowable character is
  removed. A textarea does not show these characters, so asking someone to
  find and delete them would leave them stuck; removing them loses nothing
  they could see.

On the way out, every XML and calendar writer passes stored text through
`for_output`, so a row written by an older version or by raw SQL still cannot
make an output fail (a line break in a calendar's name would, too).
"""

from __future__ import annotations

import re
import unicodedata

_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    chr(plane << 16 | 0xFFFE) + chr(plane << 16 | 0xFFFF) for plane in range(17)
)
_UNSHOWABLE = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff{_NONCHARACTERS}]")
# Everything clean_block may change (CR and the unshowables) and a little more: all code
# points from U+1FFFE up, as one range. Seven ranges scan several times faster than the
# exact class with its 34 single noncharacters, and most text holds none of them, so
# it is returned as is after one quick search.
_MAY_NEED_CLEANING = re.compile(
    "[\r\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef\ufffe\uffff\U0001fffe-\U0010ffff]"
)
# ECMA-48 sequences as terminals write them, starting with ESC: CSI (colours, cursor
# moves), the string commands OSC/DCS/SOS/PM/APC up to their terminator (window
# titles, hyperlinks; never past a line end, so an unterminated one cannot swallow
# the next lines), and the short escapes (character sets, keypad modes). The 8-bit
# forms (U+009B…) are left to the character rule: alone in mis-decoded text, they
# must not take the words after them away.
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b[]PX^_][^\n\x07\x1b]*(?:\x07|\x1b\\)?"
    r"|\x1b[ -/]*[0-~]"
)
_LINE_BREAKS = re.compile("\r\n?|[\x0b\x0c\x85]")
_NOT_ONE_LINE = re.compile(f"[\r\n]|{_UNSHOWABLE.pattern}")
_WHERE_CONTEXT = 20


class UnshowableText(ValueError):
    """A one-line text holds `char` at `index`, which it cannot keep."""

    def __init__(self, text: str, index: int):
        self.char = text[index]
        self.index = index
        self.before = text[max(0, index - _WHERE_CONTEXT) : index]
        super().__init__(f"{describe(self.char)} at index {index}")

    def message(self, field_label: str) -> str:
        """A sentence for the person who typed it, e.g. for `Title`."""
        before = _visible(self.before)
        where = f" after “{before}”" if before else " at the start"
        if self.char in "\r\n":
            return f"{field_label} contains a line break{where}; it must fit on one line."
        return (
            f"{field_label} contains {describe(self.char)}{where}, which cannot be shown; "
            "remove it."
        )


def describe(char: str) -> str:
    """What `char` is, in words a manager can act on: 'a control character (U+000B)'."""
    code = f"U+{ord(char):04X}"
    if 0xD800 <= ord(char) <= 0xDFFF:
        return f"half of a broken character ({code}, a lone surrogate)"
    if unicodedata.category(char) == "Cc":
        return f"a control character ({code})"
    return f"a character reserved for internal use ({code}, a Unicode noncharacter)"


def _visible(text: str) -> str:
    """`text` with what cannot be shown in a message removed, the last words kept."""
    return " ".join(_UNSHOWABLE.sub("", text).split())


def find_unshowable(text: str) -> int | None:
    """The index of the first unshowable character in `text`, or None."""
    match = _UNSHOWABLE.search(text)
    return None if match is None else match.start()


def clean_line(text: str) -> str:
    """`text` for a one-line field: tabs become spaces; raises `UnshowableText` for a
    line break or an unshowable character."""
    text = text.replace("\t", " ")
    match = _NOT_ONE_LINE.search(text)
    if match is not None:
        raise UnshowableText(text, match.start())
    return text


def clean_block(text: str) -> str:
    """`text` for a multi-line field: LF line endings, terminal escape sequences and
    every other unshowable character removed. Never refuses."""
    if _MAY_NEED_CLEANING.search(text) is None:
        return text
    text = _ESCAPE_SEQUENCE.sub("", text)
    text = _LINE_BREAKS.sub("\n", text)
    return _UNSHOWABLE.sub("", text)


def for_output(text: str | None, *, one_line: bool = False) -> str:
    """Stored `text` made safe to write into XML or a calendar, whatever the row holds;
    with `one_line`, line breaks become spaces (a title or a calendar name holds none)."""
    text = clean_block(text or "")
    return " ".join(text.splitlines()) if one_line and "\n" in text else text


def counted(n: int, plural: str) -> str:
    """ "1 component group", "2 component groups"; nouns such as "series" keep their form."""
    if n == 1 and plural.endswith("s") and not plural.endswith("series"):
        return f"1 {plural[:-1]}"
    return f"{n} {plural}"
