"""A statements conversation across a whole program, in private chats: the organizers seed
and open it, participants of two communities vote with buttons and add their own statements
(approved by a facilitator before anyone sees them), and organizers see what every
community agrees on, never a small community's figures."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import select

from bot.config import Settings
from bot.services import opinion_groups
from bot.storage.tables import (
    Person,
    Program,
    RoleName,
    Statement,
    StatementStatus,
    Vote,
    VoteValue,
)
from bot.telegram.application import Palaver
from tests.fakebot import FakeBotApi, FakeUser, SentMessage
from tests.journeys.test_exchange import a_member, a_program, grant
from tests.support import invoke_cli, onboarded, rows, run_job, settle

SEEDED = [
    "Everyone deserves to feel safe walking home at night.",
    "The river should be cleaned by both towns together.",
    "Schools should teach both languages.",
]


def cli(settings: Settings) -> CliRunner:
    return CliRunner(
        env={
            "PALAVER_DATABASE_URL": settings.database_url,
            "PALAVER_DIALOGUES_DIR": str(settings.dialogues_dir),
            "PALAVER_LOCALES_DIR": str(settings.locales_dir),
        }
    )


async def test_a_program_wide_conversation_from_seeding_to_results(
    fake_api: FakeBotApi, palaver: Palaver, settings: Settings, tmp_path: Path
) -> None:
    program = await a_program(palaver.database)
    olga = await onboarded(fake_api, "Olga")
    await grant(palaver, olga, program, RoleName.ORGANIZER)
    amal = await a_member(fake_api, palaver, program, "east", first_name="Amal")
    bilal = await a_member(fake_api, palaver, program, "east", first_name="Bilal")
    yael = await a_member(fake_api, palaver, program, "west", first_name="Yael")
    dana = await a_member(fake_api, palaver, program, "west", first_name="Dana")

    amal.send("/vote")
    await amal.expect_message("no statements to vote on")

    statements = tmp_path / "statements.txt"
    statements.write_text("\n".join([*SEEDED, "", SEEDED[0]]) + "\n", encoding="utf-8")
    runner = cli(settings)
    seeded = await invoke_cli(
        runner, ["commonground", "seed", "--program", str(program.id), "--file", str(statements)]
    )
    assert seeded.exit_code == 0, seeded.output
    assert "3 statements added" in seeded.output
    opened = await invoke_cli(runner, ["commonground", "open", "--program", str(program.id)])
    assert opened.exit_code == 0, opened.output
    await run_job(palaver, "outbox")

    for person in (amal, bilal, yael, dana):
        await person.expect_message("asks what you think of a few short statements")
    await olga.expect_no_message()  # organizers are not participants

    # Amal is offered the three statements, one message each, and votes.
    amal.press("Show me statements")
    offered = [await amal.expect_message(words) for words in SEEDED]
    footer = await amal.expect_message("Vote on each in private")
    assert footer.button_texts == ["More statements", "Add my own statement"]
    for message in offered:
        assert message.button_texts == ["Agree", "Disagree", "Pass"]
        assert all(len(data.encode()) <= 64 for data in message.callback_data)
    agree_first = offered[0].callback_data[0]
    amal.press("Agree", offered[0])
    await amal.expect_message("You agree with this statement:")
    amal.press("Disagree", offered[1])
    await amal.expect_message("You disagree with this statement:")

    # A double tap (the old button pressed again) counts once.
    answer = await amal.expect_callback_answer(amal.press_data(agree_first, offered[0]))
    assert "already voted" in answer.params["text"]
    # Forged and stale buttons change nothing.
    for forged in ("cgv:99999.a", "cgv:1.x", "cgv:abc", "cg:more.99999", "cgm:ok.99999"):
        answer = await amal.expect_callback_answer(amal.press_data(forged))
        assert "no longer active" in answer.params["text"], forged
    await settle(fake_api, palaver)
    votes = await rows(palaver, select(Vote))
    assert sorted(v.value for v in votes) == [VoteValue.AGREE, VoteValue.DISAGREE]

    # Yael adds a statement of her own; the organizer is asked before anyone sees it.
    yael.press("Show me statements")
    await yael.expect_message("Vote on each in private")
    yael.press("Add my own statement")
    await yael.expect_message("Write your statement in one short message")
    yael.send("We all want our children to grow up without fear.")
    thanks = await yael.expect_message("A facilitator will read your statement")
    alert = await olga.expect_message("A participant wrote a new statement")
    assert "We all want our children to grow up without fear." in (alert.text or "")
    assert alert.button_texts == ["Approve", "Edit", "Reject"]
    for identity in (str(yael.id), yael.first_name):
        assert identity not in (alert.text or "")
    [pending] = await rows(
        palaver, select(Statement).where(Statement.status == StatementStatus.PENDING)
    )
    assert pending.seeded is False and pending.show_author is False

    # Nobody is offered it while it waits.
    bilal.press("Show me statements")
    assert _words(await _offered(bilal, 3)) == set(SEEDED)

    # A participant may not approve it.
    for data in alert.callback_data:
        answer = await amal.expect_callback_answer(amal.press_data(data))
        assert "can't do that" in answer.params["text"], data
    amal.send("/commonground")
    await amal.expect_message("can't do that")

    yael.press("Show my pseudonym with it", thanks)
    await yael.expect_message("will be shown with your statement")

    reject = alert.callback_data[2]
    olga.press("Approve", alert)
    await olga.expect_message("Approved: participants are offered it now.")
    await yael.expect_message("Your statement is now offered to others")
    again = await olga.expect_callback_answer(olga.press_data(reject, alert))
    assert "already been handled" in again.params["text"]

    # Others are offered it now, with Yael's pseudonym (she agreed); Yael is not.
    yael_row = await _person(palaver, yael.id)
    dana.send("/vote")
    batch = await _offered(dana, 3)
    assert "We all want our children to grow up without fear." in _words(batch)
    assert any(f"A statement by {yael_row.pseudonym}:" in (m.text or "") for m in batch)
    for message in batch:
        dana.press("Agree", message)
        await dana.expect_message("You agree with this statement:")
    dana.send("/vote")
    [last] = await _offered(dana, 1)
    assert _words([last]) | _words(batch) == {*SEEDED, pending.text}
    dana.press("Pass", last)
    await dana.expect_message("You passed on this statement:")
    dana.send("/vote")
    await dana.expect_message("You have voted on every statement for now")
    yael.press("More statements")
    assert _words(await _offered(yael, 3)) == set(SEEDED)

    # The organizer's results: two voters a community, under the minimum of 5: hidden.
    olga.send("/commonground")
    screen = await olga.expect_message("Common ground in Neighbours across the river (open)")
    text = screen.text or ""
    assert "4 statements offered, 0 waiting for a facilitator." in text
    assert "Communities with fewer than 5 voters are not shown." in text
    assert "east:" not in text and "west:" not in text

    # Closed: old buttons no longer take votes.
    closed = await invoke_cli(runner, ["commonground", "close", "--program", str(program.id)])
    assert "closed" in closed.output
    answer = await bilal.expect_callback_answer(bilal.press("Agree"))
    assert "closed" in answer.params["text"]


SPLIT = [
    "The bridge should be rebuilt before anything else.",
    "The market square should be rebuilt before the bridge.",
    "Both towns should keep the spring festival.",
]
"""One opinion group agrees with the first and rejects the second, the other the reverse;
everyone agrees with the third."""


async def test_the_organizer_sees_opinion_groups_that_cut_across_communities(
    fake_api: FakeBotApi,
    palaver: Palaver,
    settings: Settings,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    program = await a_program(palaver.database)
    await _smallest_group(palaver, program, 3)
    olga = await onboarded(fake_api, "Olga")
    await grant(palaver, olga, program, RoleName.ORGANIZER)
    # Each opinion group has two people from each community.
    bridge_first = [
        await a_member(fake_api, palaver, program, community, first_name=name)
        for community, name in (
            ("east", "Amal"),
            ("east", "Bilal"),
            ("west", "Yael"),
            ("west", "Dana"),
        )
    ]
    market_first = [
        await a_member(fake_api, palaver, program, community, first_name=name)
        for community, name in (
            ("east", "Omar"),
            ("east", "Rana"),
            ("west", "Noa"),
            ("west", "Eli"),
        )
    ]

    statements = tmp_path / "statements.txt"
    statements.write_text("\n".join(SPLIT) + "\n", encoding="utf-8")
    runner = cli(settings)
    for command in (["seed", "--file", str(statements)], ["open"]):
        done = await invoke_cli(runner, ["commonground", *command, "--program", str(program.id)])
        assert done.exit_code == 0, done.output
    await run_job(palaver, "outbox")

    for people, agreed in ((bridge_first, SPLIT[0]), (market_first, SPLIT[1])):
        for person in people:
            await person.expect_message("asks what you think of a few short statements")
            person.press("Show me statements")
            for message in await _offered(person, 3):
                words = (message.text or "").split("\n\n", 1)[1]
                choice = "Agree" if words in (agreed, SPLIT[2]) else "Disagree"
                person.press(choice, message)
                await person.expect_message(f"You {choice.lower()} with this statement:")

    olga.send("/commonground")
    screen = await olga.expect_message("Common ground in Neighbours across the river (open)")
    text = screen.text or ""
    # The communities are counted (four voters each, the minimum is 3), yet they do not
    # differ: each is split the same way.
    assert "east: 4 voters" in text and "west: 4 voters" in text
    bridging, groups = text.split("Opinion groups found from the votes", 1)
    assert SPLIT[2] in bridging.split("Agreed across every community:")[1]
    assert "(of everyone with 3 votes or more):" in groups
    first, second = groups.split("Group B: 4 people.")
    assert "Group A: 4 people. Agree more than the others with:" in first
    assert f"• {SPLIT[0]} (100% agree in the group, 0% among the others)" in first
    assert f"• {SPLIT[1]} (100% agree in the group, 0% among the others)" in second
    assert "not shown" not in groups
    # Sizes and shares only: nobody is named, by name or by pseudonym.
    for user in (*bridge_first, *market_first):
        person = await _person(palaver, user.id)
        for identity in (user.first_name, str(user.id), person.pseudonym):
            assert identity and identity not in text

    # Without the analysis extra the rest of the screen is the same, and it says why.
    monkeypatch.setattr(opinion_groups, "_analysis", lambda: None)
    olga.send("/commonground")
    screen = await olga.expect_message("Common ground in Neighbours across the river (open)")
    text = screen.text or ""
    assert SPLIT[2] in text
    assert "Opinion groups found from the votes need the optional analysis extra" in text
    assert "pip install 'palaver[analysis]'" in text
    assert "Group A" not in text


async def _smallest_group(palaver: Palaver, program: Program, size: int) -> None:
    """The program's minimum group size (an organizer's setting), before the conversation
    exists: the conversation takes it as its minimum number of voters."""
    async with palaver.database.unit_of_work() as uow:
        found = await uow.programs.get(program.id or 0)
        assert found is not None
        found.min_group_size = size
        uow.add(found)
        await uow.commit()


async def _offered(user: FakeUser, count: int) -> list[SentMessage]:
    """The `count` statements offered to `user`, then the message under them."""
    found = [await user.expect_message("A statement") for _ in range(count)]
    await user.expect_message("Vote on each in private")
    return found


def _words(messages: list[SentMessage]) -> set[str]:
    return {(m.text or "").split("\n\n", 1)[1] for m in messages}


async def _person(palaver: Palaver, telegram_id: int) -> Person:
    async with palaver.database.unit_of_work() as uow:
        found = await uow.people.by_telegram_id(telegram_id)
    assert found is not None
    return found
