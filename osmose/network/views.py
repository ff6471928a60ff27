"""The follow-up answer page, reached from the e-mail's links (no login: the signed token)."""

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from osmose.events.views.public import token_page
from osmose.network import followups
from osmose.network.models import FollowUpAnswer


@token_page
@ratelimit(key="ip", rate="30/m", method="POST", block=True)
@require_http_methods(["GET", "POST"])
def follow_up(request: HttpRequest, token: str) -> HttpResponse:
    """GET shows the chosen answer with one button; POST records it (a link scanner that
    fetches the link answers nothing)."""
    try:
        link = followups.read_token(token)
    except followups.LinkError as invalid:
        return render(request, "network/follow_up.html", {"error": str(invalid)}, status=404)
    follow_up = link.follow_up
    error = ""
    if request.method == "POST":
        try:
            follow_up = followups.record_answer(link, note=request.POST.get("note", ""))
        except ValidationError as refused:
            error = refused.messages[0]
    return render(
        request,
        "network/follow_up.html",
        {
            "follow_up": follow_up,
            "event": follow_up.event,
            "introduction": follow_up.introduction,
            "chosen": link.answer,
            "chosen_label": FollowUpAnswer(link.answer).label,
            "error": error,
        },
        status=409 if error else 200,
    )
