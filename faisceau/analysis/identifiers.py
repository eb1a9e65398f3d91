"""Validated identifiers in text: e-mail, phone, IBAN, BIC, SIREN, SIRET, NIR, URL, domain, IP.

`find_identifiers(text, lang, region)` returns `Identifier(start, end, text, type, value, valid)` with
code-point offsets into `text`. Each type has a compiled candidate regex (one pass over the text each);
candidates are then normalised and validated:

- email: lower-cased, IDNA-decoded domain; valid = RFC 5321 lengths, no empty/dotted-twice parts.
- phone: E.164 via `phonenumbers.parse` (default `region`, FR); valid = `is_valid_number`. A number
  written without a country code must start with the region's trunk prefix (0 in France) — "125 000
  000" is an amount, not 01 25 00 00 00 — and in English text a number invalid in `region` is tried as
  a North American one. Invalid numbers are kept only when written with +/00 (an unambiguous shape).
  `phonenumbers.PhoneNumberMatcher` is not used: it is slow on long texts.
- iban: without spaces, upper-case; kept when the country is known and the length is the country's;
  valid = ISO 7064 mod 97-10.
- bic: only after a cue (BIC, SWIFT) or near an IBAN, since any 8-letter capitalised word has the
  shape; valid = known ISO 3166 country.
- siren / siret: 9 / 14 digits. 10 % of random numbers pass Luhn, so a number counts only after a cue
  (SIREN, SIRET, RCS, immatriculée…), then `valid` = Luhn (SIRET of La Poste, 356000000…: digit sum
  a multiple of 5), or, without a cue, when it is written grouped (552 100 554) and passes Luhn.
- nir: the French social-security number, 13 digits (sex, year, month, département — 2A/2B in
  Corsica —, commune, order) and a 2-digit key, grouped as written ("1 85 05 78 006 084 36") or not;
  valid = key == 97 − (number mod 97), Corsica's 2A/2B counted as 19/18. A number of that shape with
  a wrong key is kept (invalid) only after a cue (NIR, sécurité sociale, INSEE…): 1 in 97 random
  numbers pass the key.
- url: http(s)/ftp/www., as written, trailing punctuation trimmed (a closing bracket only when
  unbalanced); valid = a host that is an IP or a name with a letter TLD.
- domain: lower-case, IDNA-decoded; only bare `name.tld` with a known TLD, the TLD written in lower
  case (or the whole name in capitals), so "e.g.", "fig.3", "report.pdf" and "setup.py" are not
  domains. The host of a URL and the domain of an e-mail are not reported again.
- ip: IPv4/IPv6 through `ipaddress`, compressed form; "3.8.0" and "version 1.2.3.4" are not IPs.

Overlaps are settled by type (url > email > iban > bic > nir > siret/siren > phone > ip > domain), then length:
a valid phone written with dots ("+33 1. 45.24.80.61") is not an IP address.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import dataclass

import phonenumbers

from .spans import non_overlapping

__all__ = ["Identifier", "find_identifiers", "iban_valid", "luhn_valid", "nir_valid", "siret_valid"]


@dataclass(frozen=True)
class Identifier:
    """One identifier found in a text."""

    start: int
    end: int
    text: str
    type: str
    value: str
    valid: bool


# IBAN lengths of the SWIFT IBAN registry.
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BI": 27,
    "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27, "DK": 18, "DO": 28,
    "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23,
    "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
    "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25,
    "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18,
    "NO": 15, "OM": 23, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33,
    "SA": 24, "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}
# ISO 3166-1 alpha-2: phonenumbers' regions are all of them but seven uninhabited ones, plus
# Ascension/Tristan (AC/TA, not ISO) and Kosovo (XK, user-assigned but used by banks).
COUNTRIES = (set(phonenumbers.SUPPORTED_REGIONS) - {"AC", "TA"}) | {"AQ", "BV", "GS", "HM", "PN", "TF", "UM"}
_GENERIC_TLDS = {
    "com", "org", "net", "edu", "gov", "mil", "int", "info", "biz", "name", "pro", "aero", "coop", "museum", "mobi",
    "asia", "tel", "travel", "jobs", "cat", "post", "app", "dev", "xyz", "online", "site", "tech", "store", "shop",
    "blog", "cloud", "news", "live", "life", "world", "club", "top", "email", "link", "space", "website", "page",
    "art", "paris", "bzh", "alsace", "corsica", "eus", "quebec", "brussels", "berlin", "london", "nyc", "swiss",
    "law", "bank", "agency", "company", "consulting", "group", "media", "studio", "digital", "network", "solutions",
    "services", "finance", "capital", "fund", "partners", "ventures", "legal", "insurance", "immo",
}
TLDS = _GENERIC_TLDS | {c.lower() for c in COUNTRIES} | {"uk", "eu", "su", "ac"}
# TLDs that are also file extensions: "setup.py" or "notes.md" are files, not domains.
_FILE_TLDS = {"py", "md", "sh", "rs", "pl", "pm", "cc", "so", "ps", "am", "in", "zip", "mov", "ml", "mk",
              "sc", "gz", "bz", "cs", "db"}

_SEP = r"[ \u00a0\u202f]"
_URL = re.compile(r"(?:(?:[hH][tT][tT][pP][sS]?|[fF][tT][pP])://|[wW][wW][wW]\.)[^\s<>\"'`{}|\\^]+")
_LOCAL_CHARS = "_!#$%&*+/=?^`{|}~.-"
_EMAIL_DOMAIN = re.compile(r"(?:[^\W_](?:[\w\-]{0,61}[^\W_])?\.)+(?:[^\W\d_]{2,63}|xn--[a-z0-9\-]+)(?![\w\-]|\.[^\W\d_])",
                           re.IGNORECASE)
# Digit-led with the look-behind after the first digit: re skips ahead fast (the match starts 2 later).
_IBAN = re.compile(rf"\d(?<=(?<!\w)[A-Za-z]{{2}}\d)\d(?:(?:{_SEP}|-)?[A-Za-z0-9]){{8,32}}")
_BIC = re.compile(r"(?<![\w])[A-Z]{4}[A-Z]{2}[A-Z0-9]{2}(?:[A-Z0-9]{3})?(?![\w])")
_BIC_CUE = re.compile(r"(?i)\b(?:bic|swift)\b")  # searched only in the 25 characters before a code
_NUM = re.compile(rf"\d(?<![\w.,\-]\d)\d{{2}}(?P<s>{_SEP}|\.)?\d{{3}}(?P=s)?\d{{3}}(?:(?P=s)?\d{{5}})?(?![\w]|[.,\-]\d|{_SEP}\d)")
_SIREN_CUE = re.compile(r"(?i)(?:siren|siret|r\.?c\.?s\.?|immatricul\w*|registre du commerce)\b[^\n\d]{0,30}$")
# sex (1, 2; 3, 4, 7, 8 for provisional numbers), year, month (01-12, 20-42 and 50-99 when unknown),
# département (2 digits, or 2A/2B), commune, order, key; a separator allowed between groups
_NIR = re.compile(rf"(?<![\w.,\-])[1-478]{_SEP}?\d{{2}}{_SEP}?(?:0[1-9]|1[0-2]|[2-35-9]\d|4[0-2]){_SEP}?"
                  rf"(?:\d{{2}}|2[ABab]){_SEP}?\d{{3}}{_SEP}?\d{{3}}{_SEP}?\d{{2}}(?![\w]|[.,\-]\d)")
_NIR_CUE = re.compile(r"(?i)(?:\bnir\b|s[ée]curit[ée] sociale|\binsee\b|\bn°\s*ss\b|\bsocial security)[^\n\d]{0,30}$")
_IPV4 = re.compile(r"\d(?<![\w.]\d)\d{0,2}\.(?:\d{1,3}\.){2}\d{1,3}(?![\w]|\.\d)")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_IPV6_HINT = re.compile(r":(?=[0-9A-Fa-f]{0,4}:)")
_VERSION_CUE = re.compile(r"(?i)(?:version|v\.?|release|build)\s*$")
_PHONE = re.compile(rf"(?:\+(?<![\w+.\-/]\+){_SEP}?\d|\((?<![\w+.\-/]\()\d{{1,4}}\)|\d(?<![\w+.\-/]\d))"
                    r"[\d \u00a0\u202f.\-()]{6,22}\d(?![\w]|[.\-/]\d)")
_MONEY_AFTER = re.compile(r"\s*(?:€|\$|£|%|euros?\b|eur\b|usd\b|dollars?\b|francs?\b|[km]€)", re.IGNORECASE)
_DOMAIN = re.compile(r"(?:[^\W_](?:[\w\-]{0,61}[^\W_])?\.)+(?:[^\W\d_]{2,24}|xn--[a-z0-9\-]+)"
                     r"(?![\w\-]|\.[^\W\d_])", re.IGNORECASE)
_DOT = re.compile(r"\.(?<=[^\W_]\.)(?=[^\W\d_]{2})")
_PRIORITY = {"url": 9, "email": 8, "iban": 7, "bic": 6, "nir": 5.5, "siret": 5, "siren": 5, "phone": 4, "ip": 3,
             "domain": 2}
# (start, end, type, value, valid)
_Cand = tuple[int, int, str, str, bool]


def luhn_valid(digits: str) -> bool:
    """The Luhn checksum of a string of digits."""
    total = 0
    for i, ch in enumerate(reversed(digits)):
        n = int(ch) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def siret_valid(digits: str) -> bool:
    """Luhn, except La Poste's establishments (SIREN 356000000), whose digit sum is a multiple of 5."""
    if digits.startswith("356000000"):
        return sum(int(c) for c in digits) % 5 == 0
    return luhn_valid(digits)


def iban_valid(iban: str) -> bool:
    """Country length and ISO 7064 mod 97-10 of a compact, upper-case IBAN."""
    if IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban.isalnum():
        return False
    moved = iban[4:] + iban[:4]
    return int("".join(str(int(c, 36)) for c in moved)) % 97 == 1


def _idna(domain: str) -> tuple[str, bool]:
    """Lower-case, IDNA-decoded domain and whether its labels are well formed."""
    d = domain.lower().rstrip(".")
    labels = d.split(".")
    ok = len(d) <= 253 and all(0 < len(lb) <= 63 and not lb.startswith("-") and not lb.endswith("-") for lb in labels)
    if "xn--" in d:
        try:
            d = d.encode("ascii").decode("idna")
        except (UnicodeError, ValueError):
            ok = False
    return d, ok


def _urls(text: str) -> Iterator[_Cand]:
    starts = {_expand_left(text, a.start(), "", 5) for a in re.finditer("://", text)}
    starts |= {a.start() for a in re.finditer(r"www\.|WWW\.", text)}
    for start in sorted(starts):
        m = _URL.match(text, start)
        if m is None or (start and (text[start - 1].isalnum() or text[start - 1] in "_@")):
            continue
        s = m.group()
        while s and s[-1] in ".,;:!?'\"»”’*":
            s = s[:-1]
        # Trim a closing bracket that closes something outside the URL: "(see http://x.org/a)".
        while s and s[-1] in ")]}" and s.count(s[-1]) > s.count({")": "(", "]": "[", "}": "{"}[s[-1]]):
            s = s[:-1]
            while s and s[-1] in ".,;:!?":
                s = s[:-1]
        host = re.split(r"[/?#]", re.sub(r"^(?:(?:https?|ftp)://)", "", s, flags=re.IGNORECASE), maxsplit=1)[0]
        host = host.rsplit("@", 1)[-1].split(":")[0] if not host.startswith("[") else host
        valid = _host_valid(host)
        yield m.start(), m.start() + len(s), "url", s, valid


def _host_valid(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        pass
    d, ok = _idna(host)
    tld = d.rsplit(".", 1)[-1] if "." in d else ""
    return ok and tld.isalpha() and len(tld) >= 2


def _expand_left(text: str, i: int, chars: str, limit: int) -> int:
    """Start of the run of word characters or `chars` that ends at i (at most `limit` long)."""
    j = i
    while j > 0 and i - j < limit and (text[j - 1].isalnum() or text[j - 1] in chars):
        j -= 1
    return j


def _emails(text: str) -> Iterator[_Cand]:
    # Anchored on "@" and grown by hand: scanning for a local part at every position is slow.
    for at in re.finditer("@", text):
        start = _expand_left(text, at.start(), _LOCAL_CHARS, 64)
        while start < at.start() and text[start] in ".-+":
            start += 1
        right = _EMAIL_DOMAIN.match(text, at.end())
        if start == at.start() or right is None:
            continue
        local, dom = text[start:at.start()], right.group()
        d, ok = _idna(dom)
        ok = ok and not local.endswith(".") and ".." not in local
        yield start, right.end(), "email", f"{local}@{d}", ok


def _ibans(text: str) -> Iterator[_Cand]:
    pos = 0
    while (m := _IBAN.search(text, pos)) is not None:
        pos = m.start() + 1  # the greedy candidate may run into the next IBAN: search again from here
        start = m.start() - 2
        raw = text[start:m.end()]
        length = IBAN_LENGTHS.get(raw[:2].upper())
        if length is None:
            continue
        n, end = 0, 0
        for i, ch in enumerate(raw):
            n += ch.isalnum()
            if n == length:
                end = i + 1
                break
        if not end or (start + end < len(text) and text[start + end].isalnum()):
            continue
        raw = raw[:end]
        compact = re.sub(r"[^A-Za-z0-9]", "", raw)
        # Mostly letters or mixed case: words that happen to start like an IBAN.
        if sum(c.isdigit() for c in compact) < length // 2 or not (compact.isupper() or compact.islower()):
            continue
        yield start, start + end, "iban", compact.upper(), iban_valid(compact.upper())
        pos = start + end


def _bics(text: str, near: list[tuple[int, int]]) -> Iterator[_Cand]:
    for m in _BIC.finditer(text):
        cued = _BIC_CUE.search(text, max(0, m.start() - 25), m.start()) is not None
        if cued or any(abs(m.start() - e) < 100 or abs(s - m.end()) < 100 for s, e in near):
            code = m.group()
            yield m.start(), m.end(), "bic", code, code[4:6] in COUNTRIES


def _siren_siret(text: str) -> Iterator[_Cand]:
    for m in _NUM.finditer(text):
        digits = re.sub(r"\D", "", m.group())
        kind = "siret" if len(digits) == 14 else "siren"
        valid = siret_valid(digits) if kind == "siret" else luhn_valid(digits)
        cued = _SIREN_CUE.search(text[max(0, m.start() - 45):m.start()]) is not None
        if cued or (valid and m.group("s")):
            yield m.start(), m.end(), kind, digits, valid


def nir_valid(nir: str) -> bool:
    """The key of a 15-character NIR (digits, 2A/2B in place of the département's digits in Corsica)."""
    body, key = nir[:13].upper(), nir[13:]
    if len(nir) != 15 or not key.isdigit():
        return False
    # Corsica: 2A counts as 19 and 2B as 18 in the key's computation (INSEE's rule)
    body = body[:5] + {"2A": "19", "2B": "18"}.get(body[5:7], body[5:7]) + body[7:]
    if not body.isdigit():
        return False
    return int(key) == 97 - int(body) % 97


def _nirs(text: str) -> Iterator[_Cand]:
    for m in _NIR.finditer(text):
        value = re.sub(r"[ \u00a0\u202f]", "", m.group()).upper()
        valid = nir_valid(value)
        if valid or _NIR_CUE.search(text[max(0, m.start() - 45):m.start()]):
            yield m.start(), m.end(), "nir", value, valid


def _ips(text: str) -> Iterator[_Cand]:
    for m in _IPV4.finditer(text):
        if _VERSION_CUE.search(text[max(0, m.start() - 12):m.start()]):
            continue
        try:
            yield m.start(), m.end(), "ip", str(ipaddress.IPv4Address(m.group())), True
        except ValueError:
            continue
    seen: set[int] = set()
    for hit in _IPV6_HINT.finditer(text):
        m6 = _IPV6.search(text, max(0, hit.start() - 40), min(len(text), hit.end() + 45))
        if m6 is None or m6.start() in seen:
            continue
        seen.add(m6.start())
        s = m6.group()
        if sum(1 for g in s.split(":") if g) < 2 or not re.search(r"[0-9A-Fa-f]{2}", s):
            continue
        try:
            yield m6.start(), m6.end(), "ip", str(ipaddress.IPv6Address(s)), True
        except ValueError:
            continue


def _national_prefix_ok(digits: str, region: str) -> bool:
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if meta is None:
        return False
    if meta.country_code == 1:  # North America: no trunk prefix to check
        return len(digits) in (10, 11)
    prefix = meta.national_prefix or ""
    return bool(prefix) and digits.startswith(prefix)


def _phones(text: str, lang: str | None, region: str) -> Iterator[_Cand]:
    for m in _PHONE.finditer(text):
        raw = m.group().strip()
        digits = re.sub(r"\D", "", raw)
        if not 8 <= len(digits) <= 15 or _MONEY_AFTER.match(text, m.end()):
            continue
        intl = raw.startswith(("+", "00"))
        number = None
        if intl:
            try:
                number = phonenumbers.parse("+" + digits[2:] if raw.startswith("00") else raw, None)
            except phonenumbers.NumberParseException:
                continue
            if phonenumbers.region_code_for_country_code(number.country_code or 0) == "ZZ":
                continue
        else:
            regions = [region] + (["US"] if lang == "en" and region != "US" else [])
            for reg in regions:
                if not _national_prefix_ok(digits, reg):
                    continue
                try:
                    cand = phonenumbers.parse(raw, reg)
                except phonenumbers.NumberParseException:
                    continue
                if phonenumbers.is_valid_number(cand):
                    number = cand
                    break
            if number is None:
                continue
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        yield m.start(), m.start() + len(raw), "phone", e164, phonenumbers.is_valid_number(number)


def _domains(text: str) -> Iterator[_Cand]:
    last = 0
    for dot in _DOT.finditer(text):  # anchored on "." between letters, then grown by hand
        if dot.start() < last:
            continue
        start = _expand_left(text, dot.start(), "-.", 200)
        while start < dot.start() and text[start] in ".-":
            start += 1
        if start and text[start - 1] in "@/_":
            continue
        m = _DOMAIN.match(text, start)
        if m is None or m.end() <= dot.start():
            continue
        last = m.end()
        raw = m.group()
        tld = raw.rsplit(".", 1)[-1]
        low = tld.lower()
        labels = raw.split(".")
        if not (tld.islower() or raw.isupper()) or (low not in TLDS and not low.startswith("xn--")):
            continue
        if len(labels) == 2 and (low in _FILE_TLDS or len(labels[0]) < 2):
            continue
        d, ok = _idna(raw)
        yield m.start(), m.end(), "domain", d, ok


def _select(cands: list[_Cand]) -> list[_Cand]:
    """Keep the best candidates without overlaps: by type priority, then length."""
    return non_overlapping(cands, lambda c: (-_PRIORITY[c[2]], c[0] - c[1], c[0]))


def find_identifiers(text: str, lang: str | None = None, region: str = "FR") -> list[Identifier]:
    """All identifiers in `text`, in text order, without overlaps."""
    cands: list[_Cand] = []
    low = text.lower()
    cands += _urls(text) if "://" in text or "www." in low else []
    cands += _emails(text) if "@" in text else []
    ibans = list(_ibans(text))
    cands += ibans
    if ibans or "bic" in low or "swift" in low:
        cands += _bics(text, [(c[0], c[1]) for c in ibans])
    cands += _siren_siret(text)
    cands += _nirs(text)
    cands += _ips(text)
    cands += _phones(text, lang, region)
    cands += _domains(text) if "." in text else []
    return [Identifier(s, e, text[s:e], t, v, ok) for s, e, t, v, ok in _select(cands)]
