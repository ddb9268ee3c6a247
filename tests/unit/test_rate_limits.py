"""The per-chat limit: a few messages to one private chat at once, then about one a second;
other chats and groups are not held up by it."""

from __future__ import annotations

import asyncio

from bot.telegram.rate_limits import PRIVATE_CHAT_BURST, PalaverRateLimiter


async def test_a_private_chat_gets_a_burst_then_waits_while_others_go_on() -> None:
    limiter = PalaverRateLimiter(overall_max_rate=30, max_retries=0, private_chat_rate=1.0)
    sent: list[int] = []

    async def send(chat_id: int) -> bool:
        sent.append(chat_id)
        return True

    for _ in range(PRIVATE_CHAT_BURST):
        await limiter.process_request(send, (7,), {}, "sendMessage", {"chat_id": 7}, None)
    assert not limiter.private_limiter(7).has_capacity(), "the next one to chat 7 must wait"
    assert limiter.private_limiter(8).has_capacity(), "another person's chat is not held up"
    await limiter.process_request(send, (8,), {}, "sendMessage", {"chat_id": 8}, None)
    # Groups (negative ids) have PTB's own per-group limit, not this one.
    await limiter.process_request(send, (-5,), {}, "sendMessage", {"chat_id": -5}, None)
    assert sent == [7, 7, 7, 8, -5]
    assert -5 not in limiter._private_limiters


async def test_no_limit_per_chat_when_the_setting_is_zero() -> None:
    limiter = PalaverRateLimiter(overall_max_rate=30, max_retries=0, private_chat_rate=0)

    async def send() -> bool:
        return True

    for _ in range(10):
        await limiter.process_request(send, (), {}, "sendMessage", {"chat_id": 7}, None)
    assert limiter._private_limiters == {}


async def test_a_group_gets_one_message_every_three_seconds_and_private_chats_are_not_held() -> (
    None
):
    """Telegram's 20 messages a minute per group, spaced, never a burst of 20."""
    limiter = PalaverRateLimiter(
        overall_max_rate=30, max_retries=0, private_chat_rate=0, group_rate_per_minute=20
    )
    sent: list[tuple[int, float]] = []
    loop = asyncio.get_running_loop()
    start = loop.time()

    async def send(chat_id: int) -> bool:
        sent.append((chat_id, loop.time() - start))
        return True

    async def one(chat_id: int) -> None:
        await limiter.process_request(
            lambda: send(chat_id), (), {}, "sendMessage", {"chat_id": chat_id}, None
        )

    await asyncio.gather(one(-100), one(-100), one(7), one(8))
    group_times = sorted(t for chat, t in sent if chat == -100)
    private_times = [t for chat, t in sent if chat > 0]
    assert group_times[1] - group_times[0] >= 2.9
    assert max(private_times) < 1.0
