"""What the schools import tests share: the demo data files, the CBS municipality codes, a
lookup of the stored schools and a browser upload."""

from pathlib import Path

from django.core.files.uploadedfile import SimpleUploadedFile
from django_scopes import scopes_disabled

from portal.cbs import MUNICIPALITIES_FILE, parse_municipalities
from schools.models import School

DATA = Path(__file__).resolve().parent.parent / "portal" / "demo_data"
CBS_CODES = sorted(
    code for code, _name, _province in parse_municipalities(MUNICIPALITIES_FILE.read_bytes())
)


def run(importer, data, **kwargs):
    return importer.run(data, **kwargs)


def schools():
    with scopes_disabled():
        return {s.code: s for s in School.objects.select_related("municipality")}


def upload(client, url, content, name="duo.csv", **extra):
    return client.post(url, {"file": SimpleUploadedFile(name, content), **extra})
