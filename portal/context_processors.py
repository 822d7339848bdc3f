from django.conf import settings


def portal(request):
    """The tenant and the user's access for the layout's navigation, and the demo banner."""
    return {
        "access": getattr(request, "access", None),
        "portal_demo": settings.PORTAL_DEMO,
    }
