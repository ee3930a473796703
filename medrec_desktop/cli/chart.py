"""The chart part of `medrec patients show`: the summary's sections (active problems,
allergies, current medications, latest vitals, immunizations due or recent, social history:
whatever ``services/chart_sections.py`` lists), as JSON-ready data and as text. Built from
the summary service's DTOs only, so the CLI says each item as the summary page does."""

from __future__ import annotations

from typing import Any

from medrec_desktop.domain.chart_summary import ChartSummary
from medrec_desktop.domain.item_codec import to_plain


def chart_data(summary: ChartSummary) -> dict[str, Any]:
    """The summary as plain values: each section's items in full (codes included), its
    one-line texts, its reminders (vaccines due), withheld counts per label; and the
    changes since the last visit."""
    return {
        "sections": [
            {
                "key": s.key,
                "title": s.title,
                "lines": list(s.lines),
                "reminders": list(s.reminders),
                "items": [to_plain(i) for i in s.items],
                "withheld": {label.value: n for label, n in s.withheld.items()},
                "withheld_notes": list(s.withheld_notes),
                "empty_note": s.empty_note,
            }
            for s in summary.sections
        ],
        "last_opened": to_plain(summary.last_opened),
        "changes": [to_plain(c) | {"line": c.line()} for c in summary.changes],
        "changes_withheld": {label.value: n for label, n in summary.changes_withheld.items()},
        "more_changes": summary.more_changes,
    }


def chart_text(data: dict[str, Any]) -> list[str]:
    """The lines `patients show` prints for :func:`chart_data`'s output (local times)."""
    lines: list[str] = []
    for s in data["sections"]:
        lines.append(f"{s['title']}:")
        shown = s["reminders"] + s["lines"] + s["withheld_notes"]
        if not shown and s["empty_note"]:
            shown = [s["empty_note"]]
        lines += [f"  {line}" for line in shown]
    if data["last_opened"] is None:
        return lines
    changes = [c["line"] for c in data["changes"]]
    hidden = sum(data["changes_withheld"].values())
    if hidden:
        changes.append(f"{hidden} change{'s' if hidden != 1 else ''} to withheld items")
    if data["more_changes"]:
        changes.append(f"and {data['more_changes']} earlier changes")
    lines.append("Changed by others since you last opened this chart:")
    lines += [f"  {c}" for c in changes] if changes else ["  Nothing"]
    return lines
