"""Downloads of sent agendas and minutes (issue 10 §4): each version as it was sent, checked
against its SHA-256. The sent copy is the participants' copy with every action of the meeting,
so only users who see every action (not a director's own-school view, not an accountant) get it.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404

from .. import records
from .base import _meeting, meetings_permission, route_id


@meetings_permission("actions.view")
def sent_document_download(request, **kwargs):
    if not records.sees_every_action(request.access):
        raise Http404
    meeting = _meeting(request, kwargs)
    document = get_object_or_404(
        records.sent_documents(meeting), pk=route_id(kwargs, "sent_document_id")
    )
    return records.sent_response(document)
