"""The shipped rule book and its validation; state survives a JSON round trip for storage."""

from datetime import datetime

import pytest

from services.deadlines.domain import (
    LOCAL_TZ,
    Counting,
    DeadlineState,
    PauseReason,
    extend,
    load_rule_book,
    mark_fired,
    open_deadline,
    pause,
)


def test_shipped_kinds_and_quotas(book):
    assert set(book.kinds) == {
        "campaign_report", "matter", "complaint_acceptance", "complaint_conclusion",
        "complaint_return", "rectification_order", "appeal_window",
    }
    matter, hotline = book.rule("matter").extensions, book.rule("complaint_conclusion").extensions
    assert (matter.max_count, matter.max_days_each) == (1, 10)
    assert (hotline.max_count, hotline.max_days_each, hotline.counting) == (3, 3, Counting.WORKING_DAYS)
    assert set(book.rule("matter").pause_reasons) == set(PauseReason)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("  x: {title: t, counting: fixed_date, limit: 3}\n", "fixed_date kind takes its date"),
        ("  x: {title: t, counting: working_days, warnings: {percent_elapsed: [100]}}\n", "between 1 and 99"),
        ("  x: {title: t, counting: weeks}\n", "counting"),
        ("  x: {title: t, counting: working_days, typo: 1}\n", "typo"),
    ],
)
def test_invalid_rule_book_is_rejected(tmp_path, body, message):
    path = tmp_path / "kinds.yaml"
    path.write_text('version: "t"\nkinds:\n' + body, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_rule_book(path)


def test_state_json_round_trip(book, calendar):
    rule = book.rule("matter")
    state = open_deadline(rule, datetime(2026, 3, 2, 10, tzinfo=LOCAL_TZ), limit_days=5)
    state = extend(state, rule, calendar, 2, datetime(2026, 3, 3, tzinfo=LOCAL_TZ))
    state = pause(state, rule, calendar, PauseReason.HEARING, datetime(2026, 3, 4, tzinfo=LOCAL_TZ))
    state = mark_fired(state, "pct50")
    assert DeadlineState.model_validate_json(state.model_dump_json()) == state
