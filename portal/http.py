"""Small HTTP helpers shared by the apps' views."""

from django.http import HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme


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
