"""Data rights: people see everything Palaver keeps, erase it, and old words are forgotten."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import inspect, text
from sqlmodel import select

from bot.storage.tables import Answer, RelayedMessage, Run
from bot.storage.types import utc_now
from bot.telegram.application import Palaver
from tests.fakebot import FakeBotApi, FakeUser
from tests.journeys.test_exchange import paired
from tests.support import person_row, rows, settle

AMAL_STORY = "My grandmother's olive tree near the well"


async def paired_with_words(fake_api: FakeBotApi, palaver: Palaver) -> tuple[FakeUser, FakeUser]:
    """Amal and Yael in an exchange, both having introduced themselves."""
    amal, yael = await paired(fake_api, palaver)
    for person in (amal, yael):
        await person.expect_message("How warm or cold")
        person.send("40")
        await person.expect_message("I can trust")
        person.send("2")
        await person.expect_message("Let's start with introductions")
    amal.send(AMAL_STORY)
    yael.send("I fix bicycles.")
    await yael.expect_message(AMAL_STORY)
    await amal.expect_message("I fix bicycles.")
    return amal, yael


async def test_mydata_sends_everything_kept_as_a_file(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal, _yael = await paired_with_words(fake_api, palaver)
    amal.send("/mydata")
    sent = await amal.expect_message("everything Palaver keeps about you")
    assert sent.method == "sendDocument" and sent.document is not None
    data = json.loads(sent.document.data)
    person = await person_row(palaver, amal.id)
    assert person is not None
    assert data["person"]["pseudonym"] == person.pseudonym
    assert data["programs"][0]["community"] == "east"
    assert AMAL_STORY in [entry["text"] for entry in data["words_sent_to_partners"]]
    answers = [a["answer"] for run in data["dialogues"] for a in run["answers"]]
    assert 40 in answers and AMAL_STORY in answers
    assert "I fix bicycles." not in json.dumps(data), "the partner's words are not Amal's data"


async def test_after_forget_no_table_holds_their_id_pseudonym_or_words(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    amal, yael = await paired_with_words(fake_api, palaver)
    person = await person_row(palaver, amal.id)
    assert person is not None and person.pseudonym
    traces = [str(amal.id), person.pseudonym, AMAL_STORY]

    amal.send("/forget")
    await amal.expect_message("erase everything")
    amal.press("Yes, erase everything")
    await amal.expect_message("has been erased")
    await yael.expect_message("Your partner has left Palaver")
    await settle(fake_api, palaver)

    for table, row in await every_row(palaver):
        for trace in traces:
            assert trace not in row, f"{table} still holds {trace!r}: {row}"
    assert await person_row(palaver, yael.id) is not None, "the partner is untouched"

    amal.send("/start")
    await amal.expect_message("Which language")


async def test_forget_can_be_cancelled(fake_api: FakeBotApi, palaver: Palaver) -> None:
    amal, _yael = await paired_with_words(fake_api, palaver)
    amal.send("/forget")
    await amal.expect_message("erase everything")
    amal.press("No, keep it")
    await amal.expect_message("Nothing was erased")
    assert await person_row(palaver, amal.id) is not None


async def test_relayed_words_are_erased_after_the_retention_period(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    await paired_with_words(fake_api, palaver)
    await settle(fake_api, palaver)
    async with palaver.database.unit_of_work() as uow:
        for message in await rows(palaver, select(RelayedMessage)):
            message.created_at = utc_now() - timedelta(days=31)
            uow.add(message)
        for run in await rows(palaver, select(Run)):
            run.updated_at = utc_now() - timedelta(days=31)
            uow.add(run)
        await uow.commit()

    erased = await palaver.privacy.apply_retention()

    assert erased >= 4
    assert all(m.text is None for m in await rows(palaver, select(RelayedMessage)))
    answers = await rows(palaver, select(Answer))
    assert AMAL_STORY not in [answer.value for answer in answers]
    assert sorted(a.value for a in answers if a.measure == "thermometer") == [40, 40]
    for run in await rows(palaver, select(Run)):
        assert AMAL_STORY not in run.state


async def test_recent_words_are_kept(fake_api: FakeBotApi, palaver: Palaver) -> None:
    await paired_with_words(fake_api, palaver)
    await settle(fake_api, palaver)
    assert await palaver.privacy.apply_retention() == 0
    assert any(m.text == AMAL_STORY for m in await rows(palaver, select(RelayedMessage)))


async def every_row(palaver: Palaver) -> list[tuple[str, str]]:
    """Every row of every table, as text."""
    async with palaver.database.engine.connect() as connection:
        tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        found = []
        for table in tables:
            result = await connection.execute(text(f'SELECT * FROM "{table}"'))
            found += [(table, str(tuple(row))) for row in result]
    return found
