"""Identifiers and contact details: validated with their checksums, stored in one canonical form.

Each ``clean_*`` returns the canonical value ("" for an empty input) or raises
``django.core.exceptions.ValidationError`` with a message a person can act on.
"""

import re

import phonenumbers
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.utils.translation import gettext as _
from stdnum import exceptions as stdnum_errors
from stdnum.eu import vat
from stdnum.fr import siren, siret
from stdnum.iso7064 import mod_11_2

_ROR_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # Crockford base 32, as ROR uses
_RNSR = re.compile(r"^\d{9}[A-Z]$")


def clean_siren(value: str) -> str:
    value = siren.compact(value or "")
    if not value:
        return ""
    if not siren.is_valid(value):
        raise ValidationError(_("This SIREN is not valid (9 digits with a check digit)."))
    return value


def clean_siret(value: str) -> str:
    value = siret.compact(value or "")
    if not value:
        return ""
    if not siret.is_valid(value):
        raise ValidationError(_("This SIRET is not valid (14 digits with a check digit)."))
    return value


def clean_vat_number(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    try:
        return vat.validate(vat.compact(value))
    except stdnum_errors.ValidationError as error:
        raise ValidationError(_("This VAT number is not valid.")) from error


def clean_rnsr(value: str) -> str:
    value = (value or "").strip().upper().replace(" ", "")
    if value and not _RNSR.match(value):
        raise ValidationError(_("An RNSR number has 9 digits and a letter, e.g. 200919215A."))
    return value


def clean_ror(value: str) -> str:
    value = (value or "").strip().lower().removeprefix("https://ror.org/")
    if not value:
        return ""
    if not re.fullmatch(r"0[0-9a-hjkmnp-tv-z]{6}\d{2}", value):
        raise ValidationError(_("A ROR id looks like 05f82e368."))
    number = 0
    for char in value[1:7]:
        number = number * 32 + _ROR_ALPHABET.index(char)
    # ISO 7064 mod 97-10 check digits of the base-32 number.
    if 98 - (number * 100) % 97 != int(value[7:]):
        raise ValidationError(_("This ROR id's check digits are wrong."))
    return value


def clean_orcid(value: str) -> str:
    value = (value or "").strip().upper().removeprefix("HTTPS://ORCID.ORG/")
    if not value:
        return ""
    digits = value.replace("-", "")
    if not re.fullmatch(r"\d{15}[\dX]", digits) or not mod_11_2.is_valid(digits):
        raise ValidationError(_("This ORCID is not valid (e.g. 0000-0002-1825-0097)."))
    return "-".join(digits[i : i + 4] for i in range(0, 16, 4))


def clean_phone(value: str, *, region: str = "FR") -> str:
    """A phone number in E.164 ("+33247000000"); French numbers may be written nationally."""
    value = (value or "").strip()
    if not value:
        return ""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException as error:
        raise ValidationError(_("This phone number cannot be read.")) from error
    if not phonenumbers.is_valid_number(number):
        raise ValidationError(_("This phone number is not valid."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_email(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    EmailValidator(message=_("This e-mail address is not valid."))(value)
    local, _at, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}"


def clean_website(value: str) -> str:
    value = (value or "").strip()
    if not value:
        return ""
    if "://" not in value:
        value = "https://" + value
    URLValidator(schemes=["http", "https"], message=_("This web address is not valid."))(value)
    return value


def clean_postcode(value: str) -> str:
    value = (value or "").strip().replace(" ", "")
    if value and value.isdigit() and len(value) == 4:
        value = "0" + value  # spreadsheets drop the leading zero of 01000–09999
    return value


def siren_of_siret(value: str) -> str:
    return value[:9] if value else ""
