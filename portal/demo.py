"""The foundation of the demo story: two municipalities of Kenniskring Noord and one account per
role. The apps add their part (``<app>.demo.seed(ctx)``); see seed_demo. The schools app adds
the school locations and the school director's membership (portal does not know schools)."""

from dataclasses import dataclass, field
from pathlib import Path

from django.contrib.auth import get_user_model

from .models import Membership, Municipality, Region, Role

DATA_DIR = Path(__file__).resolve().parent / "demo_data"
DEMO_PASSWORD = "Portal-demo-2026"

ACCOUNTS = [
    # (e-mail, role, where, display name: a role, not a real person)
    (
        "beleid@midden-groningen.example",
        Role.POLICY_OFFICER,
        "GM1952",
        "Beleidsmedewerker onderwijs",
    ),
    ("directeur@devlonder.example", Role.SCHOOL_DIRECTOR, "91KA00", "Directeur OBS De Vlonder"),
    ("voorzitter@lea-midden-groningen.example", Role.LEA_CHAIR, "GM1952", "Voorzitter LEA"),
    ("accountant@midden-groningen.example", Role.ACCOUNTANT, "GM1952", "Controller"),
    (
        "coordinator@kenniskring-noord.example",
        Role.REGIONAL_COORDINATOR,
        "kenniskring-noord",
        "Coördinator kenniskring",
    ),
    ("beleid@eemsdelta.example", Role.POLICY_OFFICER, "GM1979", "Beleidsmedewerker onderwijs"),
]


@dataclass
class DemoContext:
    """What each app's demo seed builds on."""

    municipalities: dict = field(default_factory=dict)  # code -> Municipality
    region: Region | None = None
    users: dict = field(default_factory=dict)  # e-mail -> User
    stdout: object = None

    def log(self, message):
        if self.stdout:
            self.stdout.write(message)


def seed_foundation(stdout=None) -> DemoContext:
    ctx = DemoContext(stdout=stdout)
    for code, name, slug in [
        ("GM1952", "Midden-Groningen", "midden-groningen"),
        ("GM1979", "Eemsdelta", "eemsdelta"),
    ]:
        ctx.municipalities[code], _ = Municipality.objects.update_or_create(
            code=code, defaults={"name": name, "slug": slug}
        )
    ctx.region, _ = Region.objects.update_or_create(
        slug="kenniskring-noord", defaults={"name": "Kenniskring Noord"}
    )
    ctx.region.municipalities.add(*ctx.municipalities.values())

    User = get_user_model()
    for email, role, where, name in ACCOUNTS:
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email=email, password=DEMO_PASSWORD, first_name=name)
        ctx.users[email] = user
        if role == Role.SCHOOL_DIRECTOR:
            continue  # the membership names a school: schools.demo adds it
        if role == Role.REGIONAL_COORDINATOR:
            scope = {"region": ctx.region}
        else:
            scope = {"municipality": ctx.municipalities[where]}
        Membership.objects.get_or_create(user=user, role=role, **scope)
    ctx.log(
        f"Basis: {len(ctx.municipalities)} gemeenten, regio {ctx.region}, {len(ctx.users)} accounts."
    )
    return ctx
