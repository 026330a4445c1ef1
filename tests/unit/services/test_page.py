"""Page settings rules that need no database."""

from __future__ import annotations

import pytest

from app.services.page import contrast_ratio, text_colour_on


@pytest.mark.parametrize(
    ("accent", "expected"),
    [
        ("#1f6feb", "#ffffff"),
        ("#ffd400", "#1f2328"),
        ("#000000", "#ffffff"),
        ("#ffffff", "#1f2328"),
    ],
)
def test_button_text_stays_readable_on_any_accent_colour(accent, expected):
    """Whatever brand colour a page owner picks, is the text on its buttons readable (AA)?"""
    text = text_colour_on(accent)
    assert text == expected
    assert contrast_ratio(accent, text) >= 4.5


def test_contrast_ratio_matches_wcag_reference_values():
    """Do we compute contrast as WCAG does (black on white is 21:1)?"""
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)
