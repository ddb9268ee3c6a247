"""Group circles, end to end through the fake Bot API on both databases: a facilitator
links a Telegram group with the circle's startgroup code; the bot runs rounds there with a
talking piece and timers on a hand-moved clock; a report is handled with the group's own
powers (deleteMessage, restrictChatMember); time outs, members leaving, the bot removed and
the group becoming a supergroup."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from bot.clock import ManualClock
from bot.storage.tables import Circle, CircleState, Exchange, ExchangeMember, Report, ReportOutcome
from bot.telegram.application import Palaver
from tests.fakebot import FakeBotApi, FakeGroup, member_json
from tests.journeys.test_circles import CircleScene, a_formed_circle
from tests.support import onboarded, rows, run_job, sends_finished, settle


async def a_linked_group(fake_api: FakeBotApi, palaver: Palaver) -> tuple[CircleScene, FakeGroup]:
    scene = await a_formed_circle(fake_api, palaver.database, group=True)
    group = fake_api.group("Circle by the river")
    group.make_owner(scene.faro)
    group.add_bot(by=scene.faro)
    scene.faro.send_to_group(group, f"/start {scene.link_code}")
    linked = await group.expect_message("This group now holds circle")
    assert scene.invite_code in (linked.text or "")
    assert "I am an admin here" in (linked.text or "")
    for member in scene.members:
        group.add_member(member)
    await settle(fake_api, palaver)
    return scene, group


async def test_a_group_circle_runs_rounds_with_a_talking_piece_in_the_group(
    fake_api: FakeBotApi, on_a_clock: tuple[Palaver, ManualClock]
) -> None:
    palaver, clock = on_a_clock
    scene, group = await a_linked_group(fake_api, palaver)
    scene.faro.send_to_group(group, "/next")
    question = await group.expect_message("Round 1")
    assert "This round has 10 minutes." in (question.text or "")
    # Someone without a seat is shown the way in, once; their words do not count.
    stranger = await onboarded(fake_api, "Gil")
    stranger.send_to_group(group, "Hello, can I join?")
    await group.expect_message("To take part in this circle, please open this link")
    stranger.send_to_group(group, "Hello again?")
    for member in scene.members[:-1]:
        member.send_to_group(group, "Here is what brought me.")
    await group.expect_no_message(within=0.3)  # no echo of each answer in the group
    # The last member stays silent: time runs out and the facilitator decides.
    await sends_finished(palaver.database)  # no leap past a send's lease
    clock.advance(timedelta(minutes=10, seconds=1))
    await run_job(palaver, "circle-timers")
    scene.faro.press("Close the round", await scene.faro.expect_message("Time is up for round 1"))
    await group.expect_message("Round 1 is complete")
    assert len([m for m in group.messages if "To take part" in (m.text or "")]) == 1

    scene.faro.send_to_group(group, "/next")
    opened = await group.expect_message("Round 2")
    first, second, *rest = scene.members
    assert "holds the talking piece first" in (opened.text or "")
    second.send_to_group(group, "May I go first?")
    await group.expect_message("holds the talking piece. Your turn will come.")
    first.send_to_group(group, "A story from my street.")
    await group.expect_message("holds the talking piece now")
    second.send_to_group(group, "/skip")
    await group.expect_message("holds the talking piece now")
    for member in rest[:-1]:
        member.send_to_group(group, "My story.")
        await group.expect_message("holds the talking piece now")
    rest[-1].send_to_group(group, "My story.")
    await group.expect_message("Round 2 is complete")
    [circle] = await rows(palaver, select(Circle))
    assert circle.round_number == 2 and not circle.round_open


async def test_a_report_in_the_group_is_handled_with_the_groups_own_powers(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    scene, group = await a_linked_group(fake_api, palaver)
    scene.faro.send_to_group(group, "/next")
    await group.expect_message("Round 1")
    author, reporter, *_others = scene.members
    hurtful = author.send_to_group(group, "You people ruin everything.")
    report = reporter.send_to_group(group, "/report", reply_to=hurtful)
    # The /report disappears from the group, so nobody there sees who reported.
    await fake_api.wait_for_call("deleteMessage", lambda c: c.params.get("message_id") == report)
    await reporter.expect_message("The facilitators will look at it")
    alert = await scene.faro.expect_message("reported a message in circle")
    assert "You people ruin everything." in (alert.text or "")
    scene.faro.press("Mute for 10 minutes", alert)
    await scene.faro.expect_message("Done: Mute for 10 minutes.")
    restricted = await fake_api.wait_for_call("restrictChatMember")
    assert restricted.params["user_id"] == author.id
    assert restricted.params["permissions"]["can_send_messages"] is False
    await author.expect_message("paused your messages in this circle for 10 minutes")

    again = author.send_to_group(group, "Still ruining everything.")
    reporter.send_to_group(group, "/report", reply_to=again)
    scene.faro.press(
        "Delete it everywhere", await scene.faro.expect_message("reported a message in circle")
    )
    await fake_api.wait_for_call("deleteMessage", lambda c: c.params.get("message_id") == again)
    outcomes = {r.outcome for r in await rows(palaver, select(Report))}
    assert outcomes == {ReportOutcome.MUTED, ReportOutcome.DELETED}


async def test_members_can_call_a_time_out_and_leave_and_participants_cannot_facilitate(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    scene, group = await a_linked_group(fake_api, palaver)
    member, leaver, *_ = scene.members
    member.send_to_group(group, "/next")
    await group.expect_message("Sorry, you can't do that here.")
    scene.faro.send_to_group(group, "/next")
    await group.expect_message("Round 1")
    member.send_to_group(group, "/timeout")
    await group.expect_message("The circle is paused for a moment")
    alert = await scene.faro.expect_message("called a time out")
    await scene.fia.expect_message("called a time out")
    scene.faro.press("Resume", alert)
    await group.expect_message("We go on")
    group.remove_member(leaver)
    await group.expect_message("has left the circle. The circle goes on.")
    await settle(fake_api, palaver)
    gone = await rows(palaver, select(ExchangeMember).where(ExchangeMember.left_at.is_not(None)))  # type: ignore[union-attr]
    assert len(gone) == 1
    [exchange] = await rows(palaver, select(Exchange))
    assert exchange.member_count == 5


async def test_the_circle_follows_its_group_to_a_supergroup_and_pauses_when_the_bot_is_removed(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    scene, group = await a_linked_group(fake_api, palaver)
    scene.faro.send_to_group(group, "/next")
    await group.expect_message("Round 1")
    new_id = group.chat_id - 1000
    group._post(scene.faro.user_json, {"migrate_to_chat_id": new_id})
    await settle(fake_api, palaver)
    [exchange] = await rows(palaver, select(Exchange))
    assert exchange.chat_id == new_id

    supergroup = fake_api.group("Circle by the river", chat_id=new_id)
    supergroup.remove_bot()
    fake_api.inject_update(
        {
            "my_chat_member": {
                "chat": supergroup.chat_json,
                "from": scene.faro.user_json,
                "date": fake_api.timestamp(),
                "old_chat_member": member_json(fake_api.bot_user, "administrator"),
                "new_chat_member": member_json(fake_api.bot_user, "kicked"),
            }
        }
    )
    told = await scene.faro.expect_message("I was removed from the group of circle")
    assert "?startgroup=" in (told.text or "")
    [circle] = await rows(palaver, select(Circle))
    assert circle.state is CircleState.PAUSED and circle.link_code


async def test_removing_a_member_of_a_group_circle_bans_then_unbans_them(
    fake_api: FakeBotApi, palaver: Palaver
) -> None:
    scene, group = await a_linked_group(fake_api, palaver)
    scene.faro.send_to_group(group, "/next")
    await group.expect_message("Round 1")
    author, reporter, *_ = scene.members
    hurtful = author.send_to_group(group, "I know where you live.")
    reporter.send_to_group(group, "/report", reply_to=hurtful)
    alert = await scene.faro.expect_message("reported a message in circle")
    scene.faro.press("Remove from the circle", alert)
    await scene.faro.expect_message("Done: Remove from the circle.")
    banned = await fake_api.wait_for_call("banChatMember")
    assert banned.params["user_id"] == author.id
    unbanned = await fake_api.wait_for_call("unbanChatMember")
    assert unbanned.params["user_id"] == author.id and unbanned.params["only_if_banned"]
    await author.expect_message("A facilitator has removed you from the circle")
    await group.expect_message("has left the circle. The circle goes on.")
