"""Parallel registrations, each thread with its own database connection.

On PostgreSQL the event row lock serialises the seat decisions; on SQLite the IMMEDIATE
write transactions do. Either way, exactly the capacity is confirmed and nothing is lost.
"""

import threading

import pytest
from django.db import connection

from osmose.events import services
from osmose.events.models import Registration, RegistrationStatus
from osmose.events.tests import factories

pytestmark = pytest.mark.django_db(transaction=True)


def race(event, numbers):
    barrier = threading.Barrier(len(numbers))
    errors: list[BaseException] = []

    def one(number):
        try:
            barrier.wait()
            services.register(event=event, registrant=factories.registrant(number))
        except BaseException as error:  # any failure is a lost registration
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=one, args=(n,)) for n in numbers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return errors


def test_exactly_one_wins_the_last_seat():
    event = factories.event(capacity=3)
    for number in (1, 2):
        services.register(event=event, registrant=factories.registrant(number))
    errors = race(event, range(100, 108))
    assert errors == []
    registrations = Registration.objects.filter(event=event)
    assert registrations.count() == 10
    assert registrations.filter(status=RegistrationStatus.CONFIRMED).count() == 3
    waiting = list(
        registrations.filter(status=RegistrationStatus.WAITLISTED).order_by("waitlisted_at", "pk")
    )
    assert len(waiting) == 7
    assert [services.waitlist_position(r) for r in waiting] == list(range(1, 8))


def test_parallel_cancellations_promote_one_each():
    event = factories.event(capacity=4)
    holders = [
        services.register(event=event, registrant=factories.registrant(n)).registration
        for n in range(4)
    ]
    waiting = [
        services.register(event=event, registrant=factories.registrant(n)).registration
        for n in range(10, 16)
    ]
    barrier = threading.Barrier(len(holders))

    def cancel(registration):
        try:
            barrier.wait()
            services.cancel(actor=None, registration=registration)
        finally:
            connection.close()

    threads = [threading.Thread(target=cancel, args=(r,)) for r in holders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = [Registration.objects.get(pk=r.pk).status for r in waiting]
    assert statuses == ["offered"] * 4 + ["waitlisted"] * 2
