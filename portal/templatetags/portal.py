from django import template
from django.utils.html import format_html_join

from portal import formatting, navigation
from portal.http import tenant_reverse

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
    urls = [
        (tenant_reverse(item.url_name, access.tenant), item.label)
        for item in navigation.items_for(access)
    ]
    # The current entry is the one with the longest URL that the page's path starts with, so
    # the home entry ("/regio/x/") is not current on every page below it.
    matching = [url for url, _label in urls if request.path.startswith(url)]
    current = max(matching, key=len, default=None)
    entries = [(url, "page" if url == current else "false", label) for url, label in urls]
    return format_html_join("", '<li><a href="{}" aria-current="{}">{}</a></li>', entries)


@register.simple_tag(takes_context=True)
def tenant_url(context, url_name, *args, **kwargs):
    """``{% tenant_url 'funding:grant_list' %}``: reverse with the current tenant filled in."""
    return tenant_reverse(url_name, context["request"].access.tenant, *args, **kwargs)
