"""A small bundled table of common CDC CVX vaccine codes (public domain, CDC/NCIRD), so a
clinic can pick a vaccine by name or code offline.

It is not the whole CVX table (about 250 codes): any code of the right shape is accepted,
and these ones fill in the vaccine's name. ``group`` ties codes to the vaccine the
due-or-recent rules count (``domain/immunization_schedule.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from medrec_desktop.domain.errors import ValidationError


@dataclass(frozen=True)
class Cvx:
    code: str
    name: str
    group: str


INFLUENZA = "influenza"
TETANUS = "tetanus"  # tetanus-containing: Td, Tdap, DTaP and combinations

CVX_TABLE: tuple[Cvx, ...] = (
    Cvx("03", "MMR", "mmr"),
    Cvx("08", "Hep B, adolescent or pediatric", "hepb"),
    Cvx("09", "Td (adult), adsorbed", TETANUS),
    Cvx("10", "IPV", "polio"),
    Cvx("17", "Hib, unspecified formulation", "hib"),
    Cvx("20", "DTaP", TETANUS),
    Cvx("21", "Varicella", "varicella"),
    Cvx("25", "Typhoid, oral", "typhoid"),
    Cvx("33", "Pneumococcal polysaccharide PPV23", "pneumococcal"),
    Cvx("37", "Yellow fever", "yellow-fever"),
    Cvx("43", "Hep B, adult", "hepb"),
    Cvx("45", "Hep B, unspecified formulation", "hepb"),
    Cvx("48", "Hib (PRP-T)", "hib"),
    Cvx("49", "Hib (PRP-OMP)", "hib"),
    Cvx("52", "Hep A, adult", "hepa"),
    Cvx("62", "HPV, quadrivalent", "hpv"),
    Cvx("83", "Hep A, ped/adol, 2 dose", "hepa"),
    Cvx("85", "Hep A, unspecified formulation", "hepa"),
    Cvx("88", "Influenza, unspecified formulation", INFLUENZA),
    Cvx("90", "Rabies, unspecified formulation", "rabies"),
    Cvx("94", "MMRV", "mmr"),
    Cvx("101", "Typhoid, ViCPs", "typhoid"),
    Cvx("104", "Hep A-Hep B", "hepa"),
    Cvx("106", "DTaP, 5 pertussis antigens", TETANUS),
    Cvx("107", "DTaP, unspecified formulation", TETANUS),
    Cvx("110", "DTaP-Hep B-IPV", TETANUS),
    Cvx("113", "Td (adult), preservative free", TETANUS),
    Cvx("114", "Meningococcal MCV4P", "meningococcal"),
    Cvx("115", "Tdap", TETANUS),
    Cvx("116", "Rotavirus, pentavalent", "rotavirus"),
    Cvx("119", "Rotavirus, monovalent", "rotavirus"),
    Cvx("120", "DTaP-Hib-IPV", TETANUS),
    Cvx("121", "Zoster, live", "zoster"),
    Cvx("130", "DTaP-IPV", TETANUS),
    Cvx("133", "Pneumococcal conjugate PCV13", "pneumococcal"),
    Cvx("135", "Influenza, high dose seasonal", INFLUENZA),
    Cvx("136", "Meningococcal MCV4O", "meningococcal"),
    Cvx("138", "Td (adult), not adsorbed", TETANUS),
    Cvx("139", "Td (adult), unspecified formulation", TETANUS),
    Cvx("140", "Influenza, seasonal, injectable, preservative free", INFLUENZA),
    Cvx("141", "Influenza, seasonal, injectable", INFLUENZA),
    Cvx("149", "Influenza, live, intranasal, quadrivalent", INFLUENZA),
    Cvx("150", "Influenza, injectable, quadrivalent, preservative free", INFLUENZA),
    Cvx("158", "Influenza, injectable, quadrivalent", INFLUENZA),
    Cvx("165", "HPV9", "hpv"),
    Cvx("187", "Zoster recombinant", "zoster"),
    Cvx("197", "Influenza, high-dose, quadrivalent", INFLUENZA),
    Cvx("207", "COVID-19, mRNA, 100 mcg/0.5 mL dose", "covid-19"),
    Cvx("208", "COVID-19, mRNA, 30 mcg/0.3 mL dose", "covid-19"),
    Cvx("213", "COVID-19, unspecified formulation", "covid-19"),
    Cvx("215", "Pneumococcal conjugate PCV15", "pneumococcal"),
    Cvx("216", "Pneumococcal conjugate PCV20", "pneumococcal"),
)

_BY_CODE = {c.code: c for c in CVX_TABLE}
_SHAPE = re.compile(r"^\d{1,3}$")


def cvx_shape(text: str, *, field: str = "cvx") -> str | None:
    """``"3"`` -> ``"03"`` (CVX writes one-digit codes with a leading zero); blank -> None;
    anything but one to three digits -> a plain ValidationError."""
    raw = text.strip()
    if not raw:
        return None
    if not _SHAPE.match(raw) or int(raw) == 0:
        raise ValidationError(
            "A CVX code is a number of one to three digits (for example 115 for Tdap). "
            "Leave it blank if you do not know the code.",
            field=field,
        )
    return f"{int(raw):02d}"


def cvx_lookup(code: str | None) -> Cvx | None:
    """The bundled entry of a code (as :func:`cvx_shape` spells it), if it is one of them."""
    return _BY_CODE.get(code) if code else None


def search_cvx(text: str) -> tuple[Cvx, ...]:
    """Bundled codes whose code starts with, or whose name contains, ``text`` (type-ahead)."""
    wanted = text.strip().casefold()
    if not wanted:
        return CVX_TABLE
    if wanted.isdigit():
        digits = wanted.lstrip("0")
        return tuple(c for c in CVX_TABLE if c.code.lstrip("0").startswith(digits))
    return tuple(c for c in CVX_TABLE if wanted in c.name.casefold())
