"""Reports in a pair exchange that a facilitator can act on: the reason in one tap, the last
messages as the reporter saw them, and dismiss / warn / end / remove, refused to anyone else."""

from __future__ import annotations

import pytest
from sqlmodel import select

from bot.storage.tables import (
    Exchange,
    ExchangeStatus,
    Membership,
    MembershipStatus,
    Program,
    Report,
    ReportOutcome,
    RoleName,
)
from bot.telegram.application import Palaver
from tests.fakebot import FakeBotApi, FakeUser
from tests.journeys.test_exchange import a_program, amal_waits_for_yael, grant
from tests.support import onboarded, person_row, rows, settle


async def reported(
    fake_api: FakeBotApi, palaver: Palaver
) -> tuple[FakeUser, FakeUser, FakeUser, Program]:
    """Amal shared her introduction with Yael, then reported Yael as hurtful; Faro, the
    program's facilitator, has the alert."""
    amal, yael = await amal_waits_for_yael(fake_api, palaver)
    [program] = await rows(palaver, select(Program))
    faro = await onboarded(fake_api, "Faro")
    await grant(palaver, faro, program, RoleName.FACILITATOR)
    amal.send("/report")
    question = await amal.expect_message("report your partner")
    assert "Disrespectful or hurtful" in question.button_texts
    amal.press("Disrespectful or hurtful", question)
    await amal.expect_message("A facilitator will look into it")
    return amal, yael, faro, program


async def test_the_facilitator_gets_the_reason_the_last_messages_and_what_to_do(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal, yael, faro, _program = await reported(fake_api, palaver)
    alert = await faro.expect_message("Report:")
    text = alert.text or ""
    amal_row, yael_row = await person_row(palaver, amal.id), await person_row(palaver, yael.id)
    assert amal_row and yael_row and amal_row.pseudonym and yael_row.pseudonym
    assert f"{amal_row.pseudonym} reported their exchange partner {yael_row.pseudonym}" in text
    assert "Reason: Disrespectful or hurtful" in text
    assert f"— {amal_row.pseudonym}: I grow tomatoes on my balcony." in text
    assert alert.button_texts == ["Dismiss", "Warn", "End the exchange", "Remove from the program"]
    # Nobody's Telegram identity reaches the facilitator, and the reported one is not told.
    for identity in (str(amal.id), amal.first_name, str(yael.id), yael.first_name):
        assert identity not in text
    await yael.expect_no_message()
    [report] = await rows(palaver, select(Report))
    assert report.reason == "hurtful" and report.outcome == ReportOutcome.OPEN


async def test_warning_tells_the_reported_partner_and_the_exchange_goes_on(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal, yael, faro, _program = await reported(fake_api, palaver)
    alert = await faro.expect_message("Report:")
    faro.press("Warn", alert)
    await faro.expect_message("Done: Warn.")
    await yael.expect_message("please keep to the agreements")
    await amal.expect_message("A facilitator has looked at your report")
    [exchange] = await rows(palaver, select(Exchange))
    assert exchange.status == ExchangeStatus.ACTIVE
    [report] = await rows(palaver, select(Report))
    assert report.outcome == ReportOutcome.WARNED and report.resolved_at is not None


async def test_ending_the_exchange_tells_both_and_offers_the_reporter_someone_new(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal, yael, faro, _program = await reported(fake_api, palaver)
    faro.press("End the exchange", await faro.expect_message("Report:"))
    await faro.expect_message("Done: End the exchange.")
    await yael.expect_message("A facilitator has ended this exchange.")
    ended = await amal.expect_message("A facilitator has ended this exchange. Thank you")
    assert ended.button_texts == ["Find me a new partner"]
    [exchange] = await rows(palaver, select(Exchange))
    assert exchange.status == ExchangeStatus.ENDED
    assert exchange.ended_reason == "ended_by_facilitator"


async def test_removing_takes_the_reported_partner_out_of_the_program(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    _amal, yael, faro, _program = await reported(fake_api, palaver)
    faro.press("Remove from the program", await faro.expect_message("Report:"))
    await faro.expect_message("Done: Remove from the program.")
    await yael.expect_message("removed you from the program")
    yael_row = await person_row(palaver, yael.id)
    assert yael_row is not None
    [membership] = await rows(
        palaver, select(Membership).where(Membership.person_id == yael_row.id)
    )
    assert membership.status == MembershipStatus.LEFT
    yael.send("/partner")
    await yael.expect_message("not part of a dialogue program")


@pytest.mark.parametrize("who", ["reporter", "reported", "another program's facilitator"])
async def test_only_the_programs_facilitators_may_act_on_a_report(
    fake_api: FakeBotApi, palaver: Palaver, who: str
) -> None:
    amal, yael, faro, _program = await reported(fake_api, palaver)
    alert = await faro.expect_message("Report:")
    if who == "another program's facilitator":
        other = await a_program(palaver.database)
        stranger = await onboarded(fake_api, "Sol")
        await grant(palaver, stranger, other, RoleName.FACILITATOR)
        actor = stranger
    else:
        actor = amal if who == "reporter" else yael
    for data in alert.callback_data:
        answer = await actor.expect_callback_answer(actor.press_data(data))
        assert "can't do that" in answer.params["text"], data
    await settle(fake_api, palaver)
    [report] = await rows(palaver, select(Report))
    assert report.outcome == ReportOutcome.OPEN
    [exchange] = await rows(palaver, select(Exchange))
    assert exchange.status == ExchangeStatus.ACTIVE


async def test_a_handled_report_or_a_forged_button_changes_nothing(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal, yael, faro, _program = await reported(fake_api, palaver)
    alert = await faro.expect_message("Report:")
    end = next(d for d in alert.callback_data if d.startswith("mod:end."))
    faro.press("Dismiss", alert)
    await faro.expect_message("Done: Dismiss.")
    told = await amal.expect_message("A facilitator has looked at your report.")
    assert "acted on it" not in (told.text or "")
    answer = await faro.expect_callback_answer(faro.press_data(end))
    assert "already been handled" in answer.params["text"]
    for forged in ("mod:end.999999", "mod:explode.1", "mod:end", "mod:end.x"):
        answer = await faro.expect_callback_answer(faro.press_data(forged))
        assert "no longer active" in answer.params["text"], forged
    [exchange] = await rows(palaver, select(Exchange))
    assert exchange.status == ExchangeStatus.ACTIVE
    await yael.expect_no_message()
