"""Main navigation: each app registers its entries (label, URL name, permission) in its
``AppConfig.ready()``; the layout shows the entries the user's access allows."""

from dataclasses import dataclass

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
