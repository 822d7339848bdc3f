"""Every URL pattern of the portal x every role x a user of another municipality (roles.md).

The test walks the URL resolver, so a new view is checked the day it is added: its pattern must
have kwargs this file knows how to fill (``URL_KWARGS``), and its view must declare a
permission. Expected answers follow from the permission matrix: a role holding the permission
gets the page; a role that sees the area but may not take the action gets 403; a role that does
not see the area at all gets 404; a user of another municipality gets 404 on everything;
anonymous users are sent to the login page.

Three more passes per URL: the foreign-id pass keeps the own tenant's slug but takes every object
id from the other municipality (and another region), which must answer 404 to every role that
may use the page, and to every role that would be denied the action on its own object (404,
not 403, outside what the user may see); and a role that may use a page that takes POST must be able to POST to it
(405 fails; each such POST runs in a savepoint that is rolled back, so every role sees the same
world).
"""

import hashlib
import re
from dataclasses import dataclass, field

import pytest
from django.db import transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_scopes import scopes_disabled

from portal.models import Membership, Role
from portal.permissions import grants_for, visible_kwargs

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


def _export_job(w):
    """A finished XLSX export of the expenditure list, asked by the world's policy officer (a
    foreign world's: by its LEA chair). Only that user may see it: OVERRIDES."""
    from django.core.files.base import ContentFile

    from portal.models import ExportJob

    if "export_job" not in w.objects:
        user = w.users.get(Role.POLICY_OFFICER) or w.users[Role.LEA_CHAIR]
        job = ExportJob.objects.create(
            municipality=w.municipality,
            created_by=user,
            path=reverse("funding:expenditure_list", kwargs={"municipality": w.municipality.slug}),
            query="export=xlsx",
            name="bestedingen",
            status=ExportJob.Status.DONE,
        )
        job.file.save("bestedingen.xlsx", ContentFile(b"PK test"), save=True)
        w.objects["export_job"] = job
    return w.objects["export_job"]


def _invitation(w):
    """An open invitation of the world's municipality whose mail was given up (the members
    page offers "Opnieuw versturen" for it)."""
    from portal.models import Invitation

    if "invitation" not in w.objects:
        w.objects["invitation"] = Invitation.objects.create(
            municipality=w.municipality,
            email=f"nieuw@{w.municipality.slug}.example",
            role=Role.LEA_CHAIR,
            mail_status=Invitation.MailStatus.FAILED,
        )
    return w.objects["invitation"]


# URL kwarg -> how to get a value for it from the world (objects of the first municipality
# that each role may see where object-level rules apply, e.g. the director's own school).
URL_KWARGS = {
    "municipality": lambda w: w.municipality.slug,
    "region": lambda w: w.region.slug,
    "membership_id": lambda w: Membership.objects.get(user=w.users[Role.LEA_CHAIR]).pk,
    "invitation_id": lambda w: _invitation(w).pk,
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
    "export_job_id": lambda w: _export_job(w).pk,
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
    # An export job is its policy officer's own: every other member gets 404 (not theirs),
    # as does anyone who lacks the exported list's permission (funding.view).
    **{
        (name, role): 404
        for name in ("portal:export_job", "portal:export_job_download")
        for role in Role
        if role != Role.POLICY_OFFICER
    },
    # The LEA chair and the regional coordinator see scans only as aggregate figures
    # (scans.aggregate), never one scan: a scan is outside what they may see, so its pages
    # answer 404, not 403 (issue 13 §4).
    **{
        (name, role): 404
        for role in (Role.LEA_CHAIR, Role.REGIONAL_COORDINATOR)
        for name in (
            "schools:scan_detail",
            "schools:scan_update",
            "schools:scan_submit",
            "schools:scan_review",
            "funding:intervention_create",
            "funding:intervention_delete",
        )
    },
}


# Pages whose POST needs another permission than their GET (the view's ``post`` requires it):
# a role that may see the page but lacks this gets 403 on POST; a role that has it must POST.
POST_PERMISSIONS = {
    "portal:members": "members.invite",
    "funding:report_list": "reports.request",
    "meetings:series_detail": "meetings.change",
    # (On region pages only the regional coordinator gets in, and may change the series.)
}

# The smallest POST body a view needs before it looks at anything else (an empty form is
# otherwise enough: the view answers it with its form errors).
POST_DATA = {
    # Without a known document kind the view answers 404 before looking up the meeting.
    "meetings:meeting_send": {"kind": "agenda"},
    "meetings:region_meeting_send": {"kind": "agenda"},
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


TENANT_KWARGS = {"municipality", "region"}


@dataclass
class ForeignWorld:
    """The objects of the foreign-id pass: the same kinds as the world's, in the other
    municipality (and a region that does not hold the world's municipality)."""

    municipality: object
    region: object
    school: object
    users: dict
    objects: dict = field(default_factory=dict)


def _foreign_world(world):
    region = f.RegionFactory(name="Regio Zuid", slug="regio-zuid")
    region.municipalities.add(world.other_municipality)
    director = f.UserFactory(email="director@b.example")
    f.MembershipFactory(
        user=director, role=Role.SCHOOL_DIRECTOR, municipality=None, school=world.foreign_school
    )
    chair = f.UserFactory(email="chair@b.example")
    f.MembershipFactory(user=chair, role=Role.LEA_CHAIR, municipality=world.other_municipality)
    users = {Role.SCHOOL_DIRECTOR: director, Role.LEA_CHAIR: chair}
    return ForeignWorld(world.other_municipality, region, world.foreign_school, users)


def _url(world, name, route, foreign=None):
    """The URL of ``name`` in ``world``; with ``foreign``, the object ids (not the tenant slug)
    come from that world."""
    kwargs = {}
    for key in re.findall(r"<(?:\w+:)?(\w+)>", route):
        assert key in URL_KWARGS, f"{name}: add URL kwarg {key!r} to URL_KWARGS in {__file__}"
        source = world if foreign is None or key in TENANT_KWARGS else foreign
        kwargs[key] = URL_KWARGS[key](source)
    return reverse(name, kwargs=kwargs)


def _takes_post(pattern, get_response):
    """A view that answers GET with 405 takes only POST; a class-based view takes POST when it
    has a ``post`` handler."""
    if get_response.status_code == 405:
        return True
    view_class = getattr(pattern.callback, "view_class", None)
    return bool(view_class and hasattr(view_class, "post"))


def _post_rolled_back(client, name, url):
    with transaction.atomic():
        response = client.post(url, POST_DATA.get(name, {}))
        transaction.set_rollback(True)
    return response


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
    # 405: the page takes only POST; the POST pass below then checks that the role can POST.
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

    allowed = []
    denied = []
    for role, user in world.users.items():
        client.force_login(user)
        expected = _expected(name, role, permission, "<slug:region>" in route)
        response = client.get(url)
        if expected == "ok":
            _assert_ok(response, f"{role} GET {url}")
            allowed.append((role, user, _takes_post(pattern, response)))
        else:
            assert response.status_code == expected, (
                f"{role} GET {url}: {response.status_code}, expected {expected}"
            )
            assert client.post(url).status_code == expected, f"{role} POST {url}"
            if expected == 403:
                denied.append((role, user))

    # A role that may use a page that takes POST can POST to it (an empty form may be refused
    # with 200/400, but never 403/404/405).
    for role, user, takes_post in allowed:
        if not takes_post:
            continue
        client.force_login(user)
        response = _post_rolled_back(client, name, url)
        if name in POST_PERMISSIONS and POST_PERMISSIONS[name] not in grants_for({role}):
            assert response.status_code == 403, f"{role} POST {url}: {response.status_code}"
        else:
            assert response.status_code in (200, 204, 302, 400), (
                f"{role} POST {url}: {response.status_code}"
            )
            if response.status_code == 302:
                assert "/accounts/login/" not in response["Location"], f"{role} POST {url}"

    # Foreign ids under the own tenant's slug: 404 for every role that may use the page.
    with scopes_disabled():
        foreign_url = _url(world, name, route, foreign=_foreign_world(world))
    if foreign_url == url:
        return  # the page takes no object id
    for role, user, takes_post in allowed:
        client.force_login(user)
        response = client.get(foreign_url)
        assert response.status_code in ((404, 405) if takes_post else (404,)), (
            f"{role} GET {foreign_url}: {response.status_code}"
        )
        may_post = name not in POST_PERMISSIONS or POST_PERMISSIONS[name] in grants_for({role})
        if takes_post and may_post:
            response = _post_rolled_back(client, name, foreign_url)
            assert response.status_code == 404, f"{role} POST {foreign_url}: {response.status_code}"
    # A role denied the action (403 on its own municipality's object) gets 404 for an object it
    # cannot see (issue 13 §4): the denial does not confirm that the object exists.
    for role, user in denied:
        client.force_login(user)
        assert client.get(foreign_url).status_code == 404, f"{role} GET {foreign_url}"
        assert client.post(foreign_url).status_code == 404, f"{role} POST {foreign_url}"


def test_the_walk_finds_the_tenant_pages():
    names = {p.values[0] for p in tenant_patterns()}
    assert {
        "portal:dashboard",
        "portal:members",
        "portal:audit",
        "portal:region_dashboard",
    } <= names


def test_every_object_in_a_url_has_a_registered_visibility():
    """Fail closed: a new view whose URL names an object must say which objects a user may
    see (portal.permissions.register_visible), or its denials would confirm foreign ids."""
    registered = visible_kwargs()
    for param in tenant_patterns():
        route = param.values[2]
        for key in re.findall(r"<int:(\w+)>", route):
            assert key.removeprefix("region_") in registered, f"{param.values[0]}: {key}"


@pytest.mark.django_db
def test_denied_action_on_an_object_the_user_cannot_see_is_404_else_403(client, world):
    """A director may read scans of their own school but not review them (scans.review): the
    own school's scan answers 403, a scan of another school of the same municipality (never
    submitted, so outside their sight) and one of another municipality answer 404."""
    with scopes_disabled():
        own = f.ScanFactory(school=world.school, submitted=True)
        same_town = f.ScanFactory(school=world.other_school)
        foreign = f.ScanFactory(school=world.foreign_school, submitted=True)
    client.force_login(world.users[Role.SCHOOL_DIRECTOR])

    def review(scan):
        return client.post(
            reverse(
                "schools:scan_review",
                kwargs={"municipality": world.municipality.slug, "scan_id": scan.pk},
            )
        ).status_code

    assert review(own) == 403
    assert review(same_town) == 404
    assert review(foreign) == 404


@pytest.mark.django_db
def test_accountant_denied_a_change_sees_403_only_on_own_objects(client, world):
    """The accountant reads grants (funding.view) but may not change them: 403 on the own
    municipality's grant, 404 on another municipality's; the same for a function view (reopening
    a locked period, which only the policy officer may do)."""
    with scopes_disabled():
        own = f.GrantFactory(municipality=world.municipality, reference="OWN-1")
        foreign = f.GrantFactory(municipality=world.other_municipality, reference="FOREIGN-1")
        own_lock = f.PeriodLockFactory(municipality=world.municipality)
        foreign_lock = f.PeriodLockFactory(municipality=world.other_municipality)
    client.force_login(world.users[Role.ACCOUNTANT])
    slug = world.municipality.slug

    def status(name, **kwargs):
        return client.get(reverse(name, kwargs={"municipality": slug, **kwargs})).status_code

    assert status("funding:grant_update", grant_id=own.pk) == 403
    assert status("funding:grant_update", grant_id=foreign.pk) == 404
    assert status("funding:period_reopen", lock_id=own_lock.pk) == 403
    assert status("funding:period_reopen", lock_id=foreign_lock.pk) == 404
