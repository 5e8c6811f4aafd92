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


def translate_message(msgid):
    """``msgid`` translated into the active language (a Text's parts are rendered through this)."""
    return _active.gettext(msgid)


def lazy(message):
    """``message`` as a Text: translated when it is rendered, not now (for everything a grading stores).

    Grading code imports it as ``_`` (``from grader.i18n import lazy as _``),
    so the same extraction keyword finds both kinds of strings.
    """
    from grader.model.text import Text

    return Text.message(message)
