"""Every URL pattern of the portal x every role x a user of another municipality (roles.md).

The test walks the URL resolver, so a new view is checked the day it is added: its pattern must
have kwargs this file knows how to fill (``URL_KWARGS``), and its view must declare a
permission. Expected answers follow from the permission matrix: a role holding the permission
gets the page; a role that sees the area but may not take the action gets 403; a role that does
not see the area at all gets 404; a user of another municipality gets 404 on everything;
anonymous users are sent to the login page.
"""

import hashlib
import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_scopes import scopes_disabled

from portal.models import Membership, Role
from portal.permissions import grants_for

from . import factories as f


def _submitted_scan(w):
    """A submitted scan of the director's own school: both the director and the policy officer
    may see it (the municipality sees scans once submitted)."""
    if "scan" not in w.objects:
        scan = f.ScanFactory(school=w.school, submitted=True)
        f.NeedFactory(scan=scan)
        w.objects["scan"] = scan
    return w.objects["scan"]


def _scan_document(w):
    if "scan_document" not in w.objects:
        w.objects["scan_document"] = f.ScanDocumentFactory(scan=_submitted_scan(w))
    return w.objects["scan_document"]


def _intervention(w):
    if "intervention" not in w.objects:
        scan = _submitted_scan(w)
        activity = f.ActivityFactory(
            municipality=w.municipality, owner_school=w.school, code="SCAN-2023-1"
        )
        scan.interventions.add(activity)
        w.objects["intervention"] = activity
    return w.objects["intervention"]


def _import_job(w, kind):
    from portal.models import ImportJob

    return ImportJob.objects.create(
        municipality=w.municipality,
        kind=kind,
        path="imports/x",
        filename="x.csv",
        status=ImportJob.Status.DONE,
        summary="1 regels",
    )


# URL kwarg -> how to get a value for it from the world (objects of the first municipality
# that each role may see where object-level rules apply, e.g. the director's own school).
URL_KWARGS = {
    "municipality": lambda w: w.municipality.slug,
    "region": lambda w: w.region.slug,
    "membership_id": lambda w: Membership.objects.get(user=w.users[Role.LEA_CHAIR]).pk,
    # meetings: a municipal LEA meeting the director takes part in, an action the director
    # owns, and their regional twins (region_*) for the coordinator's region pages.
    "meeting_id": lambda w: _meetings_world(w)["meeting"].pk,
    "participant_id": lambda w: _meetings_world(w)["participant"].pk,
    "attachment_id": lambda w: _meetings_world(w)["attachment"].pk,
    "agenda_item_id": lambda w: _meetings_world(w)["agenda_item"].pk,
    "series_id": lambda w: _meetings_world(w)["series"].pk,
    "standing_item_id": lambda w: _meetings_world(w)["standing_item"].pk,
    "action_id": lambda w: _meetings_world(w)["action"].pk,
    "region_meeting_id": lambda w: _meetings_world(w)["region_meeting"].pk,
    "region_participant_id": lambda w: _meetings_world(w)["region_participant"].pk,
    "region_attachment_id": lambda w: _meetings_world(w)["region_attachment"].pk,
    "region_agenda_item_id": lambda w: _meetings_world(w)["region_agenda_item"].pk,
    "region_series_id": lambda w: _meetings_world(w)["region_series"].pk,
    "region_standing_item_id": lambda w: _meetings_world(w)["region_standing_item"].pk,
    "region_action_id": lambda w: _meetings_world(w)["region_action"].pk,
    "sent_document_id": lambda w: _meetings_world(w)["sent_document"].pk,
    "region_sent_document_id": lambda w: _meetings_world(w)["region_sent_document"].pk,
    "school_id": lambda w: w.school.pk,
    "scan_id": lambda w: _submitted_scan(w).pk,
    "document_id": lambda w: _scan_document(w).pk,
    "intervention_id": lambda w: _intervention(w).pk,
    "import_job_id": lambda w: _import_job(w, "schools").pk,
    "needs_import_job_id": lambda w: _import_job(w, "needs").pk,
    "funding_import_job_id": lambda w: _import_job(w, "grants").pk,
    "activity_import_job_id": lambda w: _import_job(w, "activities").pk,
    # funding (issue 4): objects of world.municipality; the activity is world.school's own
    # intervention, so the director may see and change it.
    "grant_id": lambda w: _funding_object(w, "grant").pk,
    "expenditure_id": lambda w: _funding_object(w, "expenditure").pk,
    "activity_id": lambda w: _funding_object(w, "activity").pk,
    "finding_id": lambda w: _funding_object(w, "finding").pk,
    "check_run_id": lambda w: _funding_object(w, "check_run").pk,
    # A finished spending report (with stored files) and a period lock of the municipality.
    "report_id": lambda w: (
        w.objects.setdefault(
            "report", f.SpendingReportFactory(municipality=w.municipality, done=True)
        ).pk
    ),
    "lock_id": lambda w: (
        w.objects.setdefault("lock", f.PeriodLockFactory(municipality=w.municipality)).pk
    ),
}


def _meetings_world(w):
    """The meetings objects of the URL walk, built once per world (the POSTs of the walk may
    delete a participant or an agenda item; each URL gets a fresh world)."""
    if "meetings" not in w.objects:
        from django.core.files.base import ContentFile

        from meetings.models import Attachment, SentDocument

        from . import factories as f

        built = {}
        for prefix, tenant in (
            ("", {"municipality": w.municipality}),
            ("region_", {"municipality": None, "region": w.region}),
        ):
            series = f.MeetingSeriesFactory(**tenant)
            meeting = f.MeetingFactory(**tenant, series=series)
            f.ParticipantFactory(meeting=meeting, user=w.users[Role.SCHOOL_DIRECTOR], name="")
            attachment = Attachment(meeting=meeting, name="Notitie")
            attachment.file.save("notitie.pdf", ContentFile(b"%PDF-1.4 test"), save=True)
            payload = b"%PDF-1.4 verstuurd"
            sent = SentDocument(
                meeting=meeting,
                kind="minutes",
                version=1,
                sha256=hashlib.sha256(payload).hexdigest(),
            )
            sent.file.save("verslag.pdf", ContentFile(payload), save=True)
            built.update(
                {
                    f"{prefix}series": series,
                    f"{prefix}standing_item": f.StandingItemFactory(series=series),
                    f"{prefix}meeting": meeting,
                    f"{prefix}participant": f.ParticipantFactory(meeting=meeting),
                    f"{prefix}attachment": attachment,
                    f"{prefix}sent_document": sent,
                    f"{prefix}agenda_item": f.AgendaItemFactory(meeting=meeting),
                    f"{prefix}action": f.ActionItemFactory(
                        meeting=meeting, owner_user=w.users[Role.SCHOOL_DIRECTOR]
                    ),
                }
            )
        w.objects["meetings"] = built
    return w.objects["meetings"]


def _funding_object(world, kind):
    """The funding objects of the permission walk, created once per world."""
    from funding.models import CheckRun, Finding

    from . import factories as f

    if "grant" not in world.objects:
        grant = f.GrantFactory(municipality=world.municipality, reference="PERM-GRANT")
        world.objects["grant"] = grant
        world.objects["expenditure"] = f.ExpenditureFactory(
            grant=grant, booking_id="PERM-1", depreciation_months=120
        )
        world.objects["activity"] = f.activity_with_funding(
            municipality=world.municipality,
            owner_school=world.school,
            code="PERM-OWN",
            streams=("NPO-SCHOOL",),
        )
        world.objects["finding"] = Finding.objects.create(
            municipality=world.municipality,
            rule="F7",
            severity="error",
            key="perm",
            fingerprint="perm",
            subjects=["booking:PERM-1"],
            message="test",
        )
        world.objects["check_run"] = CheckRun.objects.create(municipality=world.municipality)
    return world.objects[kind]


# (url name, role) -> expected status where object-level rules differ from the matrix.
# Each entry says why.
OVERRIDES: dict[tuple[str, str], int] = {
    # The sent minutes are the participants' copy with every action of the meeting; a director
    # sees only the actions of their own school in the portal (roles.md).
    ("meetings:sent_document_download", Role.SCHOOL_DIRECTOR): 404,
}


SKIP_PREFIXES = ("admin/", "accounts/", "i18n/", "static/", "media/")


def _walk(patterns, prefix="", namespace=""):
    for p in patterns:
        route = prefix + str(p.pattern)
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            yield from _walk(p.url_patterns, route, ns)
        elif isinstance(p, URLPattern):
            yield route, f"{namespace}{p.name}", p


def tenant_patterns():
    seen = set()
    for route, name, pattern in _walk(get_resolver().url_patterns):
        if route.startswith(SKIP_PREFIXES) or (
            "<slug:municipality>" not in route and "<slug:region>" not in route
        ):
            continue
        if name in seen:
            continue
        seen.add(name)
        yield pytest.param(name, pattern, route, id=name)


def _view_permission(pattern):
    callback = pattern.callback
    view_class = getattr(callback, "view_class", None)
    return (
        getattr(view_class, "permission", None)
        if view_class
        else getattr(callback, "permission", None)
    )


def _url(world, name, route):
    kwargs = {}
    for key in re.findall(r"<(?:\w+:)?(\w+)>", route):
        assert key in URL_KWARGS, f"{name}: add URL kwarg {key!r} to URL_KWARGS in {__file__}"
        kwargs[key] = URL_KWARGS[key](world)
    return reverse(name, kwargs=kwargs)


def _expected(name, role, permission, is_region_url):
    if (name, role) in OVERRIDES:
        return OVERRIDES[(name, role)]
    if is_region_url:
        return "ok" if role == Role.REGIONAL_COORDINATOR else 404
    perms = set(grants_for({role}))
    if permission in perms:
        return "ok"
    area = permission.split(".")[0] + "."
    return 403 if any(p.startswith(area) for p in perms) else 404


def _assert_ok(response, url):
    assert response.status_code in (200, 302, 405), f"{url}: {response.status_code}"
    if response.status_code == 302:
        assert "/accounts/login/" not in response["Location"], f"{url}: redirected to login"


@pytest.mark.django_db
@pytest.mark.parametrize("name,pattern,route", list(tenant_patterns()))
def test_every_tenant_url_follows_roles_matrix(client, world, name, pattern, route):
    permission = _view_permission(pattern)
    assert permission, (
        f"{name} does not declare a permission (PortalViewMixin.permission or @portal_permission)"
    )
    with scopes_disabled():
        url = _url(world, name, route)

    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"], (
        f"anonymous on {url}"
    )

    client.force_login(world.foreign_user)
    assert client.get(url).status_code == 404, f"foreign user on {url}"
    assert client.post(url).status_code == 404, f"foreign user POST on {url}"

    for role, user in world.users.items():
        client.force_login(user)
        expected = _expected(name, role, permission, "<slug:region>" in route)
        response = client.get(url)
        if expected == "ok":
            _assert_ok(response, f"{role} GET {url}")
        else:
            assert response.status_code == expected, (
                f"{role} GET {url}: {response.status_code}, expected {expected}"
            )
            assert client.post(url).status_code == expected, f"{role} POST {url}"


def test_the_walk_finds_the_tenant_pages():
    names = {p.values[0] for p in tenant_patterns()}
    assert {
        "portal:dashboard",
        "portal:members",
        "portal:audit",
        "portal:region_dashboard",
    } <= names
