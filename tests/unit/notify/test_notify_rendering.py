"""Rendering rules beyond the golden files: strictness, escaping, dates, SMS length limits."""

from __future__ import annotations

import shutil
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
from jinja2 import UndefinedError
from pydantic import ValidationError

from services.notify.messages import (
    DeadlineWarningContext,
    MeasureDecidedContext,
    MeasureKind,
    NoSuchTemplate,
    NoticeKind,
    NoticeRenderer,
    OverflowPolicy,
    SmsPolicy,
    SmsTooLong,
    segment_count,
    ucs2_length,
)
from services.notify.messages.formatting import cn_datetime
from services.notify.messages.rendering import DEFAULT_TEMPLATES_DIR
from tests.unit.notify.samples import SAMPLES

WARNING_KIND, WARNING = SAMPLES["deadline_warning"]


def test_dates_are_shown_in_shanghai_time() -> None:
    utc_evening = datetime(2026, 5, 15, 9, 30, tzinfo=timezone.utc)
    assert cn_datetime(utc_evening) == "2026年5月15日 17:30"
    assert cn_datetime(datetime(2026, 5, 15, 23, 5, tzinfo=timezone(timedelta(hours=-4)))) == "2026年5月16日 11:05"


def test_naive_datetimes_are_refused_by_the_model() -> None:
    with pytest.raises(ValidationError):
        DeadlineWarningContext(**{**WARNING.model_dump(), "deadline": datetime(2026, 5, 15, 17, 30)})


def test_plain_dict_context_is_accepted() -> None:
    renderer = NoticeRenderer()
    assert renderer.render_sms(WARNING_KIND, WARNING.model_dump()) == renderer.render_sms(WARNING_KIND, WARNING)


def test_wrong_model_for_kind_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        NoticeRenderer().render_sms(NoticeKind.DEADLINE_MISSED, WARNING)


def test_template_using_an_unknown_field_fails_loudly(tmp_path) -> None:
    (tmp_path / "deadline_warning").mkdir()
    (tmp_path / "deadline_warning" / "sms.txt.j2").write_text("{{ no_such_field }}", encoding="utf-8")
    with pytest.raises(UndefinedError):
        NoticeRenderer(templates_dir=tmp_path).render_sms(WARNING_KIND, WARNING)


def test_html_part_is_escaped_and_text_part_is_not() -> None:
    _, measure = SAMPLES["measure_admonition"]
    hostile = MeasureDecidedContext(**{**measure.model_dump(), "reason": "<script>x</script> & 其他"})
    email = NoticeRenderer().render_email(NoticeKind.MEASURE_DECIDED, hostile)
    assert "&lt;script&gt;x&lt;/script&gt; &amp; 其他" in email.html and "<script>" not in email.html
    assert "<script>x</script> & 其他" in email.text


def test_a_value_a_macro_puts_into_html_is_escaped_there(tmp_path) -> None:
    """An HTML template takes a macro's output as it is (_macros.j2 is not autoescaped), so the
    macro escapes what it emphasises itself."""
    shutil.copy(DEFAULT_TEMPLATES_DIR / "_macros.j2", tmp_path)
    (tmp_path / "x.html.j2").write_text(
        '{% from "_macros.j2" import rectify_by %}{{ rectify_by(notice, strong=true) }}')
    notice = SimpleNamespace(rectification_continues=False, rectification_deadline=None,
                             rectification_working_days="<i>3</i> & 4")
    html = NoticeRenderer(templates_dir=tmp_path)._env.get_template("x.html.j2").render(notice=notice)
    assert html == "自收到本通知之日起<strong>&lt;i&gt;3&lt;/i&gt; &amp; 4个工作日内</strong>"


def test_bulletin_has_no_sms() -> None:
    kind, bulletin = SAMPLES["monthly_bulletin"]
    renderer = NoticeRenderer()
    assert not renderer.has_sms(kind) and renderer.has_sms(NoticeKind.DEADLINE_WARNING)
    with pytest.raises(NoSuchTemplate):
        renderer.render_sms(kind, bulletin)


def test_supervision_requires_a_rectification_deadline() -> None:
    _, measure = SAMPLES["measure_admonition"]
    with pytest.raises(ValidationError, match="rectification_deadline"):
        MeasureDecidedContext(**{**measure.model_dump(), "measure": MeasureKind.SUPERVISION})


def test_signature_is_configurable_and_counted() -> None:
    sms = NoticeRenderer(SmsPolicy(signature="【某县效能办】")).render_sms(WARNING_KIND, WARNING)
    assert sms.text.startswith("【某县效能办】张华同志：")
    assert sms.characters == len(sms.text)


@pytest.mark.parametrize(("units", "segments"), [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)])
def test_segment_boundaries(units: int, segments: int) -> None:
    assert segment_count("效" * units) == segments


def test_characters_outside_the_bmp_count_twice() -> None:
    assert ucs2_length("𠀀a") == 3  # a CJK Extension B character is a surrogate pair in UCS-2/UTF-16


def test_refuse_policy_raises_when_too_long() -> None:
    renderer = NoticeRenderer(SmsPolicy(max_segments=1, overflow=OverflowPolicy.REFUSE))
    with pytest.raises(SmsTooLong):
        renderer.render_sms(WARNING_KIND, WARNING)


@pytest.mark.parametrize("max_segments", [1, 2])
def test_truncate_policy_fits_and_marks(max_segments: int) -> None:
    policy = SmsPolicy(max_segments=max_segments, truncation_marker="…详见邮件")
    kind, context = SAMPLES["complaint_result_substantiated"]  # 152 characters
    sms = NoticeRenderer(policy).render_sms(kind, context)
    assert sms.truncated and sms.segments == max_segments
    assert sms.text.startswith("【县效能办】") and sms.text.endswith("…详见邮件")
    assert sms.characters <= (70 if max_segments == 1 else 67 * max_segments)


def test_truncation_never_splits_a_surrogate_pair() -> None:
    from services.notify.messages.sms_length import fit

    text, truncated = fit("【县效能办】" + "𠀀" * 80, SmsPolicy(max_segments=1, truncation_marker="…"))
    assert truncated and ucs2_length(text) <= 70
    text.encode("utf-8")  # a lone surrogate would raise here
