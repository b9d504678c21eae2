"""Passwords: Argon2 outside the test suite, and a login with an Argon2 password works.

The test settings put a fast hasher first (nabuur/settings.py: Argon2 would cost the suite
minutes); these tests keep what the other environments do under test.
"""

import pytest
from django.contrib.auth.hashers import identify_hasher

from . import factories
from .test_settings import PYTHON, production_environment, run

PRINT_HASHERS = """
import django
from django.conf import settings
django.setup()
print(*settings.PASSWORD_HASHERS)
"""
ARGON2 = "django.contrib.auth.hashers.Argon2PasswordHasher"


def hashers(environment):
    result = run([PYTHON, "-c", PRINT_HASHERS], environment)
    assert result.returncode == 0, result.stderr
    return result.stdout.split()


def test_production_and_the_demo_hash_with_argon2_alone(tmp_path):
    expected = [ARGON2, "django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    assert hashers(production_environment(tmp_path)) == expected
    assert hashers({"NABUUR_VAR_DIR": str(tmp_path)}) == expected


@pytest.mark.django_db
def test_an_argon2_password_logs_in(client, settings):
    settings.PASSWORD_HASHERS = [ARGON2]
    user = factories.UserFactory(password="Kerkstraat-lantaarn-2026")
    assert identify_hasher(user.password).algorithm == "argon2"
    response = client.post(
        "/en/account/login/", {"login": user.email, "password": "Kerkstraat-lantaarn-2026"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(user.pk)
