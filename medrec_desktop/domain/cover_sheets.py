"""Cover sheets (issue 12): a page printed from a chart and placed in front of paper that
will be scanned, so the scan files itself to that patient and document type.

The sheet's 2-D barcode carries only a token: 128 random bits, nothing about the patient.
Which patient, type and encounter it means is kept in the encrypted database
(``models.inbox.CoverSheet``); a lost sheet tells its finder nothing a barcode reader can
see. The token starts with a fixed prefix so intake can tell the clinic's own sheets from the
other barcodes scans carry (a lab's specimen code, a payer's form number): those are ignored.
No Qt, no database.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import secrets
from dataclasses import dataclass

import zxingcpp
from PIL import Image

#: What every token starts with: "medrec cover sheet, format 1". Not secret, not PHI.
TOKEN_PREFIX = "MRCS1-"
TOKEN_BITS = 128
# 128 bits in base32 (A-Z, 2-7) without padding: 26 characters. Upper case and digits only,
# so the whole token fits the QR code's compact alphanumeric mode.
_BODY_LENGTH = 26
_ALPHABET = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")

#: How long a printed sheet files scans. Paper that a cover sheet goes in front of often
#: comes back weeks later (a form the patient takes home to sign, a specialist's letter, an
#: outside lab), so the sheet must outlive that; a stray sheet found months later should not
#: still file pages into a chart unseen. 90 days covers the usual turnaround; a late sheet
#: sends its scan to the inbox, where a person files it.
DEFAULT_LIFETIME = dt.timedelta(days=90)


@dataclass(frozen=True)
class IssuedCoverSheet:
    """A printed cover sheet: its token (the barcode's only content), the one-page PDF to
    print, and when it stops filing scans (UTC)."""

    token: str
    pdf: bytes
    expires_at: dt.datetime


def new_token() -> str:
    """A fresh token: the prefix and 128 random bits from the system's secure source."""
    body = base64.b32encode(secrets.token_bytes(TOKEN_BITS // 8)).decode("ascii").rstrip("=")
    return TOKEN_PREFIX + body


def is_ours(text: str) -> bool:
    """Whether a barcode's text claims to be one of the clinic's cover sheets (its prefix).
    Anything else on a scan is somebody else's barcode and is ignored."""
    return text.strip().upper().startswith(TOKEN_PREFIX)


def parse_token(text: str) -> str | None:
    """The token in a decoded barcode's text, or None when the text is not a well-formed
    cover-sheet token (not ours, or ours but damaged). Case and surrounding blanks are
    forgiven: some readers report alphanumeric QR content as they please."""
    candidate = text.strip().upper()
    if not candidate.startswith(TOKEN_PREFIX):
        return None
    body = candidate[len(TOKEN_PREFIX) :]
    if len(body) != _BODY_LENGTH or not set(body) <= _ALPHABET:
        return None
    try:
        raw = base64.b32decode(body + "=" * (-len(body) % 8))
    except binascii.Error:
        return None
    # The last character holds 2 unused bits; a token we made has them zero, so re-encoding
    # gives the same text back. Anything else was not made here.
    if len(raw) != TOKEN_BITS // 8 or base64.b32encode(raw).decode().rstrip("=") != body:
        return None
    return candidate


def find_token(page: Image.Image) -> str | None:
    """The text of the clinic's cover-sheet barcode on a page's picture (upper case, blanks
    trimmed; possibly damaged: check it with :func:`parse_token`), or None when the page
    carries none (no barcode, or only other people's). QR codes upright or turned (a sheet
    fed sideways), never inverted (light on dark)."""
    # Made per call, not kept in the module: a binding object alive when the program exits
    # makes nanobind print leak warnings.
    qr_only = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    found = zxingcpp.read_barcodes(page, formats=qr_only, try_rotate=True, try_invert=False)
    for barcode in found:
        if is_ours(barcode.text):
            return barcode.text.strip().upper()
    return None
