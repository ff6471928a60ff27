"""Production settings fail closed; development ones are safe on a laptop."""

import os
import subprocess
import sys


def _settings(env: dict[str, str], expression: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            f"import django, os; os.environ['DJANGO_SETTINGS_MODULE']='osmose.settings'; "
            f"from django.conf import settings; print({expression})",
        ],
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _settings({"OSMOSE_ENV": "production", "ALLOWED_HOSTS": "x.org"}, "settings.DEBUG")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_to_start_without_allowed_hosts():
    result = _settings({"OSMOSE_ENV": "production", "SECRET_KEY": "s" * 50}, "settings.DEBUG")
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_production_turns_debug_off_and_cookies_secure_whatever_debug_says():
    result = _settings(
        {
            "OSMOSE_ENV": "production",
            "SECRET_KEY": "s" * 50,
            "ALLOWED_HOSTS": "x.org",
            "DEBUG": "true",
        },
        "settings.DEBUG, settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE, "
        "settings.SECURE_HSTS_SECONDS > 0, settings.DEMO_ACCOUNTS_ALLOWED",
    )
    assert result.stdout.strip() == "False True True True False", result.stderr


def test_an_unknown_environment_name_is_refused():
    result = _settings({"OSMOSE_ENV": "prod"}, "settings.DEBUG")
    assert result.returncode != 0


def test_check_deploy_passes_with_the_documented_production_environment():
    clean = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    result = subprocess.run(
        [sys.executable, "-m", "osmose", "check", "--deploy", "--fail-level", "WARNING"],
        env={
            **clean,
            "OSMOSE_ENV": "production",
            "SECRET_KEY": "k" * 20 + "Z9x!" * 10,
            "ALLOWED_HOSTS": "osmose.example.org",
        },
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_the_pages_send_a_content_security_policy(client, db):
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
