"""The class names Go's ``regexp/syntax`` accepts: Perl, POSIX and Unicode.

Only names live here, no ranges: the RE2 library carries the same class tables Go's
``regexp/syntax`` was ported with (ASCII ``\\d``/``\\s``/``\\w`` and POSIX classes, Unicode
general categories and scripts), so eso checks a name by Go's rules and hands the name itself
to RE2, which also case-folds it the way Go does. RE2's Unicode tables may be a version ahead
of or behind the Go release a template was written for; that is the one difference left.

Unicode scripts are limited to those ESO templates plausibly use (Latin, Greek, Cyrillic,
Han); a script Go knows but eso does not promise is refused with its own message rather than
as an unknown name, so the author knows Go would have accepted it. The limit dates from when
eso carried its own range tables; RE2 knows every name in ``OTHER_SCRIPTS``, so accepting them
is a change of promise (and of the tests that pin the refusal), not of code.
"""

from __future__ import annotations

__all__ = [
    "CATEGORIES",
    "OTHER_SCRIPTS",
    "PERL_CLASSES",
    "POSIX_CLASSES",
    "SCRIPTS",
    "unicode_name_known",
]

PERL_CLASSES = frozenset("dDsSwW")
"""The letters of ``\\d``-style escapes (ASCII-only in Go and RE2 alike)."""

POSIX_CLASSES = frozenset((
    "alnum", "alpha", "ascii", "blank", "cntrl", "digit", "graph", "lower", "print", "punct",
    "space", "upper", "word", "xdigit",
))  # fmt: skip

CATEGORIES = frozenset((
    "C", "Cc", "Cf", "Co", "Cs", "L", "Ll", "Lm", "Lo", "Lt", "Lu", "M", "Mc", "Me", "Mn", "N",
    "Nd", "Nl", "No", "P", "Pc", "Pd", "Pe", "Pf", "Pi", "Po", "Ps", "S", "Sc", "Sk", "Sm",
    "So", "Z", "Zl", "Zp", "Zs"
))  # fmt: skip

SCRIPTS = frozenset(("Latin", "Greek", "Cyrillic", "Han"))
"""The Unicode scripts eso accepts in ``\\p{...}``."""

# Script names Go knows (unicode.Scripts) but eso does not accept.
OTHER_SCRIPTS = frozenset((
    "Adlam", "Ahom", "Anatolian_Hieroglyphs", "Arabic", "Armenian", "Avestan", "Balinese",
    "Bamum", "Bassa_Vah", "Batak", "Bengali", "Bhaiksuki", "Bopomofo", "Brahmi", "Braille",
    "Buginese", "Buhid", "Canadian_Aboriginal", "Carian", "Caucasian_Albanian", "Chakma",
    "Cham", "Cherokee", "Chorasmian", "Common", "Coptic", "Cuneiform", "Cypriot",
    "Cypro_Minoan", "Deseret", "Devanagari", "Dives_Akuru", "Dogra", "Duployan",
    "Egyptian_Hieroglyphs", "Elbasan", "Elymaic", "Ethiopic", "Georgian", "Glagolitic",
    "Gothic", "Grantha", "Gujarati", "Gunjala_Gondi", "Gurmukhi", "Hangul", "Hanifi_Rohingya",
    "Hanunoo", "Hatran", "Hebrew", "Hiragana", "Imperial_Aramaic", "Inherited",
    "Inscriptional_Pahlavi", "Inscriptional_Parthian", "Javanese", "Kaithi", "Kannada",
    "Katakana", "Kawi", "Kayah_Li", "Kharoshthi", "Khitan_Small_Script", "Khmer", "Khojki",
    "Khudawadi", "Lao", "Lepcha", "Limbu", "Linear_A", "Linear_B", "Lisu", "Lycian", "Lydian",
    "Mahajani", "Makasar", "Malayalam", "Mandaic", "Manichaean", "Marchen", "Masaram_Gondi",
    "Medefaidrin", "Meetei_Mayek", "Mende_Kikakui", "Meroitic_Cursive", "Meroitic_Hieroglyphs",
    "Miao", "Modi", "Mongolian", "Mro", "Multani", "Myanmar", "Nabataean", "Nag_Mundari",
    "Nandinagari", "New_Tai_Lue", "Newa", "Nko", "Nushu", "Nyiakeng_Puachue_Hmong", "Ogham",
    "Ol_Chiki", "Old_Hungarian", "Old_Italic", "Old_North_Arabian", "Old_Permic", "Old_Persian",
    "Old_Sogdian", "Old_South_Arabian", "Old_Turkic", "Old_Uyghur", "Oriya", "Osage", "Osmanya",
    "Pahawh_Hmong", "Palmyrene", "Pau_Cin_Hau", "Phags_Pa", "Phoenician", "Psalter_Pahlavi",
    "Rejang", "Runic", "Samaritan", "Saurashtra", "Sharada", "Shavian", "Siddham",
    "SignWriting", "Sinhala", "Sogdian", "Sora_Sompeng", "Soyombo", "Sundanese", "Syloti_Nagri",
    "Syriac", "Tagalog", "Tagbanwa", "Tai_Le", "Tai_Tham", "Tai_Viet", "Takri", "Tamil",
    "Tangsa", "Tangut", "Telugu", "Thaana", "Thai", "Tibetan", "Tifinagh", "Tirhuta", "Toto",
    "Ugaritic", "Vai", "Vithkuqi", "Wancho", "Warang_Citi", "Yezidi", "Yi", "Zanabazar_Square"
))  # fmt: skip


def unicode_name_known(name: str) -> bool:
    """Whether ``\\p{name}`` is a class eso accepts (and hands to RE2 by name)."""
    return name == "Any" or name in CATEGORIES or name in SCRIPTS
