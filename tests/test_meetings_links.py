"""An external owner's signed link: their action only, expires, tampered or stale => refused.
These views are tenant-free (no account), so the URL x role walk does not cover them."""

import pytest
from django.core import signing
from django.urls import reverse
from django_scopes import scopes_disabled

from meetings import links
from meetings.models import ActionItem
from portal.models import AuditEvent

from . import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def external(world):
    meeting = f.MeetingFactory(municipality=world.municipality, title="LEA juni")
    mine = f.ActionItemFactory(
        meeting=meeting,
        description="Werkgroep kindcentra",
        owner_email="manager@kinderopvang.example",
    )
    other = f.ActionItemFactory(
        meeting=meeting, description="Iets anders", owner_email="ander@welzijn.example"
    )
    return mine, other


def _path(action):
    return reverse("meetings:action_external", kwargs={"token": links.action_token(action)})


def test_external_owner_updates_status_and_note_without_an_account(external, client):
    mine, other = external
    url = _path(mine)
    page = client.get(url)
    assert page.status_code == 200
    assert (
        "Werkgroep kindcentra" in page.content.decode()
        and "Iets anders" not in page.content.decode()
    )
    response = client.post(url, {"status": "in_progress", "note": "Eerste bijeenkomst gepland"})
    assert response.status_code == 302
    with scopes_disabled():
        mine = ActionItem.objects.get(pk=mine.pk)
        note = mine.notes.get()
        assert mine.status == "in_progress"
        assert (note.text, note.author, note.author_name) == (
            "Eerste bijeenkomst gepland",
            None,
            mine.owner_display,
        )
        assert AuditEvent.objects.filter(action="action.progress", object_id=str(mine.pk)).exists()
        assert ActionItem.objects.get(pk=other.pk).status == "open"


def test_a_link_opens_only_the_action_it_was_made_for(external, client):
    mine, other = external
    token = links.action_token(mine)
    # Someone without the server's key cannot make a link for another action.
    payload = signing.loads(token, salt=links.ACTION_SALT)
    forged = signing.dumps(
        {**payload, "a": other.pk}, key="not-the-server-key", salt=links.ACTION_SALT, compress=True
    )
    assert (
        client.get(reverse("meetings:action_external", kwargs={"token": forged})).status_code == 403
    )


@pytest.mark.parametrize(
    "mangle",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),
        lambda t: "x" + t,
        lambda t: "nonsense",
    ],
)
def test_a_tampered_link_is_refused(external, client, mangle):
    token = mangle(links.action_token(external[0]))
    response = client.get(reverse("meetings:action_external", kwargs={"token": token}))
    assert response.status_code == 403 and "ongeldig" in response.content.decode()
    assert (
        client.post(
            reverse("meetings:action_external", kwargs={"token": token}), {"status": "done"}
        ).status_code
        == 403
    )
    with scopes_disabled():
        assert ActionItem.objects.get(pk=external[0].pk).status == "open"


def test_a_link_expires(external, client, settings, monkeypatch):
    settings.MEETINGS_ACTION_LINK_MAX_AGE_DAYS = 30
    url = _path(external[0])
    import time as time_module

    real = time_module.time
    monkeypatch.setattr(time_module, "time", lambda: real() + 31 * 24 * 3600)
    response = client.get(url)
    assert response.status_code == 403 and "verlopen" in response.content.decode()
    monkeypatch.setattr(time_module, "time", lambda: real() + 29 * 24 * 3600)
    assert client.get(url).status_code == 200


def test_a_link_stops_working_when_the_action_gets_another_owner(external, client, world):
    mine = external[0]
    url = _path(mine)
    with scopes_disabled():
        ActionItem.objects.filter(pk=mine.pk).update(owner_email="opvolger@kinderopvang.example")
    assert client.get(url).status_code == 403
    with scopes_disabled():
        ActionItem.objects.filter(pk=mine.pk).update(
            owner_email="", owner_user=world.users["policy_officer"]
        )
    assert client.get(url).status_code == 403


def test_chair_sees_the_external_link_on_the_action_page(external, client, world):
    client.force_login(world.users["lea_chair"])
    page = client.get(external[0].get_absolute_url()).content.decode()
    assert "/actiepunt/" in page
