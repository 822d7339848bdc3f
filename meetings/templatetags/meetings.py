from django import template

from meetings.views.base import tenant_url

register = template.Library()


@register.simple_tag(takes_context=True)
def murl(context, name, **kwargs):
    """``{% murl 'meeting_detail' meeting_id=m.pk %}``: the meetings URL of the page's tenant."""
    return tenant_url(context["request"].access, name, **kwargs)


@register.filter
def status_badge(status):
    return {"open": "info", "in_progress": "warn", "done": "ok", "cancelled": "muted"}.get(
        status, "muted"
    )
