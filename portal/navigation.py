"""Main navigation: each app registers its entries (label, URL name, permission) in its
``AppConfig.ready()``; the layout shows the entries the user's access allows."""

from dataclasses import dataclass

from django.utils.translation import gettext

_items = []


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    permission: str
    order: int = 100
    # "municipality" items live under /<municipality>/, "region" items under /regio/<region>/.
    tenant: str = "municipality"


def register(*items: NavItem) -> None:
    for item in items:
        if item not in _items:
            _items.append(item)


def items_for(access) -> list[NavItem]:
    tenant = "region" if access.region else "municipality"
    return sorted(
        (i for i in _items if i.tenant == tenant and access.has(i.permission)),
        key=lambda i: i.order,
    )


# The groups of the main navigation, in order (issue 12 §3): an item's group follows from its
# app (URL namespace); the portal's own member and audit pages are "Beheer".
GROUPS = ("overview", "schools", "finance", "meetings", "admin")
_NAMESPACE_GROUP = {"schools": "schools", "funding": "finance", "meetings": "meetings"}
_PORTAL_OVERVIEW = {"portal:dashboard", "portal:region_dashboard"}


def group_of(item: NavItem) -> str:
    """The group key (one of ``GROUPS``) of a navigation item."""
    namespace = item.url_name.split(":")[0]
    if namespace in _NAMESPACE_GROUP:
        return _NAMESPACE_GROUP[namespace]
    return "overview" if item.url_name in _PORTAL_OVERVIEW else "admin"


def group_label(key: str) -> str:
    """The label people read for a group key."""
    return {
        "overview": gettext("Overzicht"),
        "schools": gettext("Scholen"),
        "finance": gettext("Financiën"),
        "meetings": gettext("Overleg"),
        "admin": gettext("Beheer"),
    }[key]


def groups_for(access) -> list[tuple[str, list[NavItem]]]:
    """The items the user's access allows, as ``[(group key, [items in order]), ...]`` in the
    order of ``GROUPS``; empty groups are left out."""
    items = items_for(access)
    return [
        (key, members) for key in GROUPS if (members := [i for i in items if group_of(i) == key])
    ]
