"""Signals for apps above events (sent inside the transaction that made the change)."""

from django.dispatch import Signal

# A live registration was cancelled (by the person, an organiser or the API): ``registration``.
registration_cancelled = Signal()
