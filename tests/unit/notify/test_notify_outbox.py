"""The local outbox: one file per notice id, written atomically, sends arriving together written
together."""

from __future__ import annotations

import asyncio
import errno
import threading
from datetime import UTC, datetime
from email import message_from_bytes, policy

import pytest

from services.notify.channels import (
    DeliveryOutcome,
    OutboxEmailChannel,
    OutboxSmsChannel,
    OutgoingEmail,
    OutgoingSms,
    SmtpSettings,
)
from services.notify.channels import outbox

# 16:30 UTC is 00:30 the next day in Shanghai: the folder follows the local date.
LATE_EVENING_UTC = datetime(2026, 5, 14, 16, 30, tzinfo=UTC)


@pytest.fixture(autouse=True, params=["unnamed", "temp name"])
def naming(request, monkeypatch) -> str:
    """Every test runs both ways a file is written: without a name (O_TMPFILE, then linked) and,
    where the filesystem refuses that, as a temp file linked into place."""
    monkeypatch.setattr(outbox, "_UNNAMED", request.param == "unnamed")
    return request.param


@pytest.fixture(autouse=True, params=["syncfs per group", "fsync per file"])
def durability(request, monkeypatch) -> str:
    """... and both ways a group is made durable: one syncfs(2) (Linux 5.8 and later), or an
    fsync per file and per day folder."""
    if request.param == "syncfs per group" and not outbox._syncfs_usable():
        pytest.skip("syncfs does not report writeback errors on this kernel")
    monkeypatch.setattr(outbox, "_GROUP_SYNC", request.param == "syncfs per group")
    return request.param


def sms(notice_id: str = "n-7") -> OutgoingSms:
    return OutgoingSms(notice_id=notice_id, kind="deadline_warning", phone="13800000000", text="【县效能办】测试短信")


async def test_sms_lands_in_local_date_folder(tmp_path) -> None:
    channel = OutboxSmsChannel(tmp_path, clock=lambda: LATE_EVENING_UTC)
    result = await channel.send(sms())
    assert result.outcome is DeliveryOutcome.SENT
    path = tmp_path / "sms" / "2026-05-15" / "n-7.txt"
    assert result.provider_message_id == "sms/2026-05-15/n-7.txt"
    assert path.read_text(encoding="utf-8").endswith("\n\n【县效能办】测试短信\n")
    assert [p.name for p in path.parent.iterdir()] == ["n-7.txt"]  # no temp file left behind


async def test_same_notice_id_twice_gives_one_file_even_on_another_day(tmp_path) -> None:
    days = iter([LATE_EVENING_UTC, datetime(2026, 5, 20, 3, 0, tzinfo=UTC)])
    channel = OutboxSmsChannel(tmp_path, clock=lambda: next(days))
    first = await channel.send(sms())
    second = await channel.send(OutgoingSms("n-7", "deadline_warning", "13800000000", "改过的文字"))
    assert first.sent and second.sent
    assert second.provider_message_id == first.provider_message_id
    # The second send wrote nothing and says so: the delivery log counts crash-window re-sends.
    assert (first.reason, second.reason) == ("", outbox.ALREADY_THERE)
    files = list((tmp_path / "sms").rglob("*.txt"))
    assert len(files) == 1 and "测试短信" in files[0].read_text(encoding="utf-8")


async def test_a_notice_files_under_the_day_it_was_created_whenever_it_is_sent(tmp_path) -> None:
    days = iter([datetime(2026, 5, 20, 3, 0, tzinfo=UTC), datetime(2026, 5, 21, 3, 0, tzinfo=UTC)])
    channel = OutboxSmsChannel(tmp_path, clock=lambda: next(days))
    made = LATE_EVENING_UTC  # 00:30 on 15 May in Shanghai
    first = await channel.send(OutgoingSms("n-5", "deadline_warning", "13800000000", "第一次",
                                           created_at=made))
    again = await channel.send(OutgoingSms("n-5", "deadline_warning", "13800000000", "重发",
                                           created_at=made))  # a retry, a day later
    assert first.provider_message_id == again.provider_message_id == "sms/2026-05-15/n-5.txt"
    assert (first.reason, again.reason) == ("", outbox.ALREADY_THERE)
    files = list((tmp_path / "sms").rglob("*.txt"))
    assert len(files) == 1 and "第一次" in files[0].read_text(encoding="utf-8")


async def test_concurrent_duplicates_give_one_file(tmp_path) -> None:
    channel = OutboxSmsChannel(tmp_path, clock=lambda: LATE_EVENING_UTC)
    results = await asyncio.gather(*(channel.send(sms("n-9")) for _ in range(8)))
    assert all(r.sent for r in results)
    assert sorted(r.reason for r in results) == [""] + [outbox.ALREADY_THERE] * 7
    assert len(list((tmp_path / "sms").rglob("*"))) == 2  # the day folder and one file


async def test_email_is_a_parseable_eml_with_both_parts(tmp_path) -> None:
    settings = SmtpSettings(host="unused", port=25, from_address="notify@xiaoneng.example.gov.cn")
    channel = OutboxEmailChannel(tmp_path, settings, clock=lambda: LATE_EVENING_UTC)
    email = OutgoingEmail("n-8", "a@b.example", "【黄牌预警】测试", "正文：张华同志", "<p>张华同志</p>")
    result = await channel.send(email)
    raw = (tmp_path / result.provider_message_id).read_bytes()
    parsed = message_from_bytes(raw, policy=policy.default)
    assert parsed["Subject"] == "【黄牌预警】测试"
    assert parsed["Message-ID"] == "<notice.n-8@xiaoneng.example.gov.cn>"
    assert parsed.get_body(("plain",)).get_content() == "正文：张华同志\n"
    assert parsed.get_body(("html",)).get_content() == "<p>张华同志</p>\n"


# --- sends arriving together are written together --------------------------------------------

async def test_sends_arriving_together_share_thread_calls_and_each_returns_once_durable(
        tmp_path, monkeypatch, durability) -> None:
    """A send returns only after a sync that saw its file (the group's syncfs, or its folder's
    fsync); the group shares the thread call."""
    calls, synced, fsyncs, group_syncs = [], [], [], []
    write_files, fsync_dir, syncfs = outbox.write_files, outbox._fsync_dir, outbox._syncfs
    fsync = outbox.os.fsync

    def counting(folder, files, made):
        calls.append(len(files))
        return write_files(folder, files, made)

    def recording_folder(folder):
        fsync_dir(folder)
        synced.extend(folder / p.name for p in folder.iterdir())

    def recording_group(fd):
        syncfs(fd)
        group_syncs.append(fd)
        synced.extend(tmp_path.rglob("*.txt"))

    monkeypatch.setattr(outbox, "write_files", counting)
    monkeypatch.setattr(outbox, "_fsync_dir", recording_folder)
    monkeypatch.setattr(outbox, "_syncfs", recording_group)
    monkeypatch.setattr(outbox.os, "fsync", lambda fd: (fsyncs.append(fd), fsync(fd)))
    channel = OutboxSmsChannel(tmp_path, clock=lambda: LATE_EVENING_UTC)

    async def send(i: int):
        result = await channel.send(sms(f"n-{i}"))
        assert tmp_path / result.provider_message_id in synced
        return result

    results = await asyncio.gather(*(send(i) for i in range(20)))
    assert all(r.sent for r in results)
    assert sum(calls) == 20 and len(calls) < 20
    day = tmp_path / "sms" / "2026-05-15"
    assert sorted(p.name for p in day.iterdir()) == sorted(f"n-{i}.txt" for i in range(20))
    if durability == "fsync per file":  # every file, and its day folder once per call
        assert len(fsyncs) >= 20 + len(calls) and not group_syncs
    else:  # one syncfs per thread call, nothing fsync'd one by one
        assert len(group_syncs) == len(calls) and not fsyncs


async def test_a_file_that_cannot_be_written_fails_alone(tmp_path, monkeypatch) -> None:
    link_once = outbox._link_once

    def failing(folder, f, made):
        if f.notice_id == "n-2":
            raise OSError(errno.ENOSPC, "No space left on device")
        return link_once(folder, f, made)

    monkeypatch.setattr(outbox, "_link_once", failing)
    channel = OutboxSmsChannel(tmp_path, clock=lambda: LATE_EVENING_UTC)
    results = await asyncio.gather(*(channel.send(sms(f"n-{i}")) for i in range(4)))
    assert [r.outcome for r in results] == [DeliveryOutcome.SENT, DeliveryOutcome.SENT,
                                            DeliveryOutcome.TRANSIENT_FAILURE, DeliveryOutcome.SENT]
    assert results[2].reason == "outbox write failed: No space left on device"


async def test_a_folder_that_cannot_be_synced_fails_every_file_in_it_until_a_retry(
        tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(outbox, "_GROUP_SYNC", False)  # a folder is synced on its own only so
    fsync_dir = outbox._fsync_dir

    def failing(folder):
        if folder.name == "2026-05-15":  # the day folder, not the one it was made in
            raise OSError(errno.EIO, "Input/output error")
        fsync_dir(folder)

    monkeypatch.setattr(outbox, "_fsync_dir", failing)
    channel = OutboxSmsChannel(tmp_path, clock=lambda: LATE_EVENING_UTC)
    results = await asyncio.gather(*(channel.send(sms(f"n-{i}")) for i in range(3)))
    assert {r.outcome for r in results} == {DeliveryOutcome.TRANSIENT_FAILURE}
    monkeypatch.setattr(outbox, "_fsync_dir", fsync_dir)
    retried = await asyncio.gather(*(channel.send(sms(f"n-{i}")) for i in range(3)))
    assert all(r.sent for r in retried)  # the files were there: the first copies stand
    assert len(list((tmp_path / "sms").rglob("*.txt"))) == 3


async def test_a_group_that_cannot_be_synced_fails_every_file_in_it_until_a_retry(
        tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(outbox, "_GROUP_SYNC", True)
    syncfs = outbox._syncfs

    def failing(fd):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(outbox, "_syncfs", failing)
    channel = OutboxSmsChannel(tmp_path, clock=lambda: LATE_EVENING_UTC)
    results = await asyncio.gather(*(channel.send(sms(f"n-{i}")) for i in range(3)))
    assert {r.outcome for r in results} == {DeliveryOutcome.TRANSIENT_FAILURE}
    assert {r.reason for r in results} == {"outbox write failed: Input/output error"}
    monkeypatch.setattr(outbox, "_syncfs", syncfs)
    retried = await asyncio.gather(*(channel.send(sms(f"n-{i}")) for i in range(3)))
    assert all(r.sent for r in retried)  # the files were there: the first copies stand
    assert len(list((tmp_path / "sms").rglob("*.txt"))) == 3


@pytest.mark.parametrize("release, usable", [("6.18.44-fc", True), ("5.8.0", True),
                                             ("5.4.0-150-generic", False), ("4.19.0", False),
                                             ("weird", False)])
def test_syncfs_is_trusted_only_where_it_reports_writeback_errors(monkeypatch, release,
                                                                   usable) -> None:
    monkeypatch.setattr(outbox.platform, "release", lambda: release)
    monkeypatch.setattr(outbox.sys, "platform", "linux")
    assert outbox._syncfs_usable() is usable


def test_a_refused_syncfs_raises_with_the_kernels_reason() -> None:
    if not outbox._syncfs_usable():
        pytest.skip("no syncfs here")
    with pytest.raises(OSError) as refused:
        outbox._syncfs(-1)
    assert refused.value.errno == errno.EBADF


async def test_a_cancelled_send_leaves_its_file_and_the_others_go_on(tmp_path, monkeypatch) -> None:
    gate, write_files = threading.Event(), outbox.write_files

    def gated(folder, files, made):
        gate.wait(10)
        return write_files(folder, files, made)

    monkeypatch.setattr(outbox, "write_files", gated)
    channel = OutboxSmsChannel(tmp_path, clock=lambda: LATE_EVENING_UTC)
    sends = [asyncio.ensure_future(channel.send(sms(f"n-{i}"))) for i in range(3)]
    await asyncio.sleep(0)  # all three queued, not written yet
    sends[1].cancel()
    gate.set()
    assert (await sends[0]).sent and (await sends[2]).sent
    with pytest.raises(asyncio.CancelledError):
        await sends[1]
    await asyncio.gather(*channel._writers)  # the cancelled send's file is written all the same
    assert len(list((tmp_path / "sms").rglob("*.txt"))) == 3



def refuse_unnamed_files(monkeypatch, code: int, message: str) -> None:
    """Opening an unnamed file (O_TMPFILE) fails with this error; every other open works."""
    real_open = outbox.os.open

    def refusing(path, flags, *a, **kw):
        if flags & outbox.os.O_TMPFILE == outbox.os.O_TMPFILE:
            raise OSError(code, message)
        return real_open(path, flags, *a, **kw)

    monkeypatch.setattr(outbox.os, "open", refusing)


class TestUnnamedFiles:
    @pytest.fixture(autouse=True)
    def naming(self, monkeypatch) -> str:  # these are about the unnamed way only
        monkeypatch.setattr(outbox, "_UNNAMED", True)
        return "unnamed"

    async def test_files_are_written_without_a_temp_name_where_the_filesystem_allows(
            self, tmp_path, monkeypatch) -> None:
        temp_names = []
        mkstemp = outbox.tempfile.mkstemp
        monkeypatch.setattr(outbox.tempfile, "mkstemp",
                            lambda **kw: temp_names.append(kw) or mkstemp(**kw))
        channel = OutboxSmsChannel(tmp_path, clock=lambda: LATE_EVENING_UTC)
        results = await asyncio.gather(*(channel.send(sms(f"n-{i}")) for i in range(5)))
        assert all(r.sent for r in results)
        if not outbox._UNNAMED:
            pytest.skip("this filesystem refuses O_TMPFILE (the temp-name way was used)")
        assert temp_names == []
        day = tmp_path / "sms" / "2026-05-15"
        assert sorted(p.name for p in day.iterdir()) == [f"n-{i}.txt" for i in range(5)]
        assert (day / "n-3.txt").stat().st_mode & 0o777 == 0o600

    async def test_a_filesystem_refusing_unnamed_files_falls_back_to_temp_names(
            self, tmp_path, monkeypatch) -> None:
        refuse_unnamed_files(monkeypatch, errno.EOPNOTSUPP, "Operation not supported")
        channel = OutboxSmsChannel(tmp_path, clock=lambda: LATE_EVENING_UTC)
        results = await asyncio.gather(*(channel.send(sms(f"n-{i}")) for i in range(3)))
        assert all(r.sent for r in results) and outbox._UNNAMED is False
        day = tmp_path / "sms" / "2026-05-15"
        assert sorted(p.name for p in day.iterdir()) == [f"n-{i}.txt" for i in range(3)]

    async def test_a_full_disk_fails_the_file_and_keeps_the_unnamed_way(
            self, tmp_path, monkeypatch) -> None:
        refuse_unnamed_files(monkeypatch, errno.ENOSPC, "No space left on device")
        channel = OutboxSmsChannel(tmp_path, clock=lambda: LATE_EVENING_UTC)
        result = await channel.send(sms("n-1"))
        assert result.outcome is DeliveryOutcome.TRANSIENT_FAILURE
        assert result.reason == "outbox write failed: No space left on device"
        assert outbox._UNNAMED is True  # a full disk is not a filesystem without O_TMPFILE
