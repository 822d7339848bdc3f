"""Fixed vocabularies of the domain (domain.md): sectors, themes, menukaart, severities.

They are codes that files exchange and rules match on, so they live in code; funding streams,
by contrast, are data (a new scheme must not need a release).
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Sector(models.TextChoices):
    VE = "VE", _("Voor- en vroegschoolse educatie")
    BO = "BO", _("Basisonderwijs")
    SBO = "SBO", _("Speciaal basisonderwijs")
    SO = "SO", _("Speciaal onderwijs")
    VSO = "VSO", _("Voortgezet speciaal onderwijs")
    VO = "VO", _("Voortgezet onderwijs")


class Theme(models.TextChoices):
    TAAL = "taal", _("taal en lezen")
    REKENEN = "rekenen", _("rekenen")
    EXECUTIEF = "executief", _("executieve functies")
    SOCIAAL_EMOTIONEEL = "sociaal_emotioneel", _("sociaal-emotioneel / welbevinden")
    SPORT = "sport", _("sport en bewegen")
    CULTUUR = "cultuur", _("cultuur")
    OUDERBETROKKENHEID = "ouderbetrokkenheid", _("ouderbetrokkenheid")
    VE = "ve", _("voor- en vroegschoolse educatie")
    ZORG = "zorg", _("jeugdhulp en zorg in de school")
    THUISZITTERS = "thuiszitters", _("thuiszitters en verzuim")
    NIEUWKOMERS = "nieuwkomers", _("nieuwkomers")
    ONDERWIJSTIJD = "onderwijstijd", _("extra onderwijstijd (zomerschool, verlengde dag)")
    PERSONEEL = "personeel", _("extra personeel en handen in de klas")
    PROFESSIONALISERING = "professionalisering", _("professionalisering")


class Menukaart(models.TextChoices):
    A = "A", _("A. Meer onderwijs")
    B = "B", _("B. Effectievere inzet van onderwijs")
    C = "C", _("C. Sociaal-emotionele en fysieke ontwikkeling")
    D = "D", _("D. Executieve functies")
    E = "E", _("E. (Extra) inzet van personeel en ondersteuning")
    F = "F", _("F. Faciliteiten en randvoorwaarden")


class Severity(models.TextChoices):
    NONE = "none", _("geen")
    LIMITED = "limited", _("beperkt")
    MODERATE = "moderate", _("matig")
    SEVERE = "severe", _("ernstig")
