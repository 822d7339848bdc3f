"""What the funding page tests share: the roles by letter, the funding URL of a world's
municipality, a signed-in client and a world with ``n`` expenditure lines."""

from django.urls import reverse

from portal.models import Role

from . import factories as f

P, A, D, L, C = (
    Role.POLICY_OFFICER,
    Role.ACCOUNTANT,
    Role.SCHOOL_DIRECTOR,
    Role.LEA_CHAIR,
    Role.REGIONAL_COORDINATOR,
)


def url(world, name, **kwargs):
    return reverse(f"funding:{name}", kwargs={"municipality": world.municipality.slug, **kwargs})


def login(client, world, role):
    client.force_login(world.users[role])
    return client


def make_lines(world, n):
    grant = f.GrantFactory(municipality=world.municipality, reference=f"G-{n}")
    activity = f.activity_with_funding(
        municipality=world.municipality, code=f"A-{n}", schools=[world.school]
    )
    for i in range(n):
        f.ExpenditureFactory(
            grant=grant, booking_id=f"L{n}-{i}", school=world.school, activity=activity
        )
        f.GrantFactory(municipality=world.municipality, reference=f"G-{n}-{i}")
        f.activity_with_funding(
            municipality=world.municipality, code=f"A-{n}-{i}", schools=[world.other_school]
        )
    return grant
