"""Dependencies flow one way (issue 9 §3): portal <- schools <- funding <- meetings.
import-linter (.importlinter) checks the imports; a model relation names its target as a
string ("schools.School"), which no import reveals, so this test checks the relations: every
foreign key, one-to-one and many-to-many of an app points into the app itself or a layer below."""

from django.apps import apps

LAYERS = ["portal", "schools", "funding", "meetings"]


def test_model_relations_point_down_the_layers():
    upward = []
    for label in LAYERS:
        for model in apps.get_app_config(label).get_models():
            for field in model._meta.get_fields(include_hidden=True):
                if not field.is_relation or field.auto_created or field.related_model is None:
                    continue
                target = field.related_model._meta.app_label
                if target in LAYERS and LAYERS.index(target) > LAYERS.index(label):
                    upward.append(f"{model.__name__}.{field.name} -> {target}")
    assert upward == []


def test_the_layering_test_sees_relations():
    # Guard against a test that passes by seeing nothing: schools' relations to portal exist.
    school = apps.get_model("schools", "School")
    assert school._meta.get_field("municipality").related_model._meta.app_label == "portal"
    activity = apps.get_model("funding", "Activity")
    assert activity._meta.get_field("scans").related_model._meta.app_label == "schools"
