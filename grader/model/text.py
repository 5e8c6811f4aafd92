"""Sentences that are not yet in any language: what a grading stores, and renderers put into words.

A check's message is built while grading (``_("After {action}, ...").format(...)
+ " " + diagnosis``), but the language is the reader's choice, and the same
stored result can be rendered again in another (``grader report --lang``).
So grading code builds ``Text``: a sequence of parts, each an English
message id with its arguments, or literal text (what a student's program
sent, a file:line).  ``str(text)`` renders it in the active language;
``encode``/``decode`` turn it into JSON data and back; ``localized`` turns
every Text inside a result into plain strings, once, for the renderers.
"""

import dataclasses
import string


class _Formatter(string.Formatter):
    """``str.format`` that writes numbers with the language's decimal sign ("0,5 с" in Russian)."""

    def __init__(self, decimal="."):
        self.decimal = decimal

    def format_field(self, value, format_spec):
        text = super().format_field(value, format_spec)
        if self.decimal != "." and isinstance(value, float) and not isinstance(value, bool):
            text = text.replace(".", self.decimal)
        return text


# How Text renders by default: the active language's catalog and decimal sign.
# ``grader.i18n`` sets them whenever the language or the catalogs change (this
# module imports nothing of the grader, so that every layer can use it).
_active = {"translate": lambda msgid: msgid, "decimal": "."}


def use_language(translate, decimal="."):
    """Make ``translate`` (msgid -> template) and ``decimal`` what ``str(text)`` renders with."""
    _active["translate"], _active["decimal"] = translate, decimal


class Text:
    """A sentence in no language yet: parts that are (message id, arguments) pairs or literal strings."""

    __slots__ = ("parts",)

    def __init__(self, parts=()):
        self.parts = tuple(parts)

    @classmethod
    def message(cls, msgid):
        return cls(((msgid, (), {}),))

    @classmethod
    def literal(cls, value):
        return cls((str(value),))

    @classmethod
    def joined(cls, separator, items):
        """``separator.join(items)`` for a mix of Text and strings, still a Text."""
        parts = []
        for index, item in enumerate(items):
            if index:
                parts.append(separator)
            parts.extend(item.parts if isinstance(item, Text) else (str(item),))
        return cls(parts)

    # ---------------------------------------------------------------- building
    def format(self, *args, **kwargs):
        """Fill the arguments of a single message, as ``str.format`` does; they are kept, not rendered."""
        if len(self.parts) != 1 or isinstance(self.parts[0], str):
            raise TypeError("only a single message can be formatted: format it before joining it to others")
        msgid, _args, _kwargs = self.parts[0]
        return Text(((msgid, tuple(_keep(a) for a in args), {k: _keep(v) for k, v in kwargs.items()}),))

    def __add__(self, other):
        if isinstance(other, Text):
            return Text(self.parts + other.parts)
        if isinstance(other, str):
            return Text(self.parts + (other,))
        return NotImplemented

    def __radd__(self, other):
        if isinstance(other, str):
            return Text((other,) + self.parts)
        return NotImplemented

    # --------------------------------------------------------------- rendering
    def render(self, translate=None, decimal=None):
        """The sentence through ``translate`` (msgid -> template; default: the active language and its decimal sign)."""
        if translate is None:
            translate = _active["translate"]
            decimal = _active["decimal"] if decimal is None else decimal
        formatter = _Formatter(decimal or ".")
        out = []
        for part in self.parts:
            if isinstance(part, str):
                out.append(part)
                continue
            msgid, args, kwargs = part
            template = translate(msgid)
            values = tuple(_value(a, translate) for a in args)
            named = {k: _value(v, translate) for k, v in kwargs.items()}
            try:
                out.append(formatter.format(template, *values, **named))
            except (KeyError, IndexError, ValueError):  # a broken translation: the English original
                out.append(formatter.format(msgid, *values, **named))
        return "".join(out)

    def english(self):
        """The sentence in English, the source language (for logs and pytest's own output)."""
        return self.render(lambda msgid: msgid, decimal=".")

    def __str__(self):
        return self.render()

    def __format__(self, spec):
        return format(str(self), spec)

    def __repr__(self):
        return f"Text({self.english()!r})"

    # ------------------------------------------------- behaving like a string
    def __eq__(self, other):
        if isinstance(other, Text):
            return self.parts == other.parts
        if isinstance(other, str):
            return str(self) == other
        return NotImplemented

    def __hash__(self):
        return hash(self.english())

    def __contains__(self, item):
        return str(item) in str(self)

    def __len__(self):
        return len(str(self))

    def __bool__(self):
        return any(part if isinstance(part, str) else True for part in self.parts)

    def __getattr__(self, name):
        # str methods (strip, splitlines, ...) answer for the sentence in the active language.
        if name.startswith("__") or not hasattr(str, name):
            raise AttributeError(name)
        return getattr(str(self), name)


def _keep(value):
    if isinstance(value, (Text, str, int, float, bool)) or value is None:
        return value
    return str(value)


def _value(value, translate):
    return value.render(translate) if isinstance(value, Text) else value


# ------------------------------------------------------------------- as data
def encode(value):
    """JSON-able data for ``value``: every Text becomes ``{"$text": [...]}``; dataclasses become dicts."""
    if isinstance(value, Text):
        return {"$text": [part if isinstance(part, str) else
                          {"id": part[0], **({"args": [encode(a) for a in part[1]]} if part[1] else {}),
                           **({"kw": {k: encode(v) for k, v in part[2].items()}} if part[2] else {})}
                          for part in value.parts]}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: encode(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, dict):
        return {key: encode(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(item) for item in value]
    return value


def decode(value):
    """The inverse of ``encode`` for plain data: ``{"$text": ...}`` becomes a Text again."""
    if isinstance(value, dict):
        if set(value) == {"$text"} and isinstance(value["$text"], list):
            return Text(part if isinstance(part, str) else
                        (part["id"], tuple(decode(a) for a in part.get("args", ())),
                         {k: decode(v) for k, v in part.get("kw", {}).items()})
                        for part in value["$text"])
        return {key: decode(item) for key, item in value.items()}
    if isinstance(value, list):
        return [decode(item) for item in value]
    return value


def localized(value):
    """A copy of ``value`` (a result, a dict, a list...) with every Text rendered in the active language."""
    if isinstance(value, Text):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: localized(getattr(value, f.name))
                                             for f in dataclasses.fields(value) if f.init})
    if isinstance(value, dict):
        return {key: localized(item) for key, item in value.items()}
    if isinstance(value, list):
        return [localized(item) for item in value]
    if isinstance(value, tuple):
        return tuple(localized(item) for item in value)
    return value
