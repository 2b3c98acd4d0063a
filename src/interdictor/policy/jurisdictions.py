"""Jurisdiction codes a policy may have sections for, and the order they are looked up in.

A code is an ISO 3166-1 alpha-2 country ("MX", "CA") or an ISO 3166-2 US state or
territory ("US-CO"). The lists are fixed here because the standard changes rarely and
no dependency of the project carries them.
"""

from __future__ import annotations

DEFAULT = "default"

_COUNTRY_CODES = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ
    BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM
    DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS
    GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN
    KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ
    MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM
    PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV
    SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI
    VN VU WF WS YE YT ZA ZM ZW
"""
_US_STATE_CODES = """
    AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ
    NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC AS GU MP PR UM VI
"""
COUNTRIES: frozenset[str] = frozenset(_COUNTRY_CODES.split())

US_STATES: frozenset[str] = frozenset(f"US-{s}" for s in _US_STATE_CODES.split())


def check_code(code: str) -> str:
    """``code`` if it names a section a policy may have, else a ``ValueError`` saying why."""
    if code == DEFAULT or code in COUNTRIES or code in US_STATES:
        return code
    if code.upper() in COUNTRIES or code.upper() in US_STATES:
        raise ValueError(f"jurisdiction code {code!r} must be upper case: {code.upper()!r}")
    raise ValueError(
        f"{code!r} is not a jurisdiction code: use 'default', an ISO 3166-1 alpha-2 country "
        "('MX', 'CA') or a US state ('US-CO')"
    )


def lookup_chain(code: str | None) -> tuple[str, ...]:
    """Sections to try, most specific first: the code, its country, then the default."""
    if not code or not code.strip():
        return (DEFAULT,)
    code = code.strip().upper()
    return tuple(dict.fromkeys((code, code.split("-", 1)[0], DEFAULT)))


def is_known(code: str) -> bool:
    """Whether a post's jurisdiction (any case) is a country or US state code."""
    code = code.strip().upper()
    return code in COUNTRIES or code in US_STATES
