"""Golden files: every template rendered for a fixed context. UPDATE_GOLDEN=1 rewrites them;
read the diff like a letter before committing, since these files are what citizens receive."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.unit.notify.samples import SAMPLES
from services.notify.messages import NoticeRenderer, OfficeInfo, SmsPolicy

GOLDEN_DIR = Path(__file__).resolve().parents[2] / "golden" / "notify"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"

renderer = NoticeRenderer(
    sms_policy=SmsPolicy(max_segments=4),
    office=OfficeInfo(name="县效能建设办公室", phone="0571-12345000"),
)


def check_golden(name: str, actual: str) -> None:
    path = GOLDEN_DIR / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
        return
    assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1"
    assert actual == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_email_matches_golden(sample: str) -> None:
    kind, context = SAMPLES[sample]
    email = renderer.render_email(kind, context)
    check_golden(f"{sample}.email.txt", f"Subject: {email.subject}\n\n{email.text}")
    check_golden(f"{sample}.email.html", email.html)


@pytest.mark.parametrize("sample", sorted(s for s in SAMPLES if not s.startswith("monthly_bulletin")))
def test_sms_matches_golden(sample: str) -> None:
    kind, context = SAMPLES[sample]
    sms = renderer.render_sms(kind, context)
    assert not sms.truncated, "golden samples should fit; truncation has its own tests"
    check_golden(
        f"{sample}.sms.txt",
        f"{sms.text}\n\n# {sms.characters} characters, {sms.segments} segment(s)\n",
    )
