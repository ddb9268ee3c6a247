"""The sandbox's JSON API: a trainer's script (or the page) drives the real bot through it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import Settings
from bot.sandbox.hub import NotEmpty, SandboxError
from bot.sandbox.server import NotLoopback, SandboxServer, check_host

JSON = dict[str, Any]


@pytest.fixture
async def api(sandbox_server: SandboxServer) -> AsyncIterator[SandboxApi]:
    async with aiohttp.ClientSession(sandbox_server.url) as session:
        yield SandboxApi(session)


class SandboxApi:
    """The JSON API as a script uses it: one call per thing a person does."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def call(
        self, method: str, path: str, body: JSON | None = None, status: int = 200
    ) -> Any:
        async with self.session.request(method, path, json=body) as response:
            payload = await response.json()
            assert response.status == status, payload
            return payload

    async def person(self, name: str) -> JSON:
        state = await self.call("GET", "/api/state")
        return next(p for p in state["people"] if p["name"] == name)

    async def start(self, person: JSON) -> JSON:
        return await self.call("POST", f"/api/people/{person['id']}/start")

    async def send(self, person: JSON, text: str) -> JSON:
        return await self.call("POST", f"/api/people/{person['id']}/messages", {"text": text})

    async def press(self, person: JSON, button: str) -> JSON:
        """Press `button` on the newest bot message that has it."""
        chat = await self.call("GET", f"/api/people/{person['id']}/chat")
        message_id = next(
            m["id"]
            for m in reversed(chat["messages"])
            if any(b["text"] == button for row in m["buttons"] for b in row)
        )
        return await self.call(
            "POST",
            f"/api/people/{person['id']}/press",
            {"message_id": message_id, "button": button},
        )

    async def expect(self, person: JSON, text: str, after: int = 0) -> JSON:
        """The first bot message to `person` after message `after` containing `text`
        (waits for it to arrive)."""
        query = {"wait_for": text, "after": str(after), "timeout": "10"}
        async with self.session.get(f"/api/people/{person['id']}/chat", params=query) as response:
            chat = await response.json()
            assert response.status == 200, chat
        return next(
            m
            for m in chat["messages"]
            if m["from"] == "bot" and m["id"] > after and text in (m["text"] or "")
        )


async def test_two_people_start_get_paired_talk_and_a_day_later_the_silent_one_is_nudged(
    api: SandboxApi,
) -> None:
    karim, dana = await api.person("Karim"), await api.person("Dana")
    assert (karim["community"], dana["community"]) == ("east bank", "west bank")
    for person in (karim, dana):
        await api.start(person)
        await api.expect(person, "Which language")
        await api.press(person, "English")
        await api.expect(person, "what Palaver keeps")
        await api.press(person, "Accept")
        await api.expect(person, "Which of these languages")
        await api.press(person, "Done")
        await api.expect(person, "someone from another community")
        await api.press(person, "Find me a partner")
    for person in (karim, dana):
        await api.expect(person, "In this exchange you and")
        await api.expect(person, "How warm or cold")
        await api.send(person, "60")
        await api.expect(person, "I can trust most people")
        await api.send(person, "3")
        await api.expect(person, "Let's start with introductions")

    await api.send(karim, "I teach music to children.")
    await api.expect(karim, "passed this on")

    before = datetime.fromisoformat((await api.call("GET", "/api/state"))["clock"])
    jumped = await api.call("POST", "/api/clock", {"days": 1})
    # The sandbox clock also runs with the machine's, so paced messages arrive on their own.
    moved = datetime.fromisoformat(jumped["clock"]) - before
    assert timedelta(days=1) <= moved < timedelta(days=1, minutes=1)
    await api.expect(dana, "Your partner is waiting for your answer")

    await api.send(dana, "I bake bread at dawn.")
    for person, partner_words in ((dana, "I teach music"), (karim, "I bake bread")):
        introduction = await api.expect(person, "introduces themselves")
        assert partner_words in introduction["text"]
        assert "Karim" not in introduction["text"] and "Dana" not in introduction["text"]


async def test_the_page_lists_everyone_with_their_language_and_the_bots_menu(
    api: SandboxApi,
) -> None:
    state = await api.call("GET", "/api/state")
    people = {p["name"]: p for p in state["people"]}
    assert [p["role"] for p in state["people"]] == [
        "organizer",
        "facilitator",
        "participant",
        "participant",
        "participant",
        "participant",
    ]
    assert people["Amal"]["rtl"] and people["Yael"]["rtl"] and not people["Karim"]["rtl"]
    assert {p["community"] for p in people.values() if p["role"] == "participant"} == {
        "east bank",
        "west bank",
    }
    assert "partner" in [c["command"] for c in people["Karim"]["menu"]]
    arabic_menu = {c["command"]: c["description"] for c in people["Amal"]["menu"]}
    english_menu = {c["command"]: c["description"] for c in people["Karim"]["menu"]}
    assert arabic_menu["partner"] != english_menu["partner"]
    # The organizer really set the program up from the phone, invite links included.
    organizer_chat = await api.call("GET", f"/api/people/{people['Mira']['id']}/chat")
    texts = " ".join(m["text"] or "" for m in organizer_chat["messages"])
    assert "t.me/palaver_sandbox_bot?start=" in texts
    qr_codes = [m["file"] for m in organizer_chat["messages"] if m["file"]]
    async with api.session.get(qr_codes[0]["url"]) as response:
        assert response.status == 200 and response.content_type == "image/png"


async def test_people_can_be_added_renamed_and_given_a_language(api: SandboxApi) -> None:
    added = await api.call(
        "POST", "/api/people", {"name": "Olena", "language": "uk", "community": "west bank"}, 201
    )
    assert added["has_invite"] and added["language"] == "uk"
    renamed = await api.call("PATCH", f"/api/people/{added['id']}", {"name": "Lena"})
    assert renamed["name"] == "Lena"
    await api.start(renamed)
    question = await api.expect(renamed, "")
    assert question["buttons"]
    changed = await api.call("PATCH", f"/api/people/{added['id']}", {"language": "ar"})
    assert changed["rtl"]


async def test_mistakes_in_requests_are_explained(api: SandboxApi) -> None:
    karim = await api.person("Karim")
    missing = await api.call("POST", "/api/people/1/messages", {"text": "hi"}, 404)
    assert "no person 1" in missing["error"]
    no_button = await api.call(
        "POST", f"/api/people/{karim['id']}/press", {"message_id": 999, "button": "Yes"}, 400
    )
    assert "no message 999" in no_button["error"]
    backwards = await api.call("POST", "/api/clock", {"hours": -1}, 400)
    assert "forward" in backwards["error"]


def test_a_host_beyond_this_machine_is_refused_without_allow_remote() -> None:
    with pytest.raises(NotLoopback, match="--allow-remote"):
        check_host("0.0.0.0", allow_remote=False)
    with pytest.raises(NotLoopback):
        check_host("192.168.1.10", allow_remote=False)
    check_host("127.0.0.1", allow_remote=False)
    check_host("::1", allow_remote=False)
    check_host("localhost", allow_remote=False)


def test_the_command_refuses_a_remote_host_before_starting_anything() -> None:
    result = CliRunner().invoke(main, ["sandbox", "--host", "0.0.0.0", "--no-browser"])
    assert result.exit_code != 0
    assert "--allow-remote" in result.output


def test_a_remote_host_is_allowed_only_with_the_flag_and_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    check_host("0.0.0.0", allow_remote=True)
    assert "anyone who can reach it" in caplog.text


async def test_mydata_arrives_as_a_document_that_opens(api: SandboxApi) -> None:
    karim = await api.person("Karim")
    await api.start(karim)
    await api.press(karim, "English")
    await api.press(karim, "Accept")
    chat = await api.send(karim, "/mydata")
    [document] = [m["file"] for m in chat["messages"] if m["file"]]
    assert document["kind"] == "document"
    async with api.session.get(document["url"]) as response:
        assert response.status == 200
        kept = await response.json(content_type=None)
    assert kept


async def test_a_scenario_starts_partway_through_the_story_exchange() -> None:
    server = SandboxServer(Settings(_env_file=None), port=0, scenario="story-exchange")  # type: ignore[call-arg]
    await server.start()
    try:
        async with aiohttp.ClientSession(server.url) as session:
            api = SandboxApi(session)
            karim, dana = await api.person("Karim"), await api.person("Dana")
            for person, partner_words in ((karim, "I bake bread"), (dana, "I teach music")):
                introduction = await api.expect(person, "introduces themselves")
                assert partner_words in introduction["text"]
                await api.expect(person, "Tell ")
            story = await api.send(karim, "My grandmother's olive tree.")
            await api.expect(karim, "passed it on", after=story["message_id"])
    finally:
        await server.stop()


async def test_a_scenario_starts_partway_through_the_listening_campaign() -> None:
    server = SandboxServer(Settings(_env_file=None), port=0, scenario="listening-campaign")  # type: ignore[call-arg]
    await server.start()
    try:
        async with aiohttp.ClientSession(server.url) as session:
            api = SandboxApi(session)
            karim = await api.person("Karim")
            question = await api.expect(karim, "In your own words")
            answer = await api.send(karim, "Prices keep rising and the bus stopped running.")
            await api.expect(karim, "What would make the biggest difference", answer["message_id"])
            assert question["buttons"] == [[{"text": "Skip", "url": None}]]
    finally:
        await server.stop()


@pytest.mark.parametrize(
    ("scenario", "where", "answer", "next_prompt"),
    [
        ("exchange-followup", "have you talked with someone", "Yes", "tell us a little about it"),
        ("commitment-checkin", "What is in the way", "No time this month.", "small step"),
    ],
)
async def test_each_flow_that_runs_today_has_a_scenario(
    scenario: str, where: str, answer: str, next_prompt: str
) -> None:
    server = SandboxServer(Settings(_env_file=None), port=0, scenario=scenario)  # type: ignore[call-arg]
    await server.start()
    try:
        async with aiohttp.ClientSession(server.url) as session:
            api = SandboxApi(session)
            karim = await api.person("Karim")
            question = await api.expect(karim, where)
            if any(button["text"] == answer for row in question["buttons"] for button in row):
                await api.press(karim, answer)
            else:
                await api.send(karim, answer)
            await api.expect(karim, next_prompt, question["id"])
    finally:
        await server.stop()


async def test_an_unknown_scenario_names_the_ones_there_are() -> None:
    server = SandboxServer(Settings(_env_file=None), port=0, scenario="tea-party")  # type: ignore[call-arg]
    with pytest.raises(SandboxError, match="story-exchange"):
        await server.start()


async def test_a_group_chat_with_palaver_whose_admin_rights_can_be_toggled(api: SandboxApi) -> None:
    group = await api.call("POST", "/api/groups", {"title": "Circle by the river"}, 201)
    assert group["bot_admin"] is False and len(group["members"]) == 6
    promoted = await api.call("PATCH", f"/api/groups/{group['id']}", {"bot_admin": True})
    assert promoted["bot_admin"] is True
    amal = await api.person("Amal")
    chat = await api.call(
        "POST", f"/api/groups/{group['id']}/messages", {"person": amal["id"], "text": "/help"}
    )
    said = [m for m in chat["messages"] if m["from"] == "person" and m["text"] == "/help"]
    assert said[0]["sender"]["name"] == "Amal"
    assert any(m["from"] == "bot" for m in chat["messages"])
    state = await api.call("GET", "/api/state")
    assert [g["title"] for g in state["groups"]] == ["Circle by the river"]


async def test_the_event_stream_announces_each_change_without_asking(
    api: SandboxApi, sandbox_server: SandboxServer
) -> None:
    async with api.session.get("/api/events") as stream:
        assert stream.content_type == "text/event-stream"
        first = await next_event(stream)
        karim = await api.person("Karim")
        await api.start(karim)
        changed = await next_event(stream)
        assert int(changed) > int(first)


async def test_the_page_is_not_told_of_changes_when_nothing_changed(
    sandbox_server: SandboxServer,
) -> None:
    assert not await sandbox_server.sandbox.changes(timeout=0.5)


async def next_event(stream: aiohttp.ClientResponse) -> str:
    """The data of the next "changed" event (heartbeat comments are skipped)."""
    event = ""
    while True:
        line = (await stream.content.readline()).decode().rstrip("\n")
        if line.startswith("event: "):
            event = line.removeprefix("event: ")
        elif line.startswith("data: ") and event == "changed":
            return line.removeprefix("data: ")


async def test_a_kept_database_is_prepared_once_and_never_reused_for_a_new_sandbox(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'rehearsal.db'}"
    first = SandboxServer(Settings(_env_file=None), port=0, database_url=url)  # type: ignore[call-arg]
    await first.start()
    await first.stop()
    assert (tmp_path / "rehearsal.db").exists()
    second = SandboxServer(Settings(_env_file=None), port=0, database_url=url)  # type: ignore[call-arg]
    with pytest.raises(NotEmpty, match="already holds programs"):
        await second.start()


async def test_actions_from_other_web_pages_are_refused(api: SandboxApi) -> None:
    karim = await api.person("Karim")
    async with api.session.post(
        f"/api/people/{karim['id']}/messages",
        json={"text": "/forget"},
        headers={"Origin": "https://somewhere.example"},
    ) as response:
        assert response.status == 403
    chat = await api.call("GET", f"/api/people/{karim['id']}/chat")
    assert chat["messages"] == []
