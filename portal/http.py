"""Small HTTP helpers shared by the apps' views."""

from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from .models import Region


def tenant_reverse(name: str, tenant, *args, **kwargs) -> str:
    """The one tenant-aware ``reverse``: ``name`` (``"app:url_name"``) with the tenant's slug
    filled in as ``municipality`` (a Municipality) or ``region`` (a Region); explicit kwargs
    win. ``tenant`` is usually ``request.access.tenant``. Raises NoReverseMatch like
    ``reverse``. Used by the views, the ``{% tenant_url %}`` tag and the meetings records."""
    key = "region" if isinstance(tenant, Region) else "municipality"
    kwargs.setdefault(key, tenant.slug)
    return reverse(name, args=args, kwargs=kwargs)


def redirect_back(request, fallback: str) -> HttpResponseRedirect:
    """Redirect to ``next`` (POST or GET) when it is a path on this site, else to ``fallback``.

    Only local paths are followed: ``//evil.example`` and absolute URLs are refused (no open
    redirect), and the value is never reversed as a URL name (no 500 on ``next=x``)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and not target.startswith("//")
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return HttpResponseRedirect(target)
    return HttpResponseRedirect(fallback)
