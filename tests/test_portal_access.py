"""Tenancy, login, two-factor and invitations (roles.md; the foundation issue's 'done when')."""

import re

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django_scopes import ScopeError, scope, scopes_disabled

from funding.models import Grant
from portal.models import Invitation, Membership, Role
from schools.models import Directorship, School

from . import factories as f


def test_query_outside_a_tenant_scope_raises(world):
    """Fail closed: forgetting the tenant is an error, not a leak of every municipality."""
    with pytest.raises(ScopeError):
        list(School.objects.all())
    with scope(municipality=world.municipality):
        assert set(School.objects.values_list("code", flat=True)) == {"91KA00", "92LB00"}


def test_foreign_policy_officer_gets_404_on_every_page_of_another_municipality(client, world):
    client.force_login(world.foreign_user)
    for name in ["portal:dashboard", "portal:members", "portal:audit"]:
        assert (
            client.get(reverse(name, kwargs={"municipality": "midden-groningen"})).status_code
            == 404
        )
    assert (
        client.get(reverse("portal:dashboard", kwargs={"municipality": "eemsdelta"})).status_code
        == 200
    )


def test_unknown_municipality_is_404_not_500(client, world):
    client.force_login(world.users[Role.POLICY_OFFICER])
    assert client.get("/bestaat-niet/").status_code == 404


def test_anonymous_user_is_sent_to_login(client, world):
    response = client.get("/midden-groningen/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/midden-groningen/")


def test_coordinator_gets_region_but_not_municipality_detail(client, world):
    client.force_login(world.users[Role.REGIONAL_COORDINATOR])
    assert client.get("/regio/kenniskring-noord/").status_code == 200
    assert client.get("/midden-groningen/leden/").status_code == 404
    other_region = f.RegionFactory()
    assert client.get(f"/regio/{other_region.slug}/").status_code == 404


@pytest.mark.parametrize("role", [Role.POLICY_OFFICER, Role.ACCOUNTANT, Role.REGIONAL_COORDINATOR])
def test_roles_requiring_2fa_are_sent_to_totp_setup_before_any_data(client, world, settings, role):
    settings.PORTAL_REQUIRE_2FA = True
    user = world.users[role]
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "Test-wachtwoord-1"}
    )
    # straight after login: TOTP set-up, not a dashboard. allauth asks for the password once
    # more before changing two-factor settings, then shows the QR code.
    response = client.get(response["Location"])
    assert response["Location"] == reverse("mfa_activate_totp")
    response = client.get(reverse("mfa_activate_totp"))
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    response = client.post(response["Location"], {"password": "Test-wachtwoord-1"}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("mfa_activate_totp")
    assert b"<svg" in response.content or b"data:image" in response.content  # the QR code
    for url in ["/", "/midden-groningen/", "/regio/kenniskring-noord/", "/midden-groningen/leden/"]:
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"] == reverse("mfa_activate_totp")


def test_director_and_lea_chair_do_not_need_2fa(client, world, settings):
    settings.PORTAL_REQUIRE_2FA = True
    for role in [Role.SCHOOL_DIRECTOR, Role.LEA_CHAIR]:
        client.force_login(world.users[role])
        assert client.get("/midden-groningen/").status_code == 200


def test_policy_officer_with_totp_sees_data(client, world, settings):
    from allauth.mfa.models import Authenticator

    settings.PORTAL_REQUIRE_2FA = True
    user = world.users[Role.POLICY_OFFICER]
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    client.force_login(user)
    assert client.get("/midden-groningen/").status_code == 200


def test_login_by_email_lands_on_the_role_home_page(client, world):
    user = world.users[Role.LEA_CHAIR]
    response = client.post(
        reverse("account_login"),
        {"login": user.email, "password": "Test-wachtwoord-1"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == "/midden-groningen/"
    assert response.status_code == 200


def test_there_is_no_self_signup(client, db):
    response = client.get(reverse("account_signup"))
    assert (
        b"Sign Up Closed" in response.content
        or response.status_code in (403, 404)
        or b"gesloten" in response.content
    )


def test_repeated_failed_logins_are_rate_limited(client, world):
    user = world.users[Role.POLICY_OFFICER]
    for _ in range(5):
        client.post(reverse("account_login"), {"login": user.email, "password": "fout"})
    # after five failures for this address even the right password is refused for a while
    response = client.post(
        reverse("account_login"), {"login": user.email, "password": "Test-wachtwoord-1"}
    )
    assert response.status_code in (200, 429)
    assert "_auth_user_id" not in client.session


def test_invitation_creates_account_and_membership_once(
    client, world, django_capture_on_commit_callbacks
):
    officer = world.users[Role.POLICY_OFFICER]
    client.force_login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/midden-groningen/leden/",
            {
                "email": "Nieuwe.Directeur@School.example",
                "role": Role.SCHOOL_DIRECTOR,
                "school": world.school.pk,
            },
        )
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/uitnodiging/\S+/)", mail.outbox[0].body).group(1)
    client.logout()

    response = client.post(
        link, {"password1": "Een-goed-wachtwoord-9", "password2": "Een-goed-wachtwoord-9"}
    )
    assert response.status_code == 302
    membership = Membership.objects.get(user__email="nieuwe.directeur@school.example")
    assert (
        membership.role == Role.SCHOOL_DIRECTOR and membership.directorship.school == world.school
    )
    assert membership.municipality == world.municipality
    # the link works once
    client.logout()
    assert client.get(link).status_code == 410


def test_tampered_invitation_link_is_refused(client, world):
    invitation = Invitation.objects.create(
        email="x@example.org", role=Role.LEA_CHAIR, municipality=world.municipality
    )
    from portal.services import invitation_token

    token = invitation_token(invitation)
    assert client.get(f"/uitnodiging/{token}x/").status_code == 410


def test_policy_officer_cannot_invite_director_for_school_of_other_municipality(client, world):
    client.force_login(world.users[Role.POLICY_OFFICER])
    response = client.post(
        "/midden-groningen/leden/",
        {"email": "a@b.example", "role": Role.SCHOOL_DIRECTOR, "school": world.foreign_school.pk},
    )
    # the foreign school is not even a choice: the form refuses it, nothing is sent
    assert response.status_code == 400
    assert mail.outbox == []


def test_member_removal_is_audited(client, world):
    from portal.models import AuditEvent

    client.force_login(world.users[Role.POLICY_OFFICER])
    target = Membership.objects.get(user=world.users[Role.LEA_CHAIR])
    response = client.post(f"/midden-groningen/leden/{target.pk}/verwijderen/")
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=target.pk).exists()
    event = AuditEvent.objects.get(action="membership.remove")
    assert (
        event.actor == world.users[Role.POLICY_OFFICER] and event.municipality == world.municipality
    )


def test_english_interface_keeps_dutch_number_and_date_formats(client, world):
    from decimal import Decimal

    from django.template import Context, Template
    from django.utils import translation

    with translation.override("en"):
        html = Template("{% load portal %}{{ a|money }} {{ d|nldate }}").render(
            Context({"a": Decimal("1034000"), "d": __import__("datetime").date(2023, 4, 26)})
        )
    assert html == "€\u00a01.034.000,00 26-04-2023"


def test_language_switch_to_english(client, world):
    client.force_login(world.users[Role.LEA_CHAIR])
    client.post("/i18n/setlang/", {"language": "en", "next": "/midden-groningen/"})
    response = client.get("/midden-groningen/")
    assert response["Content-Language"] == "en"


@pytest.mark.django_db
def test_seed_demo_accounts_log_in_and_land_on_their_home(client):
    call_command("seed_demo", verbosity=0)
    expected = {
        "beleid@midden-groningen.example": "/midden-groningen/",
        "directeur@devlonder.example": "/midden-groningen/",
        "voorzitter@lea-midden-groningen.example": "/midden-groningen/",
        "accountant@midden-groningen.example": "/midden-groningen/",
        "coordinator@kenniskring-noord.example": "/regio/kenniskring-noord/",
        "beleid@eemsdelta.example": "/eemsdelta/",
    }
    for email, home in expected.items():
        client.logout()
        response = client.post(
            reverse("account_login"), {"login": email, "password": "Portal-demo-2026"}, follow=True
        )
        assert response.redirect_chain[-1][0] == home, email
        assert response.status_code == 200, email
    # running it again changes nothing
    with scopes_disabled():
        before = (Membership.objects.count(), School.objects.count(), Grant.objects.count())
    call_command("seed_demo", verbosity=0)
    with scopes_disabled():
        assert (Membership.objects.count(), School.objects.count(), Grant.objects.count()) == before


def test_invitation_mail_is_sent_by_a_real_worker(
    celery_worker, world, django_capture_on_commit_callbacks
):
    """On PostgreSQL + Redis: the job goes through the broker to a worker process, which sees
    the committed invitation and marks it sent."""
    import time

    from portal.services import invitation_create

    invitation = invitation_create(
        invited_by=world.users[Role.POLICY_OFFICER],
        municipality=world.municipality,
        email="lea@partner.example",
        role=Role.LEA_CHAIR,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        invitation.refresh_from_db()
        if invitation.sent_at:
            break
        time.sleep(0.2)
    assert invitation.sent_at is not None


def test_interface_is_dutch_even_when_the_browser_prefers_english(client, db):
    response = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response["Content-Language"] == "nl"
    assert "Inloggen" in response.content.decode()


def test_staff_support_uses_the_admin_across_tenants_and_others_cannot(client, world):
    staff = f.UserFactory(email="support@portal.example", is_staff=True, is_superuser=True)
    client.force_login(staff)
    response = client.get("/admin/schools/school/")
    assert response.status_code == 200
    assert "95PE00" in response.content.decode() and "91KA00" in response.content.decode()
    client.force_login(world.users[Role.POLICY_OFFICER])
    assert client.get("/admin/schools/school/").status_code == 302  # to the admin login


def test_navigation_marks_only_the_deepest_matching_entry_as_current(client, world):
    client.force_login(world.users[Role.POLICY_OFFICER])
    html = client.get("/midden-groningen/leden/").content.decode()
    assert html.count('aria-current="page"') == 1
    assert 'href="/midden-groningen/leden/" aria-current="page"' in html


def test_admin_login_goes_through_allauth_with_its_rate_limit_and_2fa(client, world, settings):
    staff = f.UserFactory(email="support@portal.example", is_staff=True, is_superuser=True)
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    settings.PORTAL_REQUIRE_2FA = True
    client.force_login(staff)
    response = client.get("/admin/schools/school/")
    assert response.status_code == 302 and response["Location"] == reverse("mfa_activate_totp")


def test_invitation_link_never_logs_into_an_existing_account(
    client, world, django_capture_on_commit_callbacks
):
    from portal.services import invitation_create, invitation_token

    victim = world.foreign_user  # policy officer of another municipality
    invitation = invitation_create(
        invited_by=world.users[Role.POLICY_OFFICER],
        municipality=world.municipality,
        email=victim.email,
        role=Role.LEA_CHAIR,
    )
    link = f"/uitnodiging/{invitation_token(invitation)}/"
    response = client.post(link)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert "_auth_user_id" not in client.session
    assert not Membership.objects.filter(user=victim, role=Role.LEA_CHAIR).exists()
    # once signed in normally, the same person accepts it
    client.force_login(victim)
    assert client.post(link).status_code == 302
    assert Membership.objects.filter(
        user=victim, role=Role.LEA_CHAIR, municipality=world.municipality
    ).exists()


def test_policy_officer_cannot_make_themselves_accountant(client, world):
    from portal.exceptions import ApplicationError
    from portal.services import invitation_create

    officer = world.users[Role.POLICY_OFFICER]
    with pytest.raises(ApplicationError):
        invitation_create(
            invited_by=officer,
            municipality=world.municipality,
            email=officer.email,
            role=Role.ACCOUNTANT,
        )
    # nor through a colleague: one person is never policy officer and accountant of one municipality
    colleague = f.UserFactory(email="collega@a.example")
    f.MembershipFactory(user=colleague, role=Role.POLICY_OFFICER, municipality=world.municipality)
    with pytest.raises(ApplicationError):
        invitation_create(
            invited_by=colleague,
            municipality=world.municipality,
            email=officer.email,
            role=Role.ACCOUNTANT,
        )


def test_years_and_ids_are_not_printed_with_thousands_separators():
    from django.template import Context, Template

    assert (
        Template("{{ year }} {{ n }}").render(Context({"year": 2023, "n": 1034000}))
        == "2023 1034000"
    )


def test_member_list_names_a_directors_school(client, world, django_assert_max_num_queries):
    """The director's school comes from the schools app (portal.directors), as before the
    move: in the list of members and of pending invitations, without extra queries."""
    client.force_login(world.users[Role.POLICY_OFFICER])
    members_url = reverse("portal:members", kwargs={"municipality": world.municipality.slug})
    client.post(
        members_url,
        {
            "email": "kompas@school.example",
            "role": "school_director",
            "school": world.other_school.pk,
        },
    )
    # session, user, municipality, memberships (middleware); members with school; invitations
    # with school; schools for the form.
    with django_assert_max_num_queries(7):
        page = client.get(members_url).content.decode()
    assert "OBS De Vlonder (91KA00)" in page  # the director's membership
    assert "(CBS Het Kompas (92LB00))" in page  # the pending invitation


def test_director_whose_school_link_is_gone_reaches_no_school(client, world):
    """Fail closed: a director membership without its schools.Directorship (the school was
    removed) still opens the municipality but shows no school."""
    director = world.users[Role.SCHOOL_DIRECTOR]
    client.force_login(director)
    schools_url = reverse("schools:school_list", kwargs={"municipality": world.municipality.slug})
    assert "OBS De Vlonder" in client.get(schools_url).content.decode()
    with scopes_disabled():
        Directorship.objects.filter(membership__user=director).delete()
    response = client.get(schools_url)
    assert response.status_code == 200
    assert "OBS De Vlonder" not in response.content.decode()
