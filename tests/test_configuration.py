"""docs/configuration.md lists every environment variable that nabuur/settings.py reads."""

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS = ROOT / "nabuur" / "settings.py"
CONFIGURATION_DOC = ROOT / "docs" / "configuration.md"

# The settings' own helpers; each takes the variable's name as its first argument.
ENV_HELPERS = {"env", "env_bool", "env_int", "env_list"}


def _is_os_environ(node):
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _literal_name(node):
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def environment_names(source):
    """Every literal variable name the source reads from the environment."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call) and node.args:
            func = node.func
            reads_env = (
                (isinstance(func, ast.Name) and func.id in ENV_HELPERS)
                # os.environ.get("X"), os.environ.setdefault("X"), os.getenv("X")
                or (
                    isinstance(func, ast.Attribute)
                    and func.attr in {"get", "setdefault"}
                    and _is_os_environ(func.value)
                )
                or (
                    isinstance(func, ast.Attribute)
                    and func.attr == "getenv"
                    and isinstance(func.value, ast.Name)
                    and func.value.id == "os"
                )
            )
            if reads_env and (name := _literal_name(node.args[0])):
                names.add(name)
        # os.environ["X"]
        elif (
            isinstance(node, ast.Subscript)
            and _is_os_environ(node.value)
            and (name := _literal_name(node.slice))
        ):
            names.add(name)
    return names


def documented_names(markdown):
    """Variable names written as `CODE` in the first column of a table row."""
    return set(re.findall(r"^\|\s*`([A-Z][A-Z0-9_]*)`\s*\|", markdown, flags=re.MULTILINE))


def test_environment_names_finds_every_way_of_reading_a_variable():
    source = """
import os
from os import environ
A = env("NABUUR_A", "x")
B = env_bool("NABUUR_B", False)
C = env_int("NABUUR_C", 1)
D = env_list("NABUUR_D")
E = os.environ.get("NABUUR_E")
F = os.environ["NABUUR_F"]
G = os.getenv("NABUUR_G")
H = os.environ.setdefault("NABUUR_H", "1")
name = "NOT_LITERAL"
I = env(name)
J = {"NOT_ENV": 1}.get("NOT_ENV")
"""
    assert environment_names(source) == {
        "NABUUR_A",
        "NABUUR_B",
        "NABUUR_C",
        "NABUUR_D",
        "NABUUR_E",
        "NABUUR_F",
        "NABUUR_G",
        "NABUUR_H",
    }


def test_documented_names_reads_only_table_rows():
    markdown = "Set `NABUUR_X` first.\n\n| variable | default |\n|---|---|\n| `NABUUR_Y` | `1` |\n"
    assert documented_names(markdown) == {"NABUUR_Y"}


def test_settings_reads_the_essential_variables():
    # Guards the parser against silently finding nothing in the real file.
    names = environment_names(SETTINGS.read_text())
    assert {
        "NABUUR_ENV",
        "NABUUR_SECRET_KEY",
        "NABUUR_ALLOWED_HOSTS",
        "DATABASE_URL",
        "NABUUR_EMAIL_URL",
    } <= names


def test_every_variable_settings_reads_is_documented():
    read = environment_names(SETTINGS.read_text())
    documented = documented_names(CONFIGURATION_DOC.read_text())
    missing = sorted(read - documented)
    assert missing == [], (
        f"nabuur/settings.py reads {', '.join(missing)}, missing from docs/configuration.md: "
        "add a table row (name, default per environment, meaning, example)."
    )


def test_every_documented_variable_is_read_somewhere():
    # A row for a variable nothing reads any more misleads the people who install Nabuur.
    read = set()
    for path in (ROOT / "nabuur").rglob("*.py"):
        read |= environment_names(path.read_text())
    # Read by tools outside nabuur/: Django itself, the test suite and the CI scripts.
    read |= {"DJANGO_SETTINGS_MODULE", "CI"}
    stale = sorted(documented_names(CONFIGURATION_DOC.read_text()) - read)
    assert stale == [], f"docs/configuration.md documents {', '.join(stale)}, which nothing reads."
