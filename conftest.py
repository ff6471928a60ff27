"""Shared pytest fixtures: the personas every permission test uses."""

import os

import pytest

os.environ.setdefault("OSMOSE_ENV", "test")

from django.test import Client

from osmose.accounts.models import Role, User
from osmose.accounts.services import create_user

PASSWORD = "correct horse battery staple"  # noqa: S105


def _user(role: Role, email: str) -> User:
    return create_user(email=email, role=role, password=PASSWORD, first_name=str(role.label))


@pytest.fixture
def admin_user(db) -> User:
    return _user(Role.ADMIN, "admin@example.test")


@pytest.fixture
def animator(db) -> User:
    return _user(Role.ANIMATOR, "animator@example.test")


@pytest.fixture
def member(db) -> User:
    return _user(Role.MEMBER, "member@example.test")


@pytest.fixture
def funder(db) -> User:
    return _user(Role.FUNDER, "funder@example.test")


def _client_for(user: User | None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


@pytest.fixture
def animator_client(animator) -> Client:
    return _client_for(animator)


@pytest.fixture
def member_client(member) -> Client:
    return _client_for(member)


@pytest.fixture
def funder_client(funder) -> Client:
    return _client_for(funder)


@pytest.fixture
def outsider_client(db) -> Client:
    """A visitor who is not logged in."""
    return _client_for(None)


@pytest.fixture(autouse=True, scope="module")
def _fresh_commune_index():
    """Forget the process-wide commune index after each module: a module that loads the
    geography and rolls it back (the demo tests) must not leave ids that no longer exist."""
    yield
    from osmose.core import geography

    geography._index = None
