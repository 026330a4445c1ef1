"""The text rule: what a one-line field refuses, what a multi-line field cleans, and why."""

from __future__ import annotations

import sys

import pytest

from app.services import validate
from app.services.errors import Invalid
from app.text import UnshowableText, clean_block, clean_line, find_unshowable, for_output
from tests.unshowable import (
    C0,
    DEL_AND_C1,
    LONE_SURROGATES,
    NONCHARACTERS,
    TERMINAL_LINE,
    TERMINAL_LINE_CLEAN,
    UNSHOWABLE,
    cleaned,
    every,
)


def test_the_rule_covers_exactly_the_characters_it_names():
    """Is every code point flagged exactly when it is a control (not tab/LF/CR), a lone
    surrogate or a noncharacter, so emoji, accents and right-to-left text pass?"""
    named = set(UNSHOWABLE) | {chr(c) for c in range(0xD800, 0xE000)}
    flagged = {
        chr(code) for code in range(sys.maxunicode + 1) if find_unshowable(chr(code)) is not None
    }
    assert flagged == named
    assert len(C0) == 29 and len(DEL_AND_C1) == 33 and len(NONCHARACTERS) == 66
    for fine in ("Ünïcödé", "数据库", "مرحبا", "👩\u200d💻", "e\u0301", "\u00a0", "\t"):
        assert find_unshowable(fine) is None, fine


@pytest.mark.parametrize("char", UNSHOWABLE, ids=lambda c: f"U+{ord(c):04X}")
def test_a_title_holding_an_unshowable_character_is_refused_by_name(char):
    """Does a title with any unshowable character get a message naming the field, the
    character and where it is, and nothing saved?"""
    with pytest.raises(Invalid) as refused:
        validate.text(f"Disk full{char} on db-1", "title", max_len=200)
    assert refused.value.field == "title"
    message = refused.value.message
    assert message.startswith("Title contains ")
    assert f"U+{ord(char):04X}" in message
    assert "after “Disk full”" in message
    assert message.endswith("which cannot be shown; remove it.")


def test_the_message_says_what_kind_of_character_it_is():
    """Would a manager understand what to look for: a control character, a noncharacter,
    a broken character?"""

    def message(value):
        with pytest.raises(UnshowableText) as refused:
            clean_line(value)
        return refused.value.message("Title")

    assert message("Disk\x0bfull") == (
        "Title contains a control character (U+000B) after “Disk”, which cannot be shown; "
        "remove it."
    )
    assert "a character reserved for internal use (U+FFFF" in message("\uffffDisk")
    assert "at the start" in message("\uffffDisk")
    assert "half of a broken character (U+D83D" in message("Disk \ud83d")


def test_a_one_line_field_holds_no_line_break_and_tabs_become_spaces():
    """Is a line break inside a title refused, and a pasted tab kept as a space?"""
    with pytest.raises(Invalid, match="Name contains a line break after “API”; it must fit"):
        validate.text("API\r\nv2", "name", max_len=100)
    assert validate.text("API\tv2", "name", max_len=100) == "API v2"
    assert validate.text("  API v2\n", "name", max_len=100) == "API v2"


def test_an_update_loses_unshowable_characters_and_keeps_every_word():
    """Is an update holding every unshowable character saved with its words intact?"""
    kept = validate.text(every(UNSHOWABLE), "message", max_len=20_000, multiline=True)
    assert kept == cleaned(UNSHOWABLE)
    assert find_unshowable(kept) is None


def test_terminal_colour_codes_go_as_whole_sequences():
    """Does a log line pasted from a terminal keep its text and lose its colour codes whole,
    not leaving `[31m` behind?"""
    assert clean_block(TERMINAL_LINE) == TERMINAL_LINE_CLEAN
    assert clean_block("\x1b]0;window title\x07done") == "done"
    assert clean_block("\x1b[2K\x1b[1Gprogress 100%") == "progress 100%"
    # An unterminated command string ends at the line end, not at the end of the text.
    assert clean_block("\x1b]0;broken\nsecond line") == "\nsecond line"


def test_a_stray_c1_character_does_not_take_the_next_words():
    """In mis-decoded text (U+009D from a curly quote), are the words after it kept?"""
    assert clean_block("He said â€\x9dfine\x9d and left") == "He said â€fine and left"
    assert clean_block("\x9b31mred") == "31mred"


def test_line_endings_become_line_feeds():
    """Do Windows, old Mac, Word and EBCDIC line breaks all become one LF?"""
    assert clean_block("a\r\nb\rc\x0bd\x0ce\x85f\ng") == "a\nb\nc\nd\ne\nf\ng"
    assert validate.text("one\r\ntwo\r\n", "message", max_len=99, multiline=True) == "one\ntwo"


def test_clean_text_is_returned_unchanged():
    """Is text with nothing to clean left exactly as typed (spaces, tabs, Unicode)?"""
    text = "## Cause\n\n\tIndented  code — 数据库 👩\u200d💻\n"
    assert clean_block(text) is text


def test_an_output_writer_never_meets_what_xml_forbids():
    """Whatever a row holds, is what a writer gets free of unshowable characters?"""
    assert for_output(None) == ""
    assert find_unshowable(for_output(every(UNSHOWABLE))) is None
    assert for_output("Disk\x00 full\uffff\r\n") == "Disk full\n"
    assert LONE_SURROGATES[0] not in for_output(f"x{LONE_SURROGATES[0]}y")
