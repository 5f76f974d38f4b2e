"""The one rule for case and incident numbers: searches, access records, holds, hotlist entries and sharing.

A case number names a department (or agency) file, and it travels into access records, S3 keys of booked
evidence and CSV exports, so it is short plain text: 3 to 64 characters, starting with a letter or digit,
then letters, digits, spaces and ``. _ # : -``. No slashes, so it can never walk out of a key's folder
(``../../audits/quarterly/2026-Q4`` is refused, not sanitized), and no control characters.
"""

from __future__ import annotations

import re

from alpr.domain.errors import DomainError

MIN_CASE_CHARS = 3
MAX_CASE_CHARS = 64
_CASE_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9 ._#:-]*")
CASE_RULE = (
    f"a case or incident number is {MIN_CASE_CHARS} to {MAX_CASE_CHARS} characters: letters, digits, spaces "
    "and . _ # : - (starting with a letter or digit)"
)


class InvalidCaseNumber(DomainError):
    status = 400
    code = "invalid_case_number"


def case_number(value: str | None, error: type[DomainError] = InvalidCaseNumber) -> str:
    """The case number, stripped; ``error`` (with the rule as its message) when it breaks the rule."""
    case = (value or "").strip()
    if not (MIN_CASE_CHARS <= len(case) <= MAX_CASE_CHARS) or not _CASE_NUMBER.fullmatch(case):
        shown = f" ({case[:80]!r} is not one)" if case else ""
        raise error(f"{CASE_RULE}{shown}")
    return case


def optional_case_number(value: str | None, error: type[DomainError] = InvalidCaseNumber) -> str:
    """An outside agency may file without its own case number; one that is given follows the same rule."""
    return case_number(value, error) if (value or "").strip() else ""
