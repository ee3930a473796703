"""Generate HCPCS Level II ANWEB records laid out as CMS documents them (320 characters)."""

from __future__ import annotations

import textwrap


def _put(buf: list[str], start: int, text: str) -> None:
    """Write ``text`` at 1-based column ``start``."""
    for i, ch in enumerate(text):
        buf[start - 1 + i] = ch


def record(
    code: str,
    seq: int,
    rec_id: str,
    long_text: str,
    short: str = "",
    added: str = "",
    effective: str = "",
    terminated: str = "",
    action: str = "",
) -> str:
    buf = [" "] * 320
    _put(buf, 1, code.ljust(5)[:5])
    _put(buf, 6, f"{seq:05d}")
    _put(buf, 11, rec_id)
    _put(buf, 12, long_text.ljust(80)[:80])
    if rec_id in "37":
        _put(buf, 92, short.ljust(28)[:28])
        _put(buf, 120, "11")  # pricing indicator
        _put(buf, 128, "A")  # multiple pricing indicator
        _put(buf, 230, "C")  # coverage code
        _put(buf, 257, "O1A")  # BETOS
        _put(buf, 261, "1")  # type of service
        _put(buf, 269, added.ljust(8))
        _put(buf, 277, effective.ljust(8))
        _put(buf, 285, terminated.ljust(8))
        _put(buf, 293, action or " ")
    return "".join(buf)


def procedure(
    code: str,
    description: str,
    short: str,
    added: str = "20000101",
    terminated: str = "",
    action: str = "N",
) -> list[str]:
    """First line plus continuation lines for descriptions longer than 80 characters."""
    lines = textwrap.wrap(description, 80)
    out = [record(code, 100, "3", lines[0], short, added, added, terminated, action)]
    out += [record(code, 100 * (i + 2), "4", text) for i, text in enumerate(lines[1:])]
    return out


def sample_file() -> str:
    rows: list[str] = []
    rows += procedure(
        "A0021",
        "Ambulance service, outside state per mile, transport (Medicaid only)",
        "Outside state ambulance serv",
        "20000101",
    )
    rows += procedure(
        "E0100",
        "Cane, includes canes of all materials, adjustable or fixed,"
        " with tip, this description is long enough to need a second line",
        "Cane adjust/fixed with tip",
        "19850101",
    )
    rows += procedure(
        "G0008",
        "Administration of influenza virus vaccine",
        "Admin influenza virus vac",
        "19930101",
    )
    rows += procedure(
        "J1100",
        "Injection, dexamethasone sodium phosphate, 1 mg",
        "Dexamethasone sodium phos",
        "19860101",
    )
    rows += procedure(
        "K0001",
        "Standard wheelchair",
        "Standard wheelchair",
        "19930101",
        terminated="20231231",
        action="D",
    )
    rows.append(
        record(
            "   25",
            100,
            "7",
            "Significant, separately identifiable evaluation and management service",
            "Significant, separate e/m",
            "19920101",
            "19920101",
        )
    )
    return "\r\n".join(rows) + "\r\n"
