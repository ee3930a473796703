"""Parsers on small inputs, and fuzzed: any input gives rows or ImportFormatError, nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from medrec_desktop.coding.importers.cm_tabular import parse_tabular
from medrec_desktop.coding.importers.cpt import parse_cpt_csv
from medrec_desktop.coding.importers.errors import ImportFormatError
from medrec_desktop.coding.importers.hcpcs import parse_anweb
from medrec_desktop.coding.importers.order import parse_codes, parse_order
from medrec_desktop.coding.importers.pcs_tables import parse_pcs_tables
from medrec_desktop.coding.refs import code_ranges

sys.path.insert(0, str(Path(__file__).parent))
from hcpcs_fixture import procedure, record, sample_file  # noqa: E402


def order_line(n: int, code: str, flag: str, title: str) -> str:
    return f"{n:05d} {code:<7} {flag} {title[:60]:<60} {title}"


def test_order_file_and_error_names_line_and_field() -> None:
    lines = [order_line(1, "A00", "0", "Cholera"), order_line(2, "A000", "1", "Cholera due")]
    rows = parse_order(lines, "t.txt")
    assert [(r.code, r.billable, r.parent) for r in rows] == [
        ("A00", False, None),
        ("A000", True, "A00"),
    ]
    bad = lines + [order_line(3, "A001", "7", "x")]
    try:
        parse_order(bad, "t.txt")
    except ImportFormatError as exc:
        assert exc.line == 3 and "billable flag (col 15)" in str(exc)
    else:
        raise AssertionError("no error")


def test_hcpcs_anweb_layout() -> None:
    text = sample_file()
    assert all(len(line) == 320 for line in text.splitlines())
    codes, validity = parse_anweb(text.splitlines(), "HCPC.txt")
    by = {c.code: c.title for c in codes}
    assert by["E0100"].endswith("need a second line")
    assert "25" in by
    assert ("K0001", 19930101, 20231231) in validity
    bad = procedure("J1100", "x", "x", added="2023133")
    try:
        parse_anweb(bad, "HCPC.txt")
    except ImportFormatError as exc:
        assert exc.line == 1 and "269-276" in str(exc)
    else:
        raise AssertionError("no error")
    orphan = [record("J9999", 200, "4", "continuation")]
    try:
        parse_anweb(orphan, "HCPC.txt")
    except ImportFormatError as exc:
        assert "continuation" in str(exc)


def test_cpt_csv_with_mapping() -> None:
    csv_text = ["Code,Long Descriptor,Other", "99213,Office visit est,1", "99214,Office visit,2"]
    rows = parse_cpt_csv(csv_text, "cpt.csv", {"code": "Code", "title": "Long Descriptor"})
    assert [r.code for r in rows] == ["99213", "99214"]
    try:
        parse_cpt_csv(csv_text[:2] + ["9921X,bad,3"], "cpt.csv")
    except ImportFormatError as exc:
        assert exc.line == 3 and "Code" in str(exc)


def test_pcs_tables_xml() -> None:
    xml = b"""<ICD10PCS.tabular><pcsTable>
      <axis pos="1" values="1"><title>Section</title>
        <label code="0">Medical and Surgical</label></axis>
      <axis pos="2" values="1"><label code="D">Gastrointestinal System</label></axis>
      <axis pos="3" values="1"><label code="T">Resection</label></axis>
      <pcsRow codes="2">
        <axis pos="4" values="1"><label code="J">Appendix</label></axis>
        <axis pos="5" values="2"><label code="0">Open</label>
          <label code="4">Percutaneous Endoscopic</label></axis>
        <axis pos="6" values="1"><label code="Z">No Device</label></axis>
        <axis pos="7" values="1"><label code="Z">No Qualifier</label></axis>
      </pcsRow></pcsTable></ICD10PCS.tabular>"""
    rows = parse_pcs_tables(xml, "t.xml")
    assert sorted(r.code for r in rows) == ["0DTJ0ZZ", "0DTJ4ZZ"]


def test_note_references() -> None:
    assert code_ranges("hypertension (O10-O11, O13-O16)") == [("O10", "O11"), ("O13", "O16")]
    assert code_ranges("type 1 diabetes mellitus (E10.-)") == [("E10", "E10")]


text_lines = st.lists(
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=330), max_size=6
)


@settings(max_examples=150, deadline=None)
@given(text_lines)
def test_fuzz_order_and_codes(lines: list[str]) -> None:
    for parse in (parse_order, parse_codes):
        try:
            parse(lines, "fuzz")
        except ImportFormatError:
            pass


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.sampled_from(sample_file().splitlines()), max_size=6),
    st.integers(0, 319),
    st.characters(blacklist_categories=("Cs",)),
)
def test_fuzz_hcpcs(lines: list[str], pos: int, ch: str) -> None:
    mutated = [ln[:pos] + ch + ln[pos + 1 :] for ln in lines]
    try:
        parse_anweb(mutated, "fuzz")
    except ImportFormatError:
        pass


@settings(max_examples=150, deadline=None)
@given(text_lines)
def test_fuzz_cpt(lines: list[str]) -> None:
    try:
        parse_cpt_csv(lines, "fuzz")
    except ImportFormatError:
        pass


@settings(max_examples=100, deadline=None)
@given(
    st.binary(max_size=400)
    | st.text(max_size=300).map(
        lambda t: (
            f"<ICD10CM.tabular><chapter><name>1</name>{t}</chapter></ICD10CM.tabular>".encode()
        )
    )
)
def test_fuzz_xml(data: bytes) -> None:
    for parse in (parse_tabular, parse_pcs_tables):
        try:
            parse(data, "fuzz")
        except ImportFormatError:
            pass


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=120))
def test_fuzz_note_references(text: str) -> None:
    for lo, hi in code_ranges(text):
        assert lo and hi
