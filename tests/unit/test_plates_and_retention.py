from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from alpr.domain.plates import is_plausible_plate, normalize_plate
from alpr.domain.retention import RetentionConfigError, RetentionPolicy
from alpr.schema import RETENTION, SourceClass

PACIFIC = ZoneInfo("America/Los_Angeles")


@pytest.mark.parametrize(
    ("raw", "plate"),
    [("7abc123", "7ABC123"), (" 7-ABC 123 ", "7ABC123"), ("７ＡＢＣ１２３", "7ABC123"), ("AB·C.1", "ABC1"), ("", "")],
)
def test_normalize_plate_keeps_only_latin_letters_and_digits(raw: str, plate: str) -> None:
    assert normalize_plate(raw) == plate


def test_plausible_plate_length_bounds() -> None:
    assert is_plausible_plate("7ABC123")
    assert not is_plausible_plate("A")
    assert not is_plausible_plate("ABCDEFGHI")
    assert not is_plausible_plate("7abc123")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=PACIFIC)


def visible(policy: RetentionPolicy, source: SourceClass, captured: datetime, at: datetime) -> bool:
    return not policy.is_expired(policy.expires_epoch(source, captured), at)


class TestFixedIsDeletedIn30CalendarDays:
    """Policy 418.5: FLOCK images "shall be deleted in 30 calendar days"."""

    policy = RetentionPolicy()
    captured = local(2026, 3, 1, 23, 50)  # late in the evening, local time

    def test_visible_29_days_after_capture_until_the_last_minute(self) -> None:
        assert visible(self.policy, SourceClass.FIXED, self.captured, local(2026, 3, 30, 23, 59))

    def test_gone_once_30_calendar_days_have_passed(self) -> None:
        assert not visible(self.policy, SourceClass.FIXED, self.captured, local(2026, 3, 31, 0, 0))

    def test_calendar_days_are_counted_in_department_time_not_utc(self) -> None:
        # 23:50 Pacific on 1 March is already 2 March in UTC: the UTC date must not shift the boundary.
        assert self.captured.astimezone(UTC).day == 2
        assert self.policy.expires_at(SourceClass.FIXED, self.captured) == local(2026, 3, 31).astimezone(UTC)

    def test_axon_is_aligned_with_fixed(self) -> None:
        assert self.policy.expires_at(SourceClass.AXON, self.captured) == self.policy.expires_at(
            SourceClass.FIXED, self.captured
        )


class TestVehicleIsPurgedOnThe366thDay:
    """Policy 418.5: "stored for one year ... purged on the 366th day"."""

    policy = RetentionPolicy()
    captured = local(2026, 1, 10, 8, 0)  # day 1

    def test_kept_through_day_365(self) -> None:
        day_365 = local(2026, 1, 10) + timedelta(days=364)
        assert visible(self.policy, SourceClass.VEHICLE, self.captured, day_365.replace(hour=23, minute=59))

    def test_gone_on_day_366(self) -> None:
        day_366 = local(2026, 1, 10) + timedelta(days=365)
        assert not visible(self.policy, SourceClass.VEHICLE, self.captured, day_366)

    def test_daylight_saving_change_does_not_move_the_boundary(self) -> None:
        captured = local(2026, 3, 7, 12, 0)  # the day before clocks go forward
        assert self.policy.expires_at(SourceClass.FIXED, captured).astimezone(PACIFIC) == local(2026, 4, 6)


def test_a_department_may_shorten_retention() -> None:
    policy = RetentionPolicy({SourceClass.FIXED: 14})
    assert policy.days(SourceClass.FIXED) == 14
    captured = local(2026, 5, 1, 12)
    assert not visible(policy, SourceClass.FIXED, captured, local(2026, 5, 15))


@pytest.mark.parametrize("source", list(SourceClass))
def test_no_configuration_can_lengthen_retention_past_the_policy(source: SourceClass) -> None:
    with pytest.raises(RetentionConfigError, match="may be shortened"):
        RetentionPolicy({source: RETENTION[source].purge_after_days + 1})


def test_policy_periods_are_the_ones_the_policy_states() -> None:
    # Changing these needs a policy change first; this test is the tripwire.
    assert {s: r.purge_after_days for s, r in RETENTION.items()} == {
        SourceClass.VEHICLE: 365,
        SourceClass.FIXED: 30,
        SourceClass.AXON: 30,
    }
    assert RETENTION[SourceClass.AXON].shareable is False
    assert RETENTION[SourceClass.VEHICLE].forwarded_to_ncric is True
    assert not RETENTION[SourceClass.FIXED].forwarded_to_ncric


def test_retention_overrides_come_from_the_environment() -> None:
    policy = RetentionPolicy.from_env({"ALPR_RETENTION_DAYS_VEHICLE": "180"})
    assert policy.days(SourceClass.VEHICLE) == 180
    with pytest.raises(RetentionConfigError):
        RetentionPolicy.from_env({"ALPR_RETENTION_DAYS_FIXED": "31"})


class TestPurgeCutoffMatchesTheBoundary:
    """The purge's scan cutoff must agree with each item's own expiry, on both sides, in local time."""

    policy = RetentionPolicy()

    @pytest.mark.parametrize("source", list(SourceClass))
    @pytest.mark.parametrize(
        "captured", [local(2026, 3, 1, 23, 50), local(2026, 3, 8, 1, 30), local(2026, 11, 1, 0, 5)]
    )
    def test_cutoff_and_expiry_agree_either_side_of_midnight(self, source: SourceClass, captured: datetime) -> None:
        expiry = self.policy.expires_at(source, captured)
        just_before, at = expiry - timedelta(minutes=1), expiry
        assert not captured < self.policy.purge_cutoff(source, just_before)
        assert captured < self.policy.purge_cutoff(source, at)

    def test_fixed_cutoff_is_local_midnight(self) -> None:
        cutoff = self.policy.purge_cutoff(SourceClass.FIXED, local(2026, 3, 31, 0, 0))
        assert cutoff == local(2026, 3, 2).astimezone(UTC)  # captured 1 March (day 1) is past day 30

    def test_age_counts_the_capture_date_as_day_1_in_local_time(self) -> None:
        captured = local(2026, 1, 10, 23, 30)  # 11 January in UTC
        assert self.policy.age_days(captured, local(2026, 1, 10, 23, 59)) == 1
        assert self.policy.age_days(captured, local(2027, 1, 9, 12)) == 365
        assert self.policy.age_days(captured, local(2027, 1, 10, 0, 0)) == 366
