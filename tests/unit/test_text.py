"""Text: sentences kept as data, rendered in the language asked for."""

import json

from grader.i18n import lazy as _
from grader.i18n import set_language
from grader.model.text import Text, decode, encode, localized


def test_renders_in_the_active_language_at_render_time():
    text = _("{n} passed").format(n=3)
    set_language("en")
    assert str(text) == "3 passed"
    set_language("ru")
    try:
        assert str(_("interrupted")) != "interrupted"  # the catalog has it
    finally:
        set_language("en")


def test_survives_json_with_nested_arguments_and_literals():
    inner = _("a notice that {name} left").format(name="Bob")
    text = "» " + _("After {action}, {name} waited for {what}.").format(action="x", name="Alice", what=inner) + " ok"
    back = decode(json.loads(json.dumps(encode({"message": text}))))["message"]
    assert back == text and back.english() == text.english()
    assert back.english() == "» After x, Alice waited for a notice that Bob left. ok"


def test_joined_and_string_methods():
    joined = Text.joined(", ", [_("one"), "two"])
    assert joined.english() == "one, two" and "two" in joined and joined.startswith("one")


def test_localized_turns_every_text_into_a_string():
    data = localized({"a": [_("one"), ("x", _("two"))], "b": 3})
    assert data == {"a": ["one", ("x", "two")], "b": 3} and all(isinstance(s, str) for s in data["a"][1])


def test_a_broken_translation_falls_back_to_english():
    text = _("{n} passed").format(n=1)
    assert text.render(lambda msgid: "{missing}") == "1 passed"


def test_numbers_take_the_languages_decimal_sign():
    text = _("waited {s:.1f} s").format(s=0.5)
    set_language("ru")
    try:
        assert "0,5" in str(text)
    finally:
        set_language("en")
    assert str(text) == "waited 0.5 s" and text.english() == "waited 0.5 s"
