"""``{{ subject|subject_label }}``, ``{{ code|theme_label }}``: see funding/labels.py."""

from django import template

from funding.labels import subject_label, theme_label

register = template.Library()
register.filter("subject_label", subject_label)
register.filter("theme_label", theme_label)
