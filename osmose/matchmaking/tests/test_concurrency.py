"""Acceptances racing for a participant's last meeting, each thread on its own connection.

The brokerage row lock (PostgreSQL) or the IMMEDIATE write transaction (SQLite) serialises
them: the meeting limit holds and every request ends accepted or refused, none lost.
"""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from osmose.matchmaking import services
from osmose.matchmaking.models import Meeting, MeetingRequest, RequestStatus
from osmose.matchmaking.tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_meeting_limit_holds_under_parallel_acceptances():
    brokerage = factories.brokerage(max_meetings=2)
    star = factories.participant(brokerage)
    others = [factories.participant(brokerage) for _ in range(6)]
    requests = [services.request_meeting(star, other) for other in others]
    barrier = threading.Barrier(len(requests))
    refused: list[ValidationError] = []
    errors: list[BaseException] = []

    def accept(request):
        try:
            barrier.wait()
            services.answer_request(request, accept=True)
        except ValidationError as error:
            refused.append(error)
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=accept, args=(r,)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert Meeting.objects.filter(participants=star).count() == 2
    assert len(refused) == 4
    statuses = sorted(MeetingRequest.objects.values_list("status", flat=True))
    assert statuses.count(RequestStatus.ACCEPTED) == 2
    assert statuses.count(RequestStatus.PENDING) == 4  # refused ones stay to be answered
