"""A handler sends the acting person's messages before anyone else's, each chat in order."""

from __future__ import annotations

from telegram import Chat

from bot.services.replies import Envelope, Reply
from bot.telegram.delivery import actor_first


def envelope(outbox_id: int, chat_id: int) -> Envelope:
    return Envelope(outbox_id=outbox_id, chat_id=chat_id, op="send", reply=Reply(f"{outbox_id}"))


def test_the_acting_persons_rows_go_first_and_every_chat_keeps_its_order() -> None:
    partner, actor, facilitator = 20, 10, 30
    posted = [
        envelope(1, partner),
        envelope(2, actor),
        envelope(3, partner),
        envelope(4, facilitator),
        envelope(5, actor),
    ]

    ordered = actor_first(posted, Chat(id=actor, type=Chat.PRIVATE))

    assert [e.outbox_id for e in ordered] == [2, 5, 1, 3, 4]


def test_without_a_chat_the_rows_keep_their_order() -> None:
    posted = [envelope(1, 20), envelope(2, 10)]
    assert actor_first(posted, None) == posted
