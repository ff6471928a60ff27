"""Calling the API in tests: a Bearer-token client, JSON writes, the 422 error locations."""

from typing import Any

from django.test import Client

from osmose.accounts.models import User
from osmose.accounts.services import create_api_token

API = "/api/v1"


def bearer_client(user: User) -> Client:
    _token, secret = create_api_token(user=user)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client


def post(client: Client, path: str, data: Any = None) -> Any:
    return client.post(f"{API}{path}", data or {}, content_type="application/json")


def patch(client: Client, path: str, data: Any) -> Any:
    return client.patch(f"{API}{path}", data, content_type="application/json")


def error_locations(response: Any) -> list[list[Any]]:
    assert response.status_code == 422, response.content
    return [error["loc"] for error in response.json()["detail"]]
