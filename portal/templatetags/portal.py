from django import template
from django.urls import reverse
from django.utils.html import format_html_join

from portal import formatting, navigation

register = template.Library()

register.filter("money", formatting.format_money)
register.filter("number", formatting.format_number)
register.filter("percent", formatting.format_percent)
register.filter("nldate", formatting.format_date)


@register.simple_tag(takes_context=True)
def portal_navigation(context):
    """The main navigation entries for the current user and tenant, with aria-current."""
    request = context["request"]
    access = getattr(request, "access", None)
    if access is None:
        return ""
    if access.region:
        kwargs = {"region": access.region.slug}
    else:
        kwargs = {"municipality": access.municipality.slug}
    entries = []
    for item in navigation.items_for(access):
        url = reverse(item.url_name, kwargs=kwargs)
        current = request.path == url or (url.count("/") > 2 and request.path.startswith(url))
        entries.append((url, "page" if current else "false", item.label))
    return format_html_join("", '<li><a href="{}" aria-current="{}">{}</a></li>', entries)


@register.simple_tag(takes_context=True)
def tenant_url(context, url_name, *args, **kwargs):
    """``{% tenant_url 'funding:grant_list' %}``: reverse with the current tenant filled in."""
    access = context["request"].access
    if access.region:
        kwargs.setdefault("region", access.region.slug)
    else:
        kwargs.setdefault("municipality", access.municipality.slug)
    return reverse(url_name, args=args, kwargs=kwargs)
