"""Demo: one finished spending report for Midden-Groningen's NPO-GEM grant, so a newcomer sees a
download at once (runs after funding.demo, which creates the grants and lines). Idempotent: with
unchanged data the existing version is kept."""

from funding.models import FundingStream, Grant, SpendingReport
from funding.reports.jobs import report_generate


def seed(ctx):
    municipality = ctx.municipalities.get("GM1952")
    stream = FundingStream.objects.filter(code="NPO-GEM").first()
    if (
        municipality is None
        or stream is None
        or not Grant.objects.filter(municipality=municipality, stream=stream).exists()
    ):
        ctx.log("Geen NPO-GEM-beschikking voor Midden-Groningen: geen demo-rapportage.")
        return
    user = ctx.users.get("accountant@midden-groningen.example")
    report = report_generate(
        municipality=municipality, stream=stream, year=None, user=user, workers=1
    )
    if report.status == SpendingReport.Status.DONE:
        ctx.log(
            f"Bestedingsrapportage NPO-GEM Midden-Groningen: versie {report.version}, {report.line_count} regels."
        )
    else:
        ctx.log(f"Bestedingsrapportage NPO-GEM mislukt: {report.error}")
