"""Look-alike spellings of what an officer types (O/0, I/1, B/8, S/5, Z/2) and what a result says it took."""

from __future__ import annotations

from alpr.domain.lookalikes import MAX_VARIANTS, substitutions, variants


def test_the_plate_as_typed_comes_first_then_each_look_alike_spelling_once() -> None:
    found = variants("AYO9034")
    assert found[0] == "AYO9034"
    assert set(found) == {"AYO9034", "AY09034", "AYO9O34", "AY09O34"} and len(found) == 4


def test_a_plate_without_look_alike_characters_is_searched_as_typed_only() -> None:
    assert variants("7ACX4TP") == ["7ACX4TP"]


def test_too_many_ambiguous_characters_fall_back_to_one_substitution_at_a_time() -> None:
    plate = "O0I1B8S5"  # 2**8 spellings
    found = variants(plate)
    assert MAX_VARIANTS < 2**8
    assert found[0] == plate and len(found) == 1 + len(plate)
    assert all(sum(a != b for a, b in zip(plate, v, strict=True)) == 1 for v in found[1:])


def test_substitutions_name_what_was_read_differently_and_nothing_else() -> None:
    assert substitutions("AYO9034", "AY09034") == ["O→0"]
    assert substitutions("5BZ", "S82") == sorted(["5→S", "B→8", "Z→2"])
    assert substitutions("AYO9034", "AYO9034") == []
    # A frame found through its sighting (a different character, not a look-alike) claims no look-alike.
    assert substitutions("7ABC123", "7ABC128") == []
    assert substitutions("7ABC123", "7ABC12") == []


def test_a_pattern_folds_its_known_characters_and_keeps_its_wildcards() -> None:
    assert variants("AYO9*") == ["AYO9*", "AY09*"]
    assert set(variants("?B*1")) == {"?B*1", "?8*1", "?B*I", "?8*I"}
    assert variants("7A?*") == ["7A?*"]


def test_substitutions_of_a_pattern_name_the_look_alikes_its_known_characters_took() -> None:
    assert substitutions("AYO9*", "AY09034") == ["O→0"]
    assert substitutions("*O9O3?", "AY09034") == ["O→0"]
    assert substitutions("?Y0S*", "AYO5") == ["0→O", "S→5"]
    # Matched as typed: nothing is claimed, even where a look-alike spelling would match too.
    assert substitutions("*O*", "O0") == []
    assert substitutions("AYO9*", "AYO9034") == []
    # Not a match at all, as typed or folded.
    assert substitutions("AYO9*", "AYX9034") == []
    assert substitutions("AYO9?", "AY09034") == []
