from django import template
from django.template.base import render_value_in_context
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeData, mark_safe

from portal import audit_display, formatting, navigation
from portal.http import row_reverse, tenant_reverse

register = template.Library()

register.filter("money", formatting.format_money)
register.filter("number", formatting.format_number)
register.filter("percent", formatting.format_percent)
register.filter("nldate", formatting.format_date)
register.filter("cell", formatting.format_value)
register.filter("audit_sentence", audit_display.action_sentence)
register.filter("audit_changes", audit_display.changes)


@register.simple_tag(takes_context=True)
def portal_navigation(context):
    """The main navigation entries for the current user and tenant, with aria-current."""
    request = context["request"]
    access = getattr(request, "access", None)
    if access is None:
        return ""
    groups = [
        (key, [(tenant_reverse(item.url_name, access.tenant), item.label) for item in items])
        for key, items in navigation.groups_for(access)
    ]
    # The current entry is the one with the longest URL that the page's path starts with, so
    # the home entry ("/regio/x/") is not current on every page below it.
    matching = [
        url for _key, urls in groups for url, _label in urls if request.path.startswith(url)
    ]
    current = max(matching, key=len, default=None)
    html = []
    for key, urls in groups:
        links = format_html_join(
            "",
            '<li><a href="{}" aria-current="{}">{}</a></li>',
            [(url, "page" if url == current else "false", label) for url, label in urls],
        )
        label = navigation.group_label(key)
        if len(urls) == 1 and urls[0][1] == label:
            html.append(
                format_html('<li class="nav-group nav-group--single"><ul>{}</ul></li>', links)
            )
        else:
            html.append(
                format_html(
                    '<li class="nav-group{}"><span class="nav-group__label" id="nav-{}">{}</span>'
                    '<ul aria-labelledby="nav-{}">{}</ul></li>',
                    " nav-group--current" if any(url == current for url, _l in urls) else "",
                    key,
                    label,
                    key,
                    links,
                )
            )
    return mark_safe("".join(html))


@register.simple_tag(takes_context=True)
def tenant_url(context, url_name, *args, **kwargs):
    """``{% tenant_url 'funding:grant_list' %}``: reverse with the current tenant filled in;
    with ids only (``grant_id=g.pk``) the pattern is reversed once per request
    (:func:`portal.http.row_reverse`)."""
    request = context["request"]
    tenant = request.access.tenant
    if args or "municipality" in kwargs or "region" in kwargs:
        return tenant_reverse(url_name, tenant, *args, **kwargs)
    return row_reverse(
        request,
        ("tenant", type(tenant), tenant.pk),
        lambda name, **kw: tenant_reverse(name, tenant, **kw),
        url_name,
        **kwargs,
    )


SELECT_OPTION = "django/forms/widgets/select_option.html"


def _formatted(value):
    """``{{ value|stringformat:'s' }}``: the value as text, escaped unless it is safe."""
    text = str(value)
    return conditional_escape(mark_safe(text) if isinstance(value, SafeData) else text)


@register.simple_tag(takes_context=True)
def select_options(context, optgroups):
    """The options of a select widget (``widget.optgroups``) exactly as Django's templates
    write them (select.html, select_option.html, attrs.html), built in Python: a template
    include per option and per attribute list cost more than the rest of a list page with a
    few hundred options (issue 14). An option with a template of its own is still rendered
    through it. Used by templates/django/forms/widgets/select.html."""
    parts = []
    for group_name, group_choices, _index in optgroups:
        if group_name:
            parts.append(f'\n  <optgroup label="{render_value_in_context(group_name, context)}">')
        for option in group_choices:
            parts.append("\n  ")
            if option["template_name"] != SELECT_OPTION:
                with context.push(widget=option):
                    parts.append(
                        context.template.engine.get_template(option["template_name"]).render(
                            context
                        )
                    )
                continue
            attrs = "".join(
                f" {conditional_escape(name)}"
                + ("" if value is True else f'="{_formatted(value)}"')
                for name, value in option["attrs"].items()
                if value is not False
            )
            label = render_value_in_context(option["label"], context)
            parts.append(f'<option value="{_formatted(option["value"])}"{attrs}>{label}</option>\n')
        if group_name:
            parts.append("\n  </optgroup>")
    return mark_safe("".join(parts))  # every part escaped above
