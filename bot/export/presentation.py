"""The report as people read it: translated headings and tables, shared by Markdown and HTML.

Hidden figures show as a dash, explained once at the top; nothing here computes a number,
it only picks figures from the report and formats them in the reader's language.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from babel.dates import format_date
from babel.numbers import format_decimal

from bot.export.model import NOT_STATED, ExportReport, Figure, Section
from bot.i18n.translator import N_, Translator

HIDDEN = "–"
THERMOMETER = "thermometer"
COMMITMENT_OUTCOME = ("commitment-checkin", "progress")
"""The question whose answers say how commitments went."""

WAVE_LABELS = {
    "pre": N_("Before"),
    "post": N_("Right after"),
    "later": N_("About a month later"),
}


@dataclass(frozen=True)
class Table:
    """A titled table; the first column names the row."""

    title: str
    header: tuple[str, ...]
    rows: Sequence[tuple[str, ...]]


@dataclass(frozen=True)
class Bar:
    label: str
    value: float
    low: float | None = None
    high: float | None = None
    shown: str = ""


@dataclass(frozen=True)
class BarGroup:
    label: str
    bars: tuple[Bar, ...]


@dataclass(frozen=True)
class Chart:
    """What a chart shows: groups of bars, or a running total over days (`points`)."""

    key: str
    title: str
    groups: tuple[BarGroup, ...] = ()
    points: tuple[tuple[date, int], ...] = ()
    maximum: float | None = None

    @property
    def has_data(self) -> bool:
        return bool(self.points) or any(group.bars for group in self.groups)


@dataclass
class ReportView:
    """Everything a reader sees, in order."""

    title: str
    lines: list[str]
    privacy: str
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    is_rtl: bool = False
    language: str = "en"


def report_view(report: ExportReport, t: Translator) -> ReportView:
    """The report's headings, tables and charts in the translator's language."""
    program, period = report.program, report.period
    k = program.min_group_size
    lines = []
    if period.first_joined and period.last_joined:
        lines.append(
            t.gettext(
                "People who joined between {first} and {last}",
                first=_day(period.first_joined, t),
                last=_day(period.last_joined, t),
            )
        )
    else:
        lines.append(t.gettext("Nobody in this period yet: too few people have joined."))
    flows = ", ".join(
        t.gettext("{flow} (track {track})", flow=t.gettext(flow.title), track=flow.track)
        if flow.track
        else flow.id
        for flow in program.flows
    )
    lines.append(t.gettext("Flows: {flows}", flows=flows))
    lines.append(t.gettext("Languages: {languages}", languages=", ".join(program.languages)))
    lines.append(t.gettext("Made on {date}", date=_day(report.generated_at.date(), t)))
    view = ReportView(
        title=t.gettext("Program report: {name}", name=program.name),
        lines=lines,
        privacy=t.gettext(
            "Only figures about groups are shown. A figure about fewer than {size} people is "
            "hidden (–), and so is any figure that would let a hidden one be worked out. "
            "People are counted by the day they joined, in whole groups of {size} per "
            "community. No names, Telegram accounts or written answers are included.",
            size=k,
        ),
        is_rtl=t.is_rtl,
        language=report.language,
    )
    picker = _Picker(report.figures, t)
    view.charts = [
        picker.participation_chart(),
        picker.thermometer_chart(),
        picker.dropout_chart(),
        picker.commitment_chart(),
    ]
    view.tables = [
        picker.participants_table(),
        *picker.measure_tables(),
        *picker.flow_tables(),
        *picker.answer_tables(),
        picker.activity_table(),
    ]
    return view


class _Picker:
    def __init__(self, figures: Iterable[Figure], t: Translator) -> None:
        self._figures = list(figures)
        self._t = t

    def find(self, section: Section, **labels: object) -> list[Figure]:
        return [
            figure
            for figure in self._figures
            if figure.section is section
            and all(getattr(figure, name) == value for name, value in labels.items())
        ]

    def one(self, section: Section, **labels: object) -> Figure | None:
        found = self.find(section, **labels)
        return found[0] if found else None

    def community(self, figure: Figure) -> str:
        if figure.community is None:
            return self._t.gettext("All communities")
        if figure.community == NOT_STATED:
            return self._t.gettext("Not stated")
        return figure.community

    def count(self, figure: Figure | None) -> str:
        if figure is None:
            return "0"
        return HIDDEN if figure.suppressed else self.number(figure.people)

    def number(self, value: float) -> str:
        return str(format_decimal(value, format="#,##0.#", locale=self._t.locale))

    # --- charts -----------------------------------------------------------------------

    def participation_chart(self) -> Chart:
        points = tuple(
            (figure.day, figure.people)
            for figure in self.find(Section.PARTICIPATION)
            if figure.day is not None and not figure.suppressed
        )
        return Chart("participation", self._t.gettext("Participation over time"), points=points)

    def thermometer_chart(self) -> Chart:
        groups = []
        communities = [
            figure.community for figure in self.find(Section.PARTICIPANTS) if figure.people
        ]
        for community in communities:
            bars = []
            for wave, label in WAVE_LABELS.items():
                figure = self.one(
                    Section.MEASURE, measure=THERMOMETER, wave=wave, community=community
                )
                if figure is None or figure.suppressed or figure.mean is None:
                    continue
                bars.append(
                    Bar(
                        self._t.gettext(label),
                        figure.mean,
                        figure.ci_low,
                        figure.ci_high,
                        self.number(figure.mean),
                    )
                )
            if bars:
                name = self.community(Figure(Section.MEASURE, 0, community=community))
                groups.append(BarGroup(name, tuple(bars)))
        return Chart(
            "thermometer",
            self._t.gettext("Feelings towards the other community (0 cold – 100 warm)"),
            groups=tuple(groups),
            maximum=100,
        )

    def dropout_chart(self) -> Chart:
        groups = []
        for flow_id in sorted({f.flow_id for f in self.find(Section.FLOW_STARTED) if f.flow_id}):
            bars = [
                Bar(figure.step_id or "", figure.people, shown=self.number(figure.people))
                for figure in self.find(Section.STEP_STOPPED, flow_id=flow_id, community=None)
                if not figure.suppressed and figure.people
            ]
            if bars:
                groups.append(BarGroup(flow_id, tuple(bars)))
        return Chart("dropout", self._t.gettext("Where people stopped"), groups=tuple(groups))

    def commitment_chart(self) -> Chart:
        flow_id, key = COMMITMENT_OUTCOME
        bars = [
            Bar(figure.option or "", figure.people, shown=self.number(figure.people))
            for figure in self.find(Section.ANSWER, flow_id=flow_id, key=key, community=None)
            if figure.option is not None and not figure.suppressed
        ]
        groups = (BarGroup(self._t.gettext("All communities"), tuple(bars)),) if bars else ()
        return Chart("commitments", self._t.gettext("How commitments went"), groups=groups)

    # --- tables -----------------------------------------------------------------------

    def participants_table(self) -> Table:
        t = self._t
        rows = [
            (
                self.community(joined),
                self.count(joined),
                self.count(self.one(Section.LEFT, community=joined.community)),
                self.count(self.one(Section.COMMITMENTS, community=joined.community)),
            )
            for joined in self.find(Section.PARTICIPANTS)
        ]
        return Table(
            t.gettext("Participants"),
            (
                t.gettext("Community"),
                t.gettext("Joined"),
                t.gettext("Left"),
                t.gettext("Made a commitment"),
            ),
            rows,
        )

    def measure_tables(self) -> list[Table]:
        t = self._t
        tables = []
        for measure in sorted({f.measure for f in self.find(Section.MEASURE) if f.measure}):
            rows = []
            for section in (Section.MEASURE, Section.CHANGE):
                for figure in self.find(section, measure=measure):
                    wave = t.gettext(WAVE_LABELS.get(figure.wave or "", ""))
                    if section is Section.CHANGE:
                        wave = t.gettext("Change: {wave}", wave=wave)
                    rows.append(
                        (
                            self.community(figure),
                            wave,
                            self.count(figure),
                            self._mean(figure),
                            self._interval(figure),
                        )
                    )
            tables.append(
                Table(
                    t.gettext("Scale: {measure}", measure=measure),
                    (
                        t.gettext("Community"),
                        t.gettext("When"),
                        t.gettext("People"),
                        t.gettext("Mean"),
                        t.gettext("Confidence interval (95%)"),
                    ),
                    rows,
                )
            )
        return tables

    def flow_tables(self) -> list[Table]:
        t = self._t
        tables = []
        for started in self.find(Section.FLOW_STARTED, community=None):
            flow_id = started.flow_id
            rows = [(t.gettext("Started"), self.count(started))]
            rows.append(
                (
                    t.gettext("Finished"),
                    self.count(self.one(Section.FLOW_FINISHED, flow_id=flow_id, community=None)),
                )
            )
            rows += [
                (t.gettext("Stopped at: {step}", step=figure.step_id), self.count(figure))
                for figure in self.find(Section.STEP_STOPPED, flow_id=flow_id, community=None)
            ]
            tables.append(Table(flow_id or "", (t.gettext("Step"), t.gettext("People")), rows))
        return tables

    def answer_tables(self) -> list[Table]:
        t = self._t
        tables = []
        questions = sorted(
            {(f.flow_id, f.key) for f in self.find(Section.ANSWER) if f.key and f.flow_id}
        )
        for flow_id, key in questions:
            options = self.find(Section.ANSWER, flow_id=flow_id, key=key, community=None)
            rows = [
                (figure.option or t.gettext("Answered"), self.count(figure)) for figure in options
            ]
            tables.append(
                Table(f"{flow_id}: {key}", (t.gettext("Answer"), t.gettext("People")), rows)
            )
        return tables

    def activity_table(self) -> Table:
        t = self._t
        rows = []
        for figure in self.find(Section.EXCHANGES, community=None):
            label = t.gettext("Exchanges")
            rows.append(
                (f"{label}: {figure.option}" if figure.option else label, self.count(figure))
            )
        for figure in self.find(Section.FOLLOW_UPS, community=None):
            rows.append(
                (t.gettext("Follow-ups: {status}", status=figure.option), self.count(figure))
            )
        for figure in self.find(Section.MODERATION, community=None):
            rows.append((t.gettext("Reported a partner"), self.count(figure)))
        return Table(t.gettext("Activity"), (t.gettext("What"), t.gettext("People")), rows)

    def _mean(self, figure: Figure) -> str:
        if figure.suppressed or figure.mean is None:
            return HIDDEN
        return self.number(figure.mean)

    def _interval(self, figure: Figure) -> str:
        if figure.suppressed or figure.ci_low is None or figure.ci_high is None:
            return HIDDEN
        return f"{self.number(figure.ci_low)} – {self.number(figure.ci_high)}"


def _day(day: date, t: Translator) -> str:
    return str(format_date(day, "medium", locale=t.locale))
