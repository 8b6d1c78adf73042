from __future__ import annotations

import numpy as np
import pytest

from oi_text.errors import InputError
from oi_text.themes.against import hold_against


def test_covered_candidates_and_not_visible():
    # theme 0: 10 documents, 8 in water; theme 1: 10 documents, none in any ecosystem;
    # ai: 6 documents spread over both themes and the outliers, never 20% of one, never half
    labels = np.array([0] * 10 + [1] * 10 + [-1] * 6)
    eco = ["water-technology", "ai", "quantum"]
    P = np.zeros((26, 3), dtype=bool)
    P[:8, 0] = True
    P[[0, 11, 20, 21, 22, 23], 1] = True
    view = hold_against(labels, P, eco, {"ai": "Artificial intelligence"})
    assert view.per_theme[0].covered and view.per_theme[0].ecosystems[0] == ("water-technology", 8, 0.8)
    assert not view.per_theme[1].covered and view.per_theme[1].none_share == pytest.approx(0.9)
    assert view.candidates == [1]
    assert view.not_visible == [("ai", 6, pytest.approx(4 / 6))] or view.not_visible[0][0] == "ai"
    assert view.absent == ["quantum"]
    assert view.name("ai") == "ai (Artificial intelligence)"


def test_an_ecosystem_concentrated_in_a_theme_is_visible():
    labels = np.array([0] * 50 + [1] * 10)
    P = np.zeros((60, 1), dtype=bool)
    P[:6, 0] = True  # 12% of theme 0, but all of the ecosystem's documents
    assert hold_against(labels, P, ["quantum"]).not_visible == []


def test_shapes_are_checked():
    with pytest.raises(InputError, match="decisions of shape"):
        hold_against(np.zeros(5), np.zeros((4, 2)), ["a", "b"])
