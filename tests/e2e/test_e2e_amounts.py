"""Typing an amount into a decision in Chromium set to English and to Dutch stores what the
person meant (issue 10 §2): "200000,00" was stored as EUR 20.000.000,00 by an English browser
when the field was <input type="number">."""

import pytest
from django.urls import reverse
from django_scopes import scopes_disabled

from meetings.models import Decision
from portal.models import Role
from tests import factories as f

from .conftest import log_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("locale", ["en-US", "nl-NL"])
@pytest.mark.parametrize("typed", ["200000,00", "200.000,00"])
def test_decision_amount_is_read_as_typed_in_both_locales(
    browser, live_server, shipped_data, world, locale, typed
):
    meeting = f.MeetingFactory(municipality=world.municipality)
    item = f.AgendaItemFactory(meeting=meeting, title="Zomerschool")
    context = browser.new_context(base_url=live_server.url, locale=locale)
    page = context.new_page()
    page.set_default_timeout(15000)
    try:
        log_in(page, world.users[Role.POLICY_OFFICER].email)
        page.goto(
            reverse(
                "meetings:decision_create",
                kwargs={
                    "municipality": world.municipality.slug,
                    "meeting_id": meeting.pk,
                    "agenda_item_id": item.pk,
                },
            )
        )
        page.locator("#id_text").fill("Zomerschool 2024 gaat door")
        amount = page.get_by_role("textbox", name="Bedrag")
        assert amount.get_attribute("type") == "text"
        assert amount.get_attribute("inputmode") == "decimal"
        amount.press_sequentially(typed)
        page.get_by_role("button", name="Vastleggen").click()
        page.wait_for_load_state()
        shown = page.locator("main").inner_text().replace("\xa0", " ")
        assert "Zomerschool 2024 gaat door – € 200.000,00" in shown
    finally:
        context.close()
    with scopes_disabled():
        assert str(Decision.objects.get(agenda_item=item).amount) == "200000.00"
