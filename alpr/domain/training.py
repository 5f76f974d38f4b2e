"""Completion of department-approved ALPR training (policy 418.4(d), 418.98)."""

from __future__ import annotations

from alpr.domain.records import Record


class TrainingRecord(Record):
    member_id: str
    course: str
    completed_on: str
    recorded_by: str
    recorded_at: str
