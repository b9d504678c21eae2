# Loaded before Django's settings: the test suite always runs with NABUUR_ENV=test.
import os

os.environ["NABUUR_ENV"] = "test"
os.environ.setdefault("NABUUR_EMAIL_URL", "memory://")
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
