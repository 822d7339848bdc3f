"""What the schools app's pages share: links within the user's municipality."""

from portal.http import tenant_reverse


def page_url(request, name, **kwargs):
    """The path of the URL ``name`` (``"schools:scan_detail"``) with ``kwargs``, within the
    municipality of the request (``request.access.tenant``); raises NoReverseMatch."""
    return tenant_reverse(name, request.access.tenant, **kwargs)
