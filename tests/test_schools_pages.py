"""The school list, the municipality's overview with the heat map, the school page and the
dashboard panels: what they show and that their query count does not grow with the data."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled

from funding.models import FundingStream
from portal.models import Role
from schools.models import Scan, current_school_year

from . import factories as f

pytestmark = pytest.mark.django_db

YEAR = current_school_year()


def url(world, name, **kwargs):
    return reverse(f"schools:{name}", kwargs={"municipality": world.municipality.slug, **kwargs})


def panel(response, template):
    """The context of the page's panel rendered from ``template``; KeyError when there is none
    (the funding parts of the school page are panels: issue 9 §3)."""
    for p in response.context["panels"]:
        if p.template == template:
            return p.context
    raise KeyError(template)


ACTIVITIES = "funding/panels/school_activities.html"
SPENDING = "funding/panels/school_spending.html"


def populate(world, n):
    """``n`` schools with a submitted scan each (two needs), a municipal activity listing each
    school, one municipality-wide activity per school, and expenditures on world.school."""
    goab = FundingStream.objects.get(code="GOAB")
    grant = f.GrantFactory(municipality=world.municipality)
    first = world.objects.get("populated", 0)
    world.objects["populated"] = first + n
    for i in range(first, first + n):
        school = f.SchoolFactory(municipality=world.municipality)
        scan = f.ScanFactory(school=school, school_year=YEAR, submitted=True)
        f.NeedFactory(scan=scan, theme="taal", severity="severe")
        f.NeedFactory(scan=scan, theme="sport", severity="limited")
        listed = f.ActivityFactory(municipality=world.municipality, themes=["taal"])
        listed.schools.add(world.school, school)
        f.FundingLineFactory(activity=listed, stream=goab)
        wide = f.ActivityFactory(municipality=world.municipality, themes=["sport"], sectors=["BO"])
        f.FundingLineFactory(activity=wide, stream=goab)
        own = f.ActivityFactory(
            municipality=world.municipality, owner_school=world.school, themes=["taal"]
        )
        f.FundingLineFactory(activity=own, stream=FundingStream.objects.get(code="NPO-SCHOOL"))
        old = f.ScanFactory(
            school=world.school, school_year=f"{2000 + i}-{2001 + i}", reviewed=True
        )
        f.NeedFactory(scan=old, theme="rekenen")
        f.ExpenditureFactory(grant=grant, school=world.school, amount=Decimal("100.00"))


def count_queries(client, target):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(target)
    assert response.status_code == 200
    return len(captured), response


@pytest.mark.parametrize("name", ["scan_overview", "school_list", "school_detail"])
def test_pages_run_a_fixed_number_of_queries_for_3_or_30_schools(client, world, name):
    client.force_login(world.users[Role.POLICY_OFFICER])
    target = url(world, name, **({"school_id": world.school.pk} if name == "school_detail" else {}))
    populate(world, 3)
    small, _response = count_queries(client, target)
    populate(world, 27)
    large, _response = count_queries(client, target)
    assert small == large, f"{name}: {small} queries with 3 schools, {large} with 30"


def test_overview_query_count_is_pinned(client, world, django_assert_max_num_queries):
    populate(world, 30)
    client.force_login(world.users[Role.POLICY_OFFICER])
    # session, user, municipality, memberships (tenant middleware); school years with scans;
    # the newest year with a visible scan (no year asked); visible scans of the year; their
    # needs; schools.
    with django_assert_max_num_queries(9):
        response = client.get(url(world, "scan_overview"))
    assert len(response.context["overview"].rows) == 32


def test_school_page_query_count_is_pinned(client, world, django_assert_max_num_queries):
    populate(world, 30)
    client.force_login(world.users[Role.POLICY_OFFICER])
    # session, user, municipality, memberships; the school; weights; scans + needs +
    # comments; own interventions + funding lines + streams + scans; reaching activities +
    # funding lines + streams; spending per stream; the meetings panel's actions for the school.
    with django_assert_max_num_queries(18):
        response = client.get(url(world, "school_detail", school_id=world.school.pk))
    assert len(response.context["scans"]) == 30
    assert len(panel(response, ACTIVITIES)["interventions"]) == 30
    assert len(panel(response, ACTIVITIES)["reaching"]) == 60
    spending = panel(response, SPENDING)["spending"]
    assert spending == [
        {
            "grant__stream__code": "GOAB",
            "grant__stream__name": "Specifieke uitkering onderwijsachterstandenbeleid",
            "total": Decimal("3000.00"),
        }
    ]


def test_overview_shows_submitted_missing_heatmap_top_and_joint_needs(client, world):
    third = f.SchoolFactory(
        municipality=world.municipality, code="93MC00", name="Kindcentrum De Wilgen"
    )
    for school, severity in [(world.school, "severe"), (world.other_school, "moderate")]:
        scan = f.ScanFactory(school=school, school_year=YEAR, submitted=True)
        f.NeedFactory(scan=scan, theme="taal", severity=severity, share_of_pupils=Decimal("28"))
    draft = f.ScanFactory(school=third, school_year=YEAR)
    f.NeedFactory(scan=draft, theme="zorg", severity="severe")
    client.force_login(world.users[Role.POLICY_OFFICER])
    response = client.get(url(world, "scan_overview"))
    overview = response.context["overview"]
    assert overview.submitted_count == 2
    assert [s.code for s in overview.missing] == ["93MC00"]  # a draft is not submitted
    assert overview.themes == [("taal", "taal en lezen")]  # the draft's needs stay invisible
    assert [(code, serious) for code, _label, serious, _any in overview.top_themes] == [("taal", 2)]
    assert [
        (code, sorted(s.code for s in schools)) for code, _l, schools in overview.joint_needs
    ] == [("taal", ["91KA00", "92LB00"])]
    page = response.content.decode()
    # Severity as colour and as a letter and a word, not colour alone.
    assert (
        'class="sev sev-severe"' in page
        and '<span class="visually-hidden">ernstig (28%)</span>' in page
    )


def test_school_page_lists_reaching_activities_by_the_rules(client, world):
    """checks.md: listed schools; none listed = the owner municipality's schools in its
    sectors (all when empty); a school's own intervention is not a municipal activity."""
    listed = f.ActivityFactory(municipality=world.municipality, code="LISTED")
    listed.schools.add(world.school)
    f.ActivityFactory(municipality=world.municipality, code="OTHER-LISTED").schools.add(
        world.other_school
    )
    f.ActivityFactory(municipality=world.municipality, code="ALL-BO", sectors=["BO", "SBO"])
    f.ActivityFactory(municipality=world.municipality, code="ALL", sectors=[])
    f.ActivityFactory(municipality=world.municipality, code="ONLY-VO", sectors=["VO"])
    f.ActivityFactory(municipality=world.municipality, code="OWN", owner_school=world.school)
    f.ActivityFactory(municipality=world.other_municipality, code="FOREIGN")
    client.force_login(world.users[Role.SCHOOL_DIRECTOR])
    response = client.get(url(world, "school_detail", school_id=world.school.pk))
    activities = panel(response, ACTIVITIES)
    assert sorted(a.code for a in activities["reaching"]) == ["ALL", "ALL-BO", "LISTED"]
    assert [a.code for a in activities["interventions"]] == ["OWN"]
    # A director sees no money (roles.md: grants and expenditures "-").
    with pytest.raises(KeyError):
        panel(response, SPENDING)
    assert "Besteed aan deze school" not in response.content.decode()


def test_school_page_shows_which_serious_needs_are_covered(client, world):
    scan = f.ScanFactory(school=world.school, school_year="2023-2024", submitted=True)
    f.NeedFactory(scan=scan, theme="sport", severity="moderate")
    f.NeedFactory(scan=scan, theme="zorg", severity="severe")
    f.NeedFactory(scan=scan, theme="taal", severity="limited")  # not serious: not listed
    f.ActivityFactory(
        municipality=world.municipality,
        code="TVT",
        themes=["sport", "cultuur"],
        start=datetime.date(2023, 8, 1),
        end=datetime.date(2025, 7, 31),
    ).schools.add(world.school)
    f.ActivityFactory(
        municipality=world.municipality,
        code="ZOMER22",
        themes=["zorg"],
        start=datetime.date(2022, 7, 11),
        end=datetime.date(2022, 8, 19),
    )  # before the school year
    client.force_login(world.users[Role.POLICY_OFFICER])
    response = client.get(url(world, "school_detail", school_id=world.school.pk))
    coverage = {
        need.theme: [a.code for a in covering]
        for _year, need, covering in panel(response, ACTIVITIES)["coverage"]
    }
    assert coverage == {"sport": ["TVT"], "zorg": []}
    assert "niet gedekt (lacune)" in response.content.decode()


def test_school_page_renders_panels_of_other_apps(client, world):
    from portal import dashboard
    from portal.dashboard import Panel

    def provider(request, school, scans):
        return [
            Panel("schools/partials/panel_themes.html", {"school_year": school.code, "themes": []})
        ]

    dashboard.register(provider, slot="school")
    try:
        client.force_login(world.users[Role.POLICY_OFFICER])
        page = client.get(url(world, "school_detail", school_id=world.school.pk)).content.decode()
        assert "Behoeften uit schoolscans 91KA00" in page
    finally:
        dashboard._providers["school"].remove(provider)


def test_school_list_filters_and_exports_without_formula_injection(client, world):
    f.SchoolFactory(
        municipality=world.municipality,
        code="97RG00",
        name='=HYPERLINK("x") SBO',
        sector="SBO",
        board_number="41234",
    )
    client.force_login(world.users[Role.POLICY_OFFICER])
    response = client.get(url(world, "school_list"), {"sector": "SBO"})
    assert [s.code for s in response.context["schools"]] == ["97RG00"]
    response = client.get(url(world, "school_list"), {"q": "kompas"})
    assert [s.code for s in response.context["schools"]] == ["92LB00"]
    response = client.get(url(world, "school_list"), {"sector": "SBO", "export": "csv"})
    body = response.getvalue().decode("utf-8-sig")
    assert response["Content-Disposition"] == 'attachment; filename="scholen.csv"'
    assert "'=HYPERLINK" in body and ";=HYPERLINK" not in body and "91KA00" not in body
    response = client.get(url(world, "school_list"), {"export": "xlsx"})
    assert response.content[:2] == b"PK"


def test_overview_and_scan_list_export(client, world):
    scan = f.ScanFactory(school=world.school, school_year=YEAR, submitted=True)
    f.NeedFactory(scan=scan, theme="taal", severity="severe")
    client.force_login(world.users[Role.POLICY_OFFICER])
    body = (
        client.get(url(world, "scan_overview"), {"school_year": YEAR, "export": "csv"})
        .getvalue()
        .decode("utf-8-sig")
    )
    assert body.splitlines() == [
        "vestigingscode;school;sector;scan;taal en lezen",
        "92LB00;CBS Het Kompas;BO;ontbreekt;",
        "91KA00;OBS De Vlonder;BO;ingediend;ernstig",
    ]
    body = client.get(url(world, "scan_list"), {"export": "csv"}).getvalue().decode("utf-8-sig")
    assert body.splitlines()[1].startswith(f"91KA00;OBS De Vlonder;{YEAR};ingediend;formulier;")
    response = client.get(url(world, "scan_overview"), {"export": "xlsx"})
    assert response["Content-Disposition"].endswith('.xlsx"') and response.content[:2] == b"PK"


def test_director_sees_only_own_school_in_the_list(client, world):
    client.force_login(world.users[Role.SCHOOL_DIRECTOR])
    response = client.get(url(world, "school_list"))
    assert [s.code for s in response.context["schools"]] == ["91KA00"]


def test_policy_officer_edits_a_school_with_audit(client, world):
    client.force_login(world.users[Role.POLICY_OFFICER])
    data = {
        "name": "OBS De Vlonder",
        "sector": "BO",
        "board_number": "41234",
        "swv_code": "PO-20-01",
        "street": "",
        "house_number": "",
        "postcode": "",
        "city": "Hoogezand",
        "denomination": "",
        "pupil_count": 212,
    }
    response = client.post(url(world, "school_update", school_id=world.school.pk), data)
    assert response.status_code == 302
    with scopes_disabled():
        world.school.refresh_from_db()
    assert (world.school.swv_code, world.school.pupil_count) == ("PO-20-01", 212)
    from portal.models import AuditEvent

    event = AuditEvent.objects.get(action="school.update")
    assert event.changes["swv_code"] == ["", "PO-20-01"]


# --- dashboards ------------------------------------------------------------------


def test_overview_and_dashboard_follow_the_newest_scan_round(client, world):
    """With no scans in the current school year yet, the municipality looks at its latest round."""
    scan = f.ScanFactory(school=world.school, school_year="2021-2022", submitted=True)
    f.NeedFactory(scan=scan)
    f.ScanFactory(school=world.other_school, school_year="2099-2100")  # a draft does not count
    client.force_login(world.users[Role.POLICY_OFFICER])
    newest = client.get(url(world, "scan_overview")).context
    assert newest["school_year"] == "2021-2022" and newest["overview"].submitted_count == 1
    # A year asked for explicitly is shown, with its own (here: no) scans, not the newest round's.
    asked = client.get(url(world, "scan_overview"), {"school_year": YEAR}).context
    assert YEAR != "2021-2022"
    assert asked["school_year"] == YEAR and asked["overview"].submitted_count == 0
    panels = client.get(
        reverse("portal:dashboard", kwargs={"municipality": world.municipality.slug})
    ).context["panels"]
    assert (
        next(p.context["school_year"] for p in panels if p.template.endswith("panel_scans.html"))
        == "2021-2022"
    )


def test_dashboard_panels_per_role(client, world):
    scan = f.ScanFactory(school=world.school, school_year=YEAR, submitted=True)
    f.NeedFactory(scan=scan, theme="taal", severity="severe")
    f.ScanFactory(
        school=world.other_school, school_year=YEAR
    )  # a draft: missing for the municipality
    dashboard = reverse("portal:dashboard", kwargs={"municipality": world.municipality.slug})

    client.force_login(world.users[Role.POLICY_OFFICER])
    panels = client.get(dashboard).context["panels"]
    overview = next(
        p.context["overview"] for p in panels if p.template == "schools/partials/panel_scans.html"
    )
    assert overview.submitted_count == 1 and [s.code for s in overview.missing] == ["92LB00"]

    client.force_login(world.users[Role.SCHOOL_DIRECTOR])
    page = client.get(dashboard).content.decode()
    assert (
        "Schoolscan van uw school" in page
        and "OBS De Vlonder" in page
        and "CBS Het Kompas" not in page
    )

    client.force_login(world.users[Role.LEA_CHAIR])
    response = client.get(dashboard)
    themes = next(
        p.context["themes"]
        for p in response.context["panels"]
        if p.template.endswith("panel_themes.html")
    )
    assert themes == [("taal en lezen", 1, 1)]  # counts only, no school names
    assert "OBS De Vlonder" not in response.content.decode()

    client.force_login(world.users[Role.REGIONAL_COORDINATOR])
    response = client.get(reverse("portal:region_dashboard", kwargs={"region": world.region.slug}))
    themes = next(
        p.context["themes"]
        for p in response.context["panels"]
        if p.template.endswith("panel_themes.html")
    )
    assert themes == [("taal en lezen", 1, 1)]
    # one school is below the small-number threshold (5): the coordinator sees "–"
    page = response.content.decode()
    assert 'title="minder dan 5 scholen">–</span>' in page
    assert '<td class="num">1</td>' not in page


def test_navigation_shows_schools_and_scans_by_permission(client, world):
    client.force_login(world.users[Role.SCHOOL_DIRECTOR])
    page = client.get(
        reverse("portal:dashboard", kwargs={"municipality": world.municipality.slug})
    ).content.decode()
    assert url(world, "school_list") in page and url(world, "scan_list") in page
    client.force_login(world.users[Role.ACCOUNTANT])
    page = client.get(
        reverse("portal:dashboard", kwargs={"municipality": world.municipality.slug})
    ).content.decode()
    assert url(world, "school_list") in page and url(world, "scan_list") not in page


# --- demo -------------------------------------------------------------------------


def test_demo_seed_tells_the_scan_story_and_is_idempotent():
    call_command("seed_demo")
    call_command("seed_demo")
    with scopes_disabled():
        scans = {(s.school.code, s.school_year): s for s in Scan.objects.select_related("school")}
        assert scans[("91KA00", "2023-2024")].status == "submitted"
        assert scans[("92LB00", "2023-2024")].status == "reviewed"
        returned = scans[("93MC00", "2023-2024")]
        assert returned.status == "draft" and returned.comments.get().kind == "returned"
        assert (
            scans[("94ND00", "2023-2024")].status == "draft"
            and not scans[("94ND00", "2023-2024")].comments.exists()
        )
        assert list(
            scans[("91KA00", "2023-2024")].interventions.values_list("code", flat=True)
        ) == ["SPORT-NPO"]
        assert list(
            scans[("92LB00", "2021-2022")].interventions.values_list("code", flat=True)
        ) == ["LEZEN"]
        assert scans[("91KA00", "2023-2024")].documents.count() == 1
        from funding.models import Activity

        assert Activity.objects.filter(owner_school__isnull=False).count() == 2


def test_staff_admin_shows_schools_and_scans_read_only(client, world):
    scan = f.ScanFactory(school=world.school, submitted=True)
    f.NeedFactory(scan=scan)
    f.ScanDocumentFactory(scan=scan)
    admin = f.UserFactory(email="staff@portal.example", is_staff=True, is_superuser=True)
    client.force_login(admin)
    for target in [
        "/admin/schools/school/",
        f"/admin/schools/school/{world.school.pk}/change/",
        "/admin/schools/scan/",
        f"/admin/schools/scan/{scan.pk}/change/",
        "/admin/schools/schoolweight/",
    ]:
        assert client.get(target).status_code == 200, target
    assert (
        client.post(f"/admin/schools/scan/{scan.pk}/change/", {"status": "draft"}).status_code
        == 403
    )
