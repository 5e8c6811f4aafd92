"""Translations of student-facing strings (gettext; English source strings).

``_`` looks up the active language's catalog (``grader/locale``); a string
without a translation falls back to English.
"""

import gettext
from pathlib import Path

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "ru")
_active = gettext.NullTranslations()
_language = "en"


def set_language(language):
    """Make ``language`` ('en' or 'ru') the language of every later ``_()``."""
    global _active, _language
    _language = language if language in LANGUAGES else "en"
    _active = gettext.translation("grader", LOCALE_DIR, languages=[_language], fallback=True)


def language():
    return _language


def _(message):
    return _active.gettext(message)


def ngettext(singular, plural, n):
    return _active.ngettext(singular, plural, n)


def number(value, decimals=None):
    """``value`` written the active language's way: '0.5' in English, '0,5' in Russian (Babel's CLDR data).

    ``decimals=None`` shows up to three decimals and drops trailing zeros (like ``{:g}`` for scores
    and seconds); an int gives exactly that many (``decimals=3``: '0.120', the diagram's times).
    """
    from babel.numbers import format_decimal  # the catalogs are read without Babel; numbers need its CLDR data

    if value is None:
        return ""
    pattern = "0.###" if decimals is None else "0." + "0" * decimals if decimals else "0"
    return format_decimal(value, format=pattern, locale=_language, group_separator=False)
