"""Two partners driven together through the shipped story-exchange, shares delivered."""

from __future__ import annotations

from bot.engine import (
    Effect,
    NotifyFacilitator,
    RecordAnswer,
    ScheduleFollowUp,
    SendText,
    ShareWithPartner,
    ShowPartnerShare,
    load_flow,
)
from tests.engine.support import DIALOGUES, Driver

STORY_EXCHANGE = load_flow(DIALOGUES / "story-exchange.yaml", {"exchange-followup"}).flow


class Pair:
    """Two runs of one flow; whatever one shares is delivered to the other."""

    def __init__(self, names: tuple[str, str] = ("Amani", "Noa")) -> None:
        self.names = names
        self.drivers = (Driver(STORY_EXCHANGE), Driver(STORY_EXCHANGE))
        self.seen: tuple[list[Effect], list[Effect]] = ([], [])

    def act(self, who: int, action: str, value: str = "") -> None:
        driver = self.drivers[who]
        if action == "start":
            effects = driver.start()
        elif action == "text":
            effects = driver.text(value)
        elif action == "press":
            effects = driver.press(value)
        else:
            effects = driver.skip()
        self.seen[who].extend(effects)
        for effect in effects:
            if isinstance(effect, ShareWithPartner):
                other = 1 - who
                event = effect.to_event(driver.clock, sender=self.names[who])
                partner = self.drivers[other]
                delivered = partner.send(event)
                self.seen[other].extend(delivered)

    def answer(self, who: int, replies: dict[str, tuple[str, str]]) -> None:
        """Answer the current question of `who` from `replies` (step id -> action, value)."""
        step_id = self.drivers[who].state.step_id
        assert step_id is not None
        action, value = replies.get(step_id, ("text", f"{self.names[who]} on {step_id}."))
        self.act(who, action, value)


def partner_words(effects: list[Effect]) -> list[tuple[str, str]]:
    return [(e.heading.msgid, e.text) for e in effects if isinstance(e, ShowPartnerShare)]


AMANI = {
    "thermometer-pre": ("text", "40"),
    "trust-pre": ("press", "2"),
    "story": ("text", "A meal with our neighbours when I was a child."),
    "heard-right": ("press", "yes"),
    "thermometer-post": ("press", "60"),
    "trust-post": ("text", "3"),
    "talk-again": ("press", "yes"),
    "felt-safe": ("press", "yes"),
}
NOA = {
    "thermometer-pre": ("skip", ""),
    "trust-pre": ("press", "4"),
    "trust-post": ("press", "4"),
    "talk-again": ("press", "no"),
    "story": ("text", "The day the bakery opened again after the curfew."),
    "heard-right": ("press", "partly"),
    "correction": ("text", "It was about hope more than bread."),
    "thermometer-post": ("text", "55"),
    "felt-safe": ("press", "no"),
    "offer-support": ("press", "yes"),
}


def run_pair_to_the_end() -> Pair:
    pair = Pair()
    pair.act(0, "start")
    pair.act(1, "start")
    for _ in range(200):
        active = [i for i in (0, 1) if pair.drivers[i].state.status == "active"]
        if not active:
            break
        # Alternate, so that sometimes a share arrives before the partner waits for it.
        who = active[-1] if len(active) == 2 and pair.drivers[0].state.turn % 2 else active[0]
        before = pair.drivers[who].state
        pair.answer(who, AMANI if who == 0 else NOA)
        assert pair.drivers[who].state != before, f"stuck at {before.step_id}"
    return pair


def test_two_partners_complete_story_exchange_with_shares_delivered() -> None:
    pair = run_pair_to_the_end()
    amani, noa = pair.drivers
    assert amani.state.status == "finished" and noa.state.status == "finished"
    assert amani.state.received == {} and noa.state.received == {}
    # Each saw the other's introduction, story, summary, question, reply and closing words.
    amani_saw = dict(partner_words(pair.seen[0]))
    assert amani_saw["{partner}'s story:"] == "The day the bakery opened again after the curfew."
    assert amani_saw["{partner} introduces themselves:"] == "Noa on intro."
    noa_saw = dict(partner_words(pair.seen[1]))
    assert noa_saw["{partner}'s story:"] == "A meal with our neighbours when I was a child."
    assert noa_saw["{partner}'s closing words:"] == "Amani on closing."


def test_reflect_back_turns_show_each_speaker_how_they_were_heard() -> None:
    pair = run_pair_to_the_end()
    amani_saw = dict(partner_words(pair.seen[0]))
    noa_saw = dict(partner_words(pair.seen[1]))
    # The listener's paraphrase reaches the speaker ...
    assert noa_saw["Here is what {partner} heard in your story:"] == "Amani on heard."
    assert amani_saw["Here is what {partner} heard in your story:"] == "Noa on heard."
    # ... the speaker who felt understood confirms, the other corrects.
    noa_texts = [e.text.msgid for e in pair.seen[1] if isinstance(e, SendText)]
    assert (
        "{partner} says you understood their story well. Thank you for listening so carefully."
        in noa_texts
    )
    assert amani_saw["{partner} would like to add this about their story:"] == (
        "It was about hope more than bread."
    )


def test_story_exchange_surveys_are_tagged_pre_and_post_and_a_later_survey_is_scheduled() -> None:
    pair = run_pair_to_the_end()
    amani_answers = [e for e in pair.seen[0] if isinstance(e, RecordAnswer) and e.survey]
    assert [(e.measure, e.survey, e.value) for e in amani_answers] == [
        ("thermometer", "pre", 40),
        ("trust", "pre", 2),
        ("thermometer", "post", 60),
        ("trust", "post", 3),
        ("talk_again", "post", "yes"),
    ]
    for seen in pair.seen:
        (later,) = [e for e in seen if isinstance(e, ScheduleFollowUp)]
        assert later.flow_id == "exchange-followup" and later.delay.days == 30


def test_partner_who_did_not_feel_safe_can_ask_for_a_facilitator() -> None:
    pair = run_pair_to_the_end()
    assert [e for e in pair.seen[0] if isinstance(e, NotifyFacilitator)] == []
    assert [e.step_id for e in pair.seen[1] if isinstance(e, NotifyFacilitator)] == [
        "notify-facilitator"
    ]


def test_partner_texts_never_carry_real_names_only_the_partner_placeholder() -> None:
    # The engine never knows who the partner is; the shell fills {partner} with a pseudonym.
    pair = run_pair_to_the_end()
    for effect in pair.seen[0] + pair.seen[1]:
        if isinstance(effect, ShowPartnerShare):
            assert set(effect.heading.params) <= {"partner"}
