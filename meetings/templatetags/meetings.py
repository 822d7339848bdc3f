from django import template

from meetings.views.base import tenant_url
from portal.http import row_reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def murl(context, name, **kwargs):
    """``{% murl 'meeting_detail' meeting_id=m.pk %}``: the meetings URL of the page's tenant."""
    request = context["request"]
    access = request.access
    return row_reverse(
        request,
        ("meetings", type(access.tenant), access.tenant.pk),
        lambda url_name, **kw: tenant_url(access, url_name, **kw),
        name,
        **kwargs,
    )


@register.filter
def status_badge(status):
    return {"open": "info", "in_progress": "warn", "done": "ok", "cancelled": "muted"}.get(
        status, "muted"
    )
