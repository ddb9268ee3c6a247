"""The outbox as several processes share it: each row claimed once, each chat in order,
a dead process's claims expiring, paced rows waiting for their time."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlmodel import select

from bot.clock import ManualClock
from bot.services.letters import LetterBox, OutboxPolicy, Postbox, Posting
from bot.services.replies import Reply
from bot.storage.tables import OutboxMessage
from bot.storage.unit_of_work import Database

LEASE = timedelta(seconds=30)


async def post(database: Database, clock: ManualClock, postings: list[Posting]) -> None:
    postbox = Postbox(clock, OutboxPolicy(worker="writer", lease=LEASE))
    async with database.unit_of_work() as uow:
        await postbox.post(uow, postings)
        await uow.commit()


async def test_two_processes_draining_one_outbox_send_each_row_once_in_order_per_chat(
    databases: tuple[Database, Database],
) -> None:
    first, second = databases
    clock = ManualClock()
    # Written by a third party and left unclaimed (as after a crash): 60 chats, 5 rows each.
    writer = Postbox(clock, OutboxPolicy(worker="writer", lease=LEASE))
    async with first.unit_of_work() as uow:
        envelopes = await writer.post(
            uow,
            [
                Posting(chat_id=1000 + chat, reply=Reply(f"chat {chat} message {n}"))
                for n in range(5)
                for chat in range(60)
            ],
        )
        await uow.outbox.renew([e.outbox_id for e in envelopes], "writer", clock())
        await uow.commit()
    clock.advance(timedelta(seconds=1))  # the writer's claims have run out

    sent: list[tuple[str, int, int]] = []

    async def drain(name: str, database: Database) -> None:
        letterbox = LetterBox(database, clock, OutboxPolicy(worker=name, lease=LEASE))
        while batch := await letterbox.claim_due(limit=7):
            for envelope in batch:
                sent.append((name, envelope.chat_id, envelope.outbox_id))
                await asyncio.sleep(0)  # let the other process in between
                await letterbox.mark_sent(envelope)

    await asyncio.gather(drain("one", first), drain("two", second))

    ids = [outbox_id for _name, _chat, outbox_id in sent]
    assert sorted(ids) == sorted(e.outbox_id for e in envelopes), "every row, once"
    assert len(ids) == len(set(ids))
    for chat in {chat for _name, chat, _id in sent}:
        in_chat = [outbox_id for _name, c, outbox_id in sent if c == chat]
        assert in_chat == sorted(in_chat), "a chat's messages leave in the order written"
    assert {name for name, _chat, _id in sent} == {"one", "two"}, "both processes worked"


async def test_a_dead_processes_claim_expires_and_another_sends_the_row(
    databases: tuple[Database, Database],
) -> None:
    first, second = databases
    clock = ManualClock()
    await post(first, clock, [Posting(chat_id=7, reply=Reply("hello"))])
    clock.advance(LEASE + timedelta(seconds=1))  # the writer died before sending

    dead = LetterBox(first, clock, OutboxPolicy(worker="dead", lease=LEASE))
    alive = LetterBox(second, clock, OutboxPolicy(worker="alive", lease=LEASE))
    [claimed] = await dead.claim_due()
    assert await alive.claim_due() == [], "a live claim is respected"
    clock.advance(LEASE + timedelta(seconds=1))
    [taken_over] = await alive.claim_due()
    assert taken_over.outbox_id == claimed.outbox_id


async def test_paced_rows_wait_for_their_time_and_new_rows_queue_behind_them(
    databases: tuple[Database, Database],
) -> None:
    database, _ = databases
    clock = ManualClock()
    policy = OutboxPolicy(worker="me", lease=LEASE)
    postbox = Postbox(clock, policy)
    async with database.unit_of_work() as uow:
        opening = await postbox.post(
            uow,
            [
                Posting(chat_id=5, reply=Reply("one"), pause_after=2),
                Posting(chat_id=5, reply=Reply("two"), pause_after=3),
                Posting(chat_id=5, reply=Reply("three")),
            ],
        )
        await uow.commit()
    assert [e.claimed for e in opening] == [True, False, False]
    async with database.unit_of_work() as uow:
        later = await postbox.post(uow, [Posting(chat_id=5, reply=Reply("four"))])
        await uow.commit()
    assert not later[0].claimed, "a chat with messages still owed gets the new one after them"

    letterbox = LetterBox(database, clock, policy)
    await letterbox.mark_sent(opening[0])
    assert await letterbox.claim_due() == []
    clock.advance(timedelta(seconds=2))
    assert [e.reply.text for e in await letterbox.claim_due()] == ["two"]
    await letterbox.mark_sent(opening[1])
    clock.advance(timedelta(seconds=3))
    [three] = await letterbox.claim_due()
    assert three.reply.text == "three"
    await letterbox.mark_sent(three)
    assert [e.reply.text for e in await letterbox.claim_due()] == ["four"]


async def test_a_copy_of_words_erased_while_it_was_on_its_way_is_still_marked_sent(
    database_url: str,
) -> None:
    """/forget erased a circle member's answer while its relayed copy was being sent: the
    row is done with all the same (never sent twice), and no copy is recorded."""
    database = Database(database_url)
    try:
        clock = ManualClock()
        erased_contribution = 987_654
        policy = OutboxPolicy(worker="writer", lease=LEASE)
        async with database.unit_of_work() as uow:
            [envelope] = await Postbox(clock, policy).post(
                uow,
                [Posting(chat_id=42, reply=Reply("Someone wrote:"), copy_of=erased_contribution)],
            )
            await uow.commit()
        await LetterBox(database, clock, policy).mark_sent(envelope, [555])
        async with database.unit_of_work() as uow:
            assert await uow.circles.copies_of(erased_contribution) == []
            assert await uow.outbox.next_due_at() is None
    finally:
        await database.dispose()


async def test_each_posted_row_gets_its_own_id_while_another_process_posts_too(
    databases: tuple[Database, Database],
) -> None:
    # A change's rows are kept in one INSERT; the ids it returns are matched to the rows by
    # order. Two processes posting at once must still each get the ids of their own rows.
    clock = ManualClock()

    async def posting(database: Database, name: str) -> list[tuple[int, str]]:
        kept: list[tuple[int, str]] = []
        postbox = Postbox(clock, OutboxPolicy(worker=name, lease=LEASE))
        for batch in range(10):
            async with database.unit_of_work() as uow:
                envelopes = await postbox.post(
                    uow,
                    [
                        Posting(chat_id=chat, reply=Reply(f"{name} {batch} {chat} {n}"))
                        for n in range(3)
                        for chat in (7001, 7002, 7003)
                    ],
                )
                await uow.commit()
            kept += [(envelope.outbox_id, envelope.reply.text) for envelope in envelopes]
            await asyncio.sleep(0)
        return kept

    first, second = databases
    kept = [
        pair
        for pairs in await asyncio.gather(posting(first, "one"), posting(second, "two"))
        for pair in pairs
    ]

    async with first.unit_of_work() as uow:
        rows = (await uow.session.exec(select(OutboxMessage))).all()
        stored = {row.id: row.payload["reply"]["text"] for row in rows}
    assert len(kept) == 180 and len(stored) == 180
    assert all(stored[outbox_id] == text for outbox_id, text in kept)
