"""The characters no text field may keep, listed from the rule's wording, not its code.

Shared by the tests of app/text.py, the admin forms, the output writers and the
repair migration, so they all try the same characters.
"""

from __future__ import annotations

C0 = [chr(code) for code in range(0x20) if chr(code) not in "\t\n\r"]
DEL_AND_C1 = [chr(code) for code in range(0x7F, 0xA0)]
NONCHARACTERS = [chr(code) for code in range(0xFDD0, 0xFDF0)] + [
    chr(plane << 16 | last) for plane in range(17) for last in (0xFFFE, 0xFFFF)
]
LONE_SURROGATES = ["\ud800", "\udbff", "\udc00", "\udfff"]
UNSHOWABLE = C0 + DEL_AND_C1 + NONCHARACTERS + LONE_SURROGATES

# What a browser can send in a form (a lone surrogate cannot be encoded as UTF-8).
SENDABLE = C0 + DEL_AND_C1 + NONCHARACTERS
# PostgreSQL refuses NUL in text; the app refuses it with a 400 before any query.
STORABLE_ON_POSTGRESQL = [char for char in SENDABLE if char != "\x00"]

# A line of terminal output as someone would paste it: colours, bold, a hyperlink.
TERMINAL_LINE = (
    "\x1b[1;31mERROR\x1b[0m disk \x1b[33mfull\x1b[m on "
    "\x1b]8;;https://db.example\x1b\\db-1\x1b]8;;\x1b\\\r\n"
)
TERMINAL_LINE_CLEAN = "ERROR disk full on db-1\n"


def every(chars: list[str]) -> str:
    """All of `chars`, each between visible letters, so a test can see what survived.

    The letter is not ASCII: ESC followed by an ASCII letter is a whole escape
    sequence (ESC H sets a tab stop), which the cleaning rightly removes with it.
    """
    return "".join(f"é{char}" for char in chars) + "é"


def cleaned(chars: list[str]) -> str:
    """What a multi-line field keeps of `every(chars)`: the letters, and a line break for
    each character that means one (vertical tab, form feed, NEL)."""
    return "".join("é\n" if char in "\x0b\x0c\x85" else "é" for char in chars) + "é"
