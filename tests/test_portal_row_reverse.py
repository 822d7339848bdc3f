"""Row URLs reversed once per request and filled in per row (issue 14: a reverse per link of a
list page): the same strings as a reverse per link, never shared between requests."""

import pytest
from django.test import RequestFactory
from django.urls import NoReverseMatch

from meetings.models import meetings_reverse
from portal.http import row_reverse, tenant_reverse


def _tenant(tenant):
    return lambda name, **kw: tenant_reverse(name, tenant, **kw)


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("meetings:action_detail", {"action_id": 7}),
        ("meetings:meeting_detail", {"meeting_id": 1234567}),
        ("meetings:action_detail", {"action_id": 0}),
        ("meetings:action_list", {}),
    ],
)
def test_row_urls_equal_a_reverse_per_link(world, name, kwargs):
    request = RequestFactory().get("/")
    reverse_fn = _tenant(world.municipality)
    for _ in range(2):  # the first call fills the memo, the second reads it
        assert row_reverse(request, "k", reverse_fn, name, **kwargs) == tenant_reverse(
            name, world.municipality, **kwargs
        )


def test_region_routes_and_several_ids(world):
    request = RequestFactory().get("/")

    def region_fn(name, **kw):
        return meetings_reverse(name, world.region, **kw)

    for meeting_id in (3, 41, 5926):
        assert row_reverse(
            request, "r", region_fn, "meeting_detail", meeting_id=meeting_id
        ) == meetings_reverse("meeting_detail", world.region, meeting_id=meeting_id)


def test_the_memo_is_per_request_and_per_key(world):
    first, second = RequestFactory().get("/"), RequestFactory().get("/")
    name = "meetings:action_detail"
    mine = row_reverse(first, "a", _tenant(world.municipality), name, action_id=5)
    other = row_reverse(second, "b", _tenant(world.other_municipality), name, action_id=5)
    assert world.municipality.slug in mine and world.other_municipality.slug in other
    # another key on the same request does not reuse the first tenant's pattern
    assert world.other_municipality.slug in row_reverse(
        first, "b", _tenant(world.other_municipality), name, action_id=5
    )


def test_anything_but_an_id_is_reversed_as_usual(world):
    request = RequestFactory().get("/")
    fn = _tenant(world.municipality)
    with pytest.raises(NoReverseMatch):
        row_reverse(request, "k", fn, "meetings:action_detail", action_id=-1)
    with pytest.raises(NoReverseMatch):
        row_reverse(request, "k", fn, "meetings:action_detail", action_id="x")
    assert row_reverse(
        request, "k", fn, "meetings:action_detail", action_id="12"
    ) == tenant_reverse("meetings:action_detail", world.municipality, action_id="12")
