"""What the sandbox prepares before the page opens, by driving the real bot as people would.

`prepare_program` has the organizer create a program from their phone and make invite
links, and the facilitator join through theirs. A scenario then takes some participants
partway through a flow, so a trainer starts at the interesting part. Nothing is written to
tables: every step is a message or a tap through the local Bot API, so what the page shows
is exactly what those people would have seen.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.sandbox.botapi import SentMessage, SimulatedUser
from bot.sandbox.hub import BOT_USERNAME, COMMUNITIES, Phone, Sandbox, SandboxError

PROGRAM_NAME = "Neighbours across the river"
PROGRAM_LANGUAGES = ("en", "ar", "he")
# The flows that run in Telegram today; circles (dialogue-circle, community-action) are
# rehearsed with `palaver try` until they run in groups.
PROGRAM_FLOWS = (
    "story-exchange",
    "listening-campaign",
    "exchange-followup",
    "commitment-checkin",
)
INVITE_LINK = f"https://t.me/{BOT_USERNAME}?start="
STEP_SECONDS = 10.0

Scenario = Callable[[Sandbox], Awaitable[None]]


class ScenarioFailed(SandboxError):
    """The bot did not answer a scripted step as expected (a flow or text changed)."""


async def prepare_program(sandbox: Sandbox) -> None:
    """The organizer creates the program and its links; the facilitator joins."""
    try:
        await _prepare_program(sandbox)
    except AssertionError as error:
        raise ScenarioFailed(f"preparing the sandbox program failed: {error}") from None


async def _prepare_program(sandbox: Sandbox) -> None:
    organizer = sandbox.organizer
    await _onboard(sandbox, organizer)
    await _create_program(sandbox, organizer.user)
    sandbox.program_name = PROGRAM_NAME
    for community in COMMUNITIES:
        link = await _make_link(organizer.user, f"Participant link for {community}")
        sandbox.invite_payloads[community] = _payload_of(link)
    for phone in sandbox.phones.values():
        if phone.role == "participant" and phone.community is not None:
            phone.start_payload = sandbox.invite_payloads[phone.community]
    for phone in [p for p in sandbox.phones.values() if p.role == "facilitator"]:
        link = await _make_link(organizer.user, "Facilitator link (one-time)")
        phone.start_payload = _payload_of(link)
        await _onboard(sandbox, phone, expect="You are now a facilitator")
    await sandbox.settle()


async def _onboard(sandbox: Sandbox, phone: Phone, *, expect: str = "Welcome") -> None:
    """Open the chat (through their invite link, if any), choose a language, accept."""
    user = phone.user
    user.send(f"/start {phone.start_payload}" if phone.start_payload else "/start")
    await user.expect_message("Which language", timeout=STEP_SECONDS)
    user.press(sandbox.catalogs.display_name(phone.language.split("-")[0]))
    await user.expect_message("what Palaver keeps", timeout=STEP_SECONDS)
    user.press("Accept")
    await user.expect_message(expect, timeout=STEP_SECONDS)


async def _create_program(sandbox: Sandbox, organizer: SimulatedUser) -> None:
    """Walk through "New program" on the organizer's phone."""
    organizer.send("/programs")
    await organizer.expect_message(timeout=STEP_SECONDS)
    organizer.press("New program")
    await organizer.expect_message("What is the program called?", timeout=STEP_SECONDS)
    organizer.send(PROGRAM_NAME)
    await organizer.expect_message("Which communities", timeout=STEP_SECONDS)
    organizer.send(", ".join(COMMUNITIES))
    languages = await organizer.expect_message("Which languages", timeout=STEP_SECONDS)
    for code in PROGRAM_LANGUAGES:
        organizer.press(sandbox.catalogs.display_name(code), languages)
        await organizer.expect_edit(timeout=STEP_SECONDS)
    organizer.press("Done", languages)
    await organizer.expect_message("main language", timeout=STEP_SECONDS)
    organizer.press("English")
    flows = await organizer.expect_message("Which dialogues", timeout=STEP_SECONDS)
    for flow in PROGRAM_FLOWS:
        organizer.press(flow, flows)
        await organizer.expect_edit(timeout=STEP_SECONDS)
    organizer.press("Done", flows)
    await organizer.expect_message("share a language", timeout=STEP_SECONDS)
    organizer.press("No")
    await organizer.expect_message("Which time zone", timeout=STEP_SECONDS)
    organizer.send("UTC")
    await organizer.expect_message("When should I stay quiet?", timeout=STEP_SECONDS)
    organizer.send("22-7")
    await organizer.expect_message("groups smaller than this", timeout=STEP_SECONDS)
    organizer.press("5")
    await organizer.expect_message("relayed to each other", timeout=STEP_SECONDS)
    organizer.press("30")
    await organizer.expect_message("consent text", timeout=STEP_SECONDS)
    organizer.press(sandbox.settings.consent_version)
    summary = await organizer.expect_message("Create it?", timeout=STEP_SECONDS)
    organizer.press("Create program", summary)
    await organizer.expect_message("is open.", timeout=STEP_SECONDS)


async def _make_link(organizer: SimulatedUser, label: str) -> SentMessage:
    """Open the program's invite screen, press `label`, and return the link's message."""
    # The program card, or the "« Invite links" button under the link made before.
    way_in = next(
        (b for m in reversed(organizer.messages) for b in m.button_texts if "Invite links" in b),
        None,
    )
    if way_in is None:
        raise ScenarioFailed("the organizer has no button to the program's invite links")
    organizer.press(way_in)
    listing = await organizer.expect_message("that still work", timeout=STEP_SECONDS)
    organizer.press(label, listing)
    return await organizer.expect_message(INVITE_LINK, timeout=STEP_SECONDS)


def _payload_of(message: SentMessage) -> str:
    return (message.text or "").split(INVITE_LINK, 1)[1].split()[0]


async def joined(sandbox: Sandbox, phone: Phone) -> None:
    """A participant opens their community's link, agrees and answers the joining questions."""
    await _onboard(sandbox, phone, expect="Which of these languages")
    phone.user.press("Done")
    await phone.user.expect_message("someone from another community", timeout=STEP_SECONDS)


async def story_exchange(sandbox: Sandbox) -> None:
    """Two participants paired, past the private pre-survey and introductions, about to
    tell their stories."""
    first, second = _english_speakers_of_each_community(sandbox)
    for phone in (first, second):
        await joined(sandbox, phone)
        phone.user.press("Find me a partner")
    for phone in (first, second):
        await phone.user.expect_message("How warm or cold", timeout=STEP_SECONDS)
    for phone, warmth in ((first, "55"), (second, "45")):
        phone.user.send(warmth)
        await phone.user.expect_message("I can trust most people", timeout=STEP_SECONDS)
        phone.user.send("3")
        await phone.user.expect_message("Let's start with introductions", timeout=STEP_SECONDS)
    first.user.send("I teach music to children and walk by the river every evening.")
    second.user.send("I bake bread at dawn; a good day starts with the smell of it.")
    for phone in (first, second):
        await phone.user.expect_message("Tell ", timeout=STEP_SECONDS)
    await sandbox.settle()


async def listening_campaign(sandbox: Sandbox) -> None:
    """A participant who joined, agreed to the listening campaign and answered the first
    questions; next they say in their own words what worries them."""
    karim = _english_speakers_of_each_community(sandbox)[0]
    await joined(sandbox, karim)
    karim.user.press("Listening campaign")
    await karim.user.expect_message("Would you like to take part", timeout=STEP_SECONDS)
    karim.user.press("Yes, let's start")
    await karim.user.expect_message("What kind of place", timeout=STEP_SECONDS)
    karim.user.press("A town")
    topics = await karim.user.expect_message("worry you most", timeout=STEP_SECONDS)
    for topic in ("Safety", "Work and income"):
        karim.user.press(topic, topics)
        await karim.user.expect_edit(timeout=STEP_SECONDS)
    karim.user.press("Done", topics)
    await karim.user.expect_message("In your own words", timeout=STEP_SECONDS)
    await sandbox.settle()


async def exchange_followup(sandbox: Sandbox) -> None:
    """A participant a month after their exchange, in the later survey: the thermometer and
    trust are answered; next, whether they have talked with the other community since."""
    karim = _english_speakers_of_each_community(sandbox)[0]
    await joined(sandbox, karim)
    karim.user.press("A month after your story exchange")
    await karim.user.expect_message("How warm or cold", timeout=STEP_SECONDS)
    karim.user.send("65")
    await karim.user.expect_message("I can trust most people", timeout=STEP_SECONDS)
    karim.user.send("4")
    await karim.user.expect_message("have you talked with someone", timeout=STEP_SECONDS)
    await sandbox.settle()


async def commitment_checkin(sandbox: Sandbox) -> None:
    """A participant checking in on a commitment that is stuck; next they say what is in the
    way and what would help."""
    karim = _english_speakers_of_each_community(sandbox)[0]
    await joined(sandbox, karim)
    karim.user.press("How are your commitments going?")
    await karim.user.expect_message("How is your commitment going?", timeout=STEP_SECONDS)
    karim.user.press("Stuck")
    await karim.user.expect_message("What is in the way", timeout=STEP_SECONDS)
    await sandbox.settle()


def _english_speakers_of_each_community(sandbox: Sandbox) -> tuple[Phone, Phone]:
    participants = [p for p in sandbox.phones.values() if p.role == "participant"]
    chosen = []
    for community in COMMUNITIES:
        phone = next(
            (p for p in participants if p.community == community and p.language == "en"), None
        )
        if phone is None:
            raise ScenarioFailed(f"the scenario needs an English speaker in {community}")
        chosen.append(phone)
    return chosen[0], chosen[1]


SCENARIOS: dict[str, Scenario] = {
    "story-exchange": story_exchange,
    "listening-campaign": listening_campaign,
    "exchange-followup": exchange_followup,
    "commitment-checkin": commitment_checkin,
}
"""One per flow that runs in Telegram today; the circle flows get theirs with circles."""


async def run_scenario(sandbox: Sandbox, name: str) -> None:
    """Play scenario `name` (after `prepare_program`)."""
    scenario = SCENARIOS.get(name)
    if scenario is None:
        raise SandboxError(f"no scenario {name!r}; there are: {', '.join(SCENARIOS)}")
    try:
        await scenario(sandbox)
    except AssertionError as error:
        raise ScenarioFailed(f"scenario {name} did not go as planned: {error}") from None
