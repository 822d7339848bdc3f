"""Write services for people and memberships (HackSoft styleguide: keyword-only functions
named ``<entity>_<action>`` that validate and raise :class:`ApplicationError`)."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from .audit import audit_log
from .directors import director_schools
from .exceptions import ApplicationError
from .jobs import enqueue
from .models import Invitation, Job, Membership, Role

_INVITATION_SALT = "portal.invitation"


def invitation_token(invitation: Invitation) -> str:
    return signing.dumps(invitation.pk, salt=_INVITATION_SALT)


def invitation_from_token(token: str) -> Invitation:
    """The pending invitation behind ``token``; raises ApplicationError when the link is
    tampered with, expired or already used."""
    try:
        pk = signing.loads(
            token, salt=_INVITATION_SALT, max_age=settings.INVITATION_MAX_AGE_DAYS * 86400
        )
    except signing.SignatureExpired:
        raise ApplicationError(_("Deze uitnodiging is verlopen. Vraag een nieuwe aan.")) from None
    except signing.BadSignature:
        raise ApplicationError(_("Deze uitnodigingslink is ongeldig.")) from None
    invitation = Invitation.objects.select_related("municipality").filter(pk=pk).first()
    if invitation is None or invitation.accepted_at is not None:
        raise ApplicationError(_("Deze uitnodiging is al gebruikt."))
    return invitation


def _refuse_conflicting_role(*, email, role, municipality):
    """Segregation of duties: who keeps the books does not sign them off, and the other way
    round, so one person is never policy officer and accountant of the same municipality."""
    conflicting = {Role.ACCOUNTANT: Role.POLICY_OFFICER, Role.POLICY_OFFICER: Role.ACCOUNTANT}.get(
        role
    )
    if (
        conflicting
        and Membership.objects.filter(
            user__email__iexact=email, role=conflicting, municipality=municipality
        ).exists()
    ):
        raise ApplicationError(
            _("Deze persoon is hier al %(other)s; die rol gaat niet samen met %(role)s.")
            % {"other": Role(conflicting).label, "role": Role(role).label}
        )


@transaction.atomic
def invitation_create(
    *, invited_by, municipality, email: str, role: str, school=None, request=None
) -> Invitation:
    """Invite ``email`` into ``municipality`` with ``role`` and send the one-time link.

    ``school`` (a school of ``municipality``) is required for a school director and recorded
    by the schools app (``portal.directors``); ignored for other roles. Raises
    ApplicationError for a self-invitation, a conflicting role, a regional coordinator (staff
    adds those) or a missing/foreign school."""
    email = email.strip().lower()
    if invited_by is not None and email == invited_by.email.lower():
        raise ApplicationError(
            _("U kunt uzelf niet uitnodigen; vraag een collega of de beheerder.")
        )
    _refuse_conflicting_role(email=email, role=role, municipality=municipality)
    if role == Role.REGIONAL_COORDINATOR:
        raise ApplicationError(_("Regiocoördinatoren worden door de beheerder toegevoegd."))
    if role == Role.SCHOOL_DIRECTOR:
        if school is None:
            raise ApplicationError(_("Kies de school van de schooldirecteur."))
        if school.municipality_id != municipality.pk:
            raise ApplicationError(_("Die school hoort niet bij deze gemeente."))
    else:
        school = None
    invitation = Invitation.objects.create(
        email=email, role=role, municipality=municipality, invited_by=invited_by
    )
    if school is not None:
        director_schools().invite(invitation=invitation, school=school)
    # Mail goes out from a worker once the invitation is committed: a slow mail server does not
    # hold up the page, and a failed send is retried.
    _invitation_mail_enqueue(invitation=invitation, request=request)
    audit_log(
        actor=invited_by,
        action="invitation.create",
        obj=invitation,
        municipality=municipality,
        changes={"email": [None, email], "role": [None, role]},
    )
    return invitation


def _invitation_mail_enqueue(*, invitation: Invitation, request=None):
    """Queue the mail job of ``invitation`` with a fresh one-time link (absolute when there is
    a request). Returns the :class:`~portal.models.Job`."""
    path = reverse("portal:invitation_accept", kwargs={"token": invitation_token(invitation)})
    link = request.build_absolute_uri(path) if request else path
    return enqueue(
        "portal.tasks.send_invitation", invitation.pk, link, municipality=invitation.municipality
    )


@transaction.atomic
def invitation_resend(*, actor, invitation: Invitation, request=None) -> Invitation:
    """Queue the mail of open ``invitation`` again ("Opnieuw versturen" on the members page):
    its mail status goes back to "wacht op verwerking" and one new mail job is queued, with a
    new link (a link is valid ``INVITATION_MAX_AGE_DAYS`` from when it was made). Audit-logged
    as ``invitation.resend``. Raises ApplicationError when the invitation was accepted
    meanwhile. The caller has checked the tenant and ``members.invite``."""
    invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise ApplicationError(_("Deze uitnodiging is al gebruikt."))
    before = invitation.mail_status
    invitation.mail_status = Invitation.MailStatus.QUEUED
    invitation.mail_error = ""
    invitation.sent_at = None
    invitation.save(update_fields=["mail_status", "mail_error", "sent_at"])
    _invitation_mail_enqueue(invitation=invitation, request=request)
    audit_log(
        actor=actor,
        action="invitation.resend",
        obj=invitation,
        municipality=invitation.municipality,
        changes={"mail_status": [before, Invitation.MailStatus.QUEUED]},
    )
    return invitation


def invitation_mail_given_up(job, reason: str) -> None:
    """The :func:`portal.jobs.register_give_up` handler of ``portal.tasks.send_invitation``:
    the invitation named by ``job.args[0]`` becomes "niet verstuurd" with the Dutch ``reason``
    (unless its mail went out after all, or a newer job of a resend is still to run)."""
    if not job.args:
        return
    newer = Job.objects.filter(
        task=job.task, args__0=job.args[0], status__in=[Job.Status.QUEUED, Job.Status.RUNNING]
    ).exclude(pk=job.pk)
    if newer.exists():
        return
    Invitation.objects.filter(pk=job.args[0]).exclude(
        mail_status=Invitation.MailStatus.SENT
    ).update(mail_status=Invitation.MailStatus.FAILED, mail_error=reason[:500], sent_at=None)


def invitation_send(*, invitation: Invitation, link: str) -> None:
    """Send the invitation e-mail once (a redelivered job does not send it twice) and mark the
    invitation "verstuurd" with ``sent_at``; when sending raises, the mark is undone (status
    back to "wacht op verwerking") and the error propagates so the job retries; a job that
    finally gives up marks it "niet verstuurd" (:func:`invitation_mail_given_up`)."""
    updated = (
        Invitation.objects.filter(pk=invitation.pk, sent_at__isnull=True)
        .exclude(mail_status=Invitation.MailStatus.SENT)
        .update(sent_at=timezone.now(), mail_status=Invitation.MailStatus.SENT, mail_error="")
    )
    if not updated:
        return
    body = render_to_string(
        "portal/email/invitation.txt",
        {"invitation": invitation, "link": link, "days": settings.INVITATION_MAX_AGE_DAYS},
    )
    try:
        send_mail(_("Uitnodiging voor het Onderwijsportaal"), body, None, [invitation.email])
    except Exception:
        # Not sent after all: let the retry send it.
        Invitation.objects.filter(pk=invitation.pk).update(
            sent_at=None, mail_status=Invitation.MailStatus.QUEUED
        )
        raise


@transaction.atomic
def invitation_accept(*, invitation: Invitation, password: str | None = None):
    """Create the account (or reuse the existing one) and its membership; the link is spent.
    The invitation row is locked while it is accepted, so of several simultaneous accepts of
    one link exactly one succeeds; the others raise ApplicationError ("al gebruikt"), never an
    IntegrityError (SQLite has no row locks: the unique e-mail address decides there)."""
    used = _("Deze uitnodiging is al gebruikt.")
    try:
        with transaction.atomic():
            invitation = (
                Invitation.objects.select_for_update(of=("self",))
                .select_related("municipality")
                .get(pk=invitation.pk)
            )
            if invitation.accepted_at is not None:
                raise ApplicationError(used)
            return _invitation_accept_locked(invitation, password)
    except IntegrityError:
        raise ApplicationError(used) from None


def _invitation_accept_locked(invitation: Invitation, password: str | None):
    _refuse_conflicting_role(
        email=invitation.email, role=invitation.role, municipality=invitation.municipality
    )
    User = get_user_model()
    user = User.objects.filter(email__iexact=invitation.email).first()
    if user is None:
        if not password:
            raise ApplicationError(_("Kies een wachtwoord."))
        user = User.objects.create_user(email=invitation.email, password=password)
    if invitation.role == Role.SCHOOL_DIRECTOR:
        director_schools().membership(user=user, invitation=invitation)
    else:
        Membership.objects.get_or_create(
            user=user, role=invitation.role, municipality=invitation.municipality
        )
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_log(
        actor=user, action="invitation.accept", obj=invitation, municipality=invitation.municipality
    )
    return user


def membership_remove(*, actor, membership: Membership, municipality) -> None:
    """Take a role away. A policy officer cannot remove their own last policy-officer role,
    so a municipality is never left without one by accident."""
    if membership.user_id == actor.pk and membership.role == Role.POLICY_OFFICER:
        raise ApplicationError(_("U kunt uw eigen rol als beleidsmedewerker niet verwijderen."))
    audit_log(
        actor=actor,
        action="membership.remove",
        obj=membership,
        municipality=municipality,
        changes={"role": [membership.role, None]},
    )
    membership.delete()
