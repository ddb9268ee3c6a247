"""CPU that Bot API calls cost the bot: PTB's HTTPXRequest against Palaver's AiohttpRequest.

    .venv/bin/python -m bench.bot_api_requests [--requests 3000] [--concurrency 50] [--rounds 2]

The local Bot API runs in a child process, so this process's CPU time (time.process_time) is
the client's alone: a PTB ``Bot`` sending sendMessage calls, `concurrency` at a time, to
many chats. Both backends run in the same run, alternating, each round; the best round of
each is reported, and the ratio aiohttp / httpx. Read the ratio, not the absolute numbers.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time
from multiprocessing.connection import Connection

from telegram import Bot
from telegram.request import BaseRequest, HTTPXRequest

from bot.sandbox.botapi import LocalBotApi
from bot.telegram.aiohttp_request import AiohttpRequest

TOKEN = "123456789:AAEhBP0av28-benchTOKENbenchTOKENbench1"
CHATS = 50
TEXT = "Thank you for sharing that. Your partner will read it in their own language."


async def serve(pipe: Connection) -> None:
    """Run the local Bot API until told to stop; send its URL and the chat ids first."""
    async with LocalBotApi(token=TOKEN, bot_username="bench_bot") as api:
        chats = []
        for n in range(CHATS):
            user = api.user(first_name=f"P{n}")
            api.mark_known(user.id)
            chats.append(user.id)
        pipe.send((api.url, chats))
        await asyncio.get_running_loop().run_in_executor(None, pipe.recv)


def server_process(pipe: Connection) -> None:
    asyncio.run(serve(pipe))


async def cpu_per_thousand(
    request: BaseRequest, url: str, chats: list[int], requests: int, concurrency: int
) -> tuple[float, float]:
    """CPU seconds and wall seconds per 1000 sendMessage calls through `request`."""
    bot = Bot(TOKEN, base_url=f"{url}/bot", request=request)
    async with bot:
        gate = asyncio.Semaphore(concurrency)

        async def send(n: int) -> None:
            async with gate:
                await bot.send_message(chats[n % len(chats)], f"{TEXT} {n}")

        await asyncio.gather(*(send(n) for n in range(concurrency)))  # warm the pool
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(send(n) for n in range(requests)))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return cpu * 1000 / requests, wall * 1000 / requests


def backends(concurrency: int) -> dict[str, BaseRequest]:
    """A fresh request object of each kind, with the same pool and timeouts."""
    pool = concurrency + 8
    return {
        "httpx": HTTPXRequest(connection_pool_size=pool, pool_timeout=10, read_timeout=10),
        "aiohttp": AiohttpRequest(connection_pool_size=pool, pool_timeout=10, read_timeout=10),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    ours, theirs = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(target=server_process, args=(theirs,))
    server.start()
    try:
        url, chats = await asyncio.get_running_loop().run_in_executor(None, ours.recv)
        best: dict[str, tuple[float, float]] = {}
        for round_number in range(1, args.rounds + 1):
            for name, request in backends(args.concurrency).items():
                cpu, wall = await cpu_per_thousand(
                    request, url, chats, args.requests, args.concurrency
                )
                print(
                    f"round {round_number} {name:>7}: {cpu:.3f} CPU s and {wall:.3f} wall s "
                    "per 1000 requests"
                )
                if name not in best or cpu < best[name][0]:
                    best[name] = (cpu, wall)
    finally:
        ours.send("stop")
        server.join(timeout=10)
    print(
        f"{args.requests} sendMessage calls, {args.concurrency} at a time, best of "
        f"{args.rounds}: httpx {best['httpx'][0]:.3f} CPU s per 1000, aiohttp "
        f"{best['aiohttp'][0]:.3f} CPU s per 1000, ratio aiohttp/httpx "
        f"{best['aiohttp'][0] / best['httpx'][0]:.2f}"
    )


if __name__ == "__main__":
    asyncio.run(main())
