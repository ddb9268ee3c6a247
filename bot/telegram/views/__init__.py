"""Views: what the services show, put into messages and keyboards in the reader's language."""

from __future__ import annotations

from bot.i18n.translator import Translator
from bot.services.circle_agenda_results import CircleAgendaResult
from bot.services.circle_console_results import CircleConsoleResult
from bot.services.circle_results import CircleResult
from bot.services.common_ground_results import CommonGroundResult
from bot.services.exchange_results import ExchangeResult
from bot.services.export_results import ExportResult
from bot.services.follow_up_results import FollowUpResult
from bot.services.invite_results import InviteResult
from bot.services.joining_results import JoiningResult
from bot.services.moderation_results import ModerationResult
from bot.services.onboarding_results import OnboardingResult
from bot.services.privacy_results import PrivacyResult
from bot.services.program_results import ProgramResult
from bot.services.replies import Reply, Shown
from bot.telegram.views.circle_agenda import render_circle_agenda
from bot.telegram.views.circle_console import render_circle_console
from bot.telegram.views.circles import render_circle
from bot.telegram.views.common_ground import render_common_ground
from bot.telegram.views.dialogue import render_dialogue
from bot.telegram.views.exchange import render_exchange
from bot.telegram.views.exports import render_export
from bot.telegram.views.follow_ups import render_follow_up
from bot.telegram.views.invites import render_invites
from bot.telegram.views.joining import render_joining
from bot.telegram.views.moderation import render_moderation
from bot.telegram.views.onboarding import render_onboarding
from bot.telegram.views.privacy import render_privacy
from bot.telegram.views.program import render_program


class TelegramViews:
    """Renders every result a service shows (implements services.replies.Views)."""

    def render(self, result: Shown, t: Translator) -> Reply:
        if isinstance(result, ExchangeResult):
            return render_exchange(result, t)
        if isinstance(result, OnboardingResult):
            return render_onboarding(result, t)
        if isinstance(result, JoiningResult):
            return render_joining(result, t)
        if isinstance(result, InviteResult):
            return render_invites(result, t)
        if isinstance(result, ProgramResult):
            return render_program(result, t)
        if isinstance(result, PrivacyResult):
            return render_privacy(result, t)
        if isinstance(result, ModerationResult):
            return render_moderation(result, t)
        if isinstance(result, FollowUpResult):
            return render_follow_up(result, t)
        if isinstance(result, CircleResult):
            return render_circle(result, t)
        if isinstance(result, CircleConsoleResult):
            return render_circle_console(result, t)
        if isinstance(result, CircleAgendaResult):
            return render_circle_agenda(result, t)
        if isinstance(result, CommonGroundResult):
            return render_common_ground(result, t)
        if isinstance(result, ExportResult):
            return render_export(result, t)
        return render_dialogue(result, t)
