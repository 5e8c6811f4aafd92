"""Translations of student-facing strings (gettext; English source strings).

The core's catalog is ``grader/locale``; each lab brings its own in
``<lab>/locale/<lang>/LC_MESSAGES/lab.mo`` (its checks' titles, messages and
hints), registered with ``add_catalog``.  A lab's catalog is asked first,
then the core's; a string without a translation falls back to English.
"""

import decimal
import functools
import gettext
from pathlib import Path

from grader.model import text

LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("en", "ru")
LAB_DOMAIN = "lab"
_active = gettext.NullTranslations()
_language = "en"
_catalogs = []  # the locale folders of the labs in use, most recent first


def _decimal_sign(language):
    if language == "en":
        return "."
    try:  # Babel's CLDR data: "," in Russian
        from babel.numbers import get_decimal_symbol

        return get_decimal_symbol(language)
    except Exception:  # noqa: BLE001 - no data for it: the English sign
        return "."


def _load():
    global _active
    core = gettext.translation("grader", LOCALE_DIR, languages=[_language], fallback=True)
    chain = None
    for folder in _catalogs:
        lab = gettext.translation(LAB_DOMAIN, folder, languages=[_language], fallback=True)
        if chain is None:
            chain = lab
        else:
            chain.add_fallback(lab)
    if chain is None:
        _active = core
    else:
        chain.add_fallback(core)
        _active = chain
    text.use_language(_active.gettext, _decimal_sign(_language))


def set_language(language):
    """Make ``language`` ('en' or 'ru') the language of every later ``_()``."""
    global _language
    _language = language if language in LANGUAGES else "en"
    _load()


def add_catalog(folder):
    """Also translate with the catalog in ``folder`` (a lab's ``locale``), before the core's."""
    folder = str(Path(folder))
    if folder not in _catalogs:
        _catalogs.insert(0, folder)
        _load()


def language():
    return _language


def catalog():
    """The translations in use now: a new object whenever the language or the catalogs change."""
    return _active


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
    return text.Text.message(message)


def number(value, decimals=None):
    """``value`` written the active language's way: '0.5' in English, '0,5' in Russian (Babel's CLDR data).

    ``decimals=None`` shows up to three decimals and drops trailing zeros (like ``{:g}`` for scores
    and seconds); an int gives exactly that many (``decimals=3``: '0.120', the diagram's times).
    """
    if value is None:
        return ""
    return _number(value, decimals, _language)


@functools.lru_cache(maxsize=4096)
def _number(value, decimals, language):
    # Rounded as Babel rounds (half to even, from the decimal digits Python shows for the value),
    # written with the language's symbols from Babel's CLDR data.  A report writes hundreds of
    # distinct numbers (every time in a diagram): Babel's own format_decimal parsed its pattern for
    # each, a third of the report's rendering time.
    places = 3 if decimals is None else decimals
    try:
        exact = decimal.Decimal(repr(value) if isinstance(value, float) else value)
        if not exact.is_finite():
            raise decimal.InvalidOperation
        rounded = exact.quantize(decimal.Decimal(1).scaleb(-places), rounding=decimal.ROUND_HALF_EVEN,
                                 context=decimal.Context(prec=60))
    except (decimal.InvalidOperation, TypeError, ValueError):
        return _babel_number(value, decimals, language)  # NaN, infinities, odd types: as Babel writes them
    digits = f"{abs(rounded):f}"
    if decimals is None and "." in digits:
        digits = digits.rstrip("0").rstrip(".")
    point, minus = _symbols(language)
    return (minus if rounded.is_signed() and rounded != 0 else "") + digits.replace(".", point)


@functools.lru_cache(maxsize=None)
def _symbols(language):
    if language == "en":
        return ".", "-"  # the source language's own: no 40 ms of Babel's data for them
    from babel.numbers import get_decimal_symbol, get_minus_sign_symbol  # CLDR data: loaded once per language

    return get_decimal_symbol(language), get_minus_sign_symbol(language)


def _babel_number(value, decimals, language):
    from babel.numbers import format_decimal

    pattern = "0.###" if decimals is None else "0." + "0" * decimals if decimals else "0"
    return format_decimal(value, format=pattern, locale=language, group_separator=False)
