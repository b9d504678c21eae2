"""Every audit action written anywhere in Nabuur has its words for the person it concerns
(nabuur.staff.audit_labels), so that a member's "who viewed or exported my data" never shows a
code such as `members.view_list`.

The actions are found in the source: every call of the functions that write an entry
(audit.services.record, staff.auditing.record and record_view, members' record_member_action,
and any function that hands its own `action` parameter on to one of them), with the action as
a literal, a local variable or module constant holding literals, or an f-string over such a
parameter."""

import ast
import datetime
from pathlib import Path

import pytest
from django.utils import translation

from nabuur.audit.models import AuditEntry
from nabuur.staff import audit_labels
from nabuur.staff.permissions import Kind

SOURCE = Path(__file__).resolve().parent.parent / "nabuur"
# The functions that write an entry, each with the position of its `action` parameter.
WRITERS = {"record": 1, "_append": 1}


def _called_name(call):
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return getattr(call.func, "id", None)


def _action_argument(call, position):
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == "action"), None)


def _local_strings(function):
    """The string literals assigned to each local name of `function`."""
    strings = {}
    for node in ast.walk(function):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if isinstance(target, ast.Name):
                strings.setdefault(target.id, []).extend(
                    n.value
                    for n in ast.walk(node.value)
                    if isinstance(n, ast.Constant) and isinstance(n.value, str)
                )
    return strings


def _module_strings(tree):
    """The string constants a module names at its top (REMINDED = "escalation.reminded")."""
    return {
        node.targets[0].id: [node.value.value]
        for node in tree.body
        if isinstance(node, ast.Assign)
        and len(node.targets) == 1
        and isinstance(node.targets[0], ast.Name)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    }


def _functions():
    """(path, function, the module's top-level string constants) for every function."""
    for path in sorted(SOURCE.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        constants = _module_strings(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                yield path, node, constants


def _passed_on(argument, parameters):
    """(parameter, prefix) when the action is the caller's own parameter, alone or after a
    literal prefix (f"messaging.{action}"); else None."""
    if isinstance(argument, ast.Name) and argument.id in parameters:
        return argument.id, ""
    if (
        isinstance(argument, ast.JoinedStr)
        and len(argument.values) == 2
        and isinstance(argument.values[0], ast.Constant)
        and isinstance(argument.values[1].value, ast.Name)
        and argument.values[1].value.id in parameters
    ):
        return argument.values[1].value.id, argument.values[0].value
    return None


def actions_in_source():
    """{action: [files]} for every action the code writes; a call whose action the scan
    cannot read appears as "?file:line"."""
    functions = list(_functions())
    # The writers, each with the position of its action parameter and the prefix it adds.
    writers = {name: (position, "") for name, position in WRITERS.items()}
    while True:
        found, new_writers = {}, {}
        for path, function, constants in functions:
            parameters = [a.arg for a in function.args.args + function.args.kwonlyargs]
            strings = {**constants, **_local_strings(function)}
            for call in ast.walk(function):
                if not isinstance(call, ast.Call) or _called_name(call) not in writers:
                    continue
                position, prefix = writers[_called_name(call)]
                argument = _action_argument(call, position)
                passed_on = _passed_on(argument, parameters)
                if argument is None:
                    continue
                if passed_on is not None:
                    # A function that hands its own parameter on writes entries too.
                    if function.name not in writers:
                        parameter, more = passed_on
                        new_writers[function.name] = (parameters.index(parameter), prefix + more)
                    continue
                if isinstance(argument, ast.Constant):
                    values = [argument.value]
                elif isinstance(argument, ast.Name) and argument.id in strings:
                    values = strings[argument.id]
                else:
                    values = [f"?{path}:{call.lineno}"]
                for value in values:
                    action = value if value.startswith("?") else prefix + value
                    found.setdefault(action, []).append(str(path.relative_to(SOURCE.parent)))
        if not new_writers:
            return found
        writers.update(new_writers)


def test_the_scan_finds_the_actions_however_they_are_written():
    found = actions_in_source()
    # A literal, a measure through record_member_action and _record, a local variable, and an
    # f-string inside messaging's _event.
    for action in (
        "members.view_member",
        "members.approve",
        "members.measure.confirm",
        "networks.segment_add",
        "networks.segment_update",
        "messaging.queue",
    ):
        assert action in found, sorted(found)


def test_every_action_in_the_code_has_its_words():
    found = actions_in_source()
    unreadable = sorted(action for action in found if action.startswith("?"))
    assert not unreadable, f"calls whose action the scan cannot read: {unreadable}"
    missing = sorted(set(found) - set(audit_labels.ABOUT_YOU))
    assert not missing, (
        f"audit actions without words in nabuur/staff/audit_labels.py: "
        f"{ {action: found[action] for action in missing} }"
    )


def test_every_role_has_its_words():
    assert set(Kind.values) | {"system", "api_token"} <= set(audit_labels.ACTORS)


def entry(action, role, when=datetime.datetime(2026, 5, 3, 14, 5, tzinfo=datetime.UTC)):
    return AuditEntry(action=action, actor_role=role, created_at=when)


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", "Your coordinator looked at your details on May 3, 2026."),
        ("nl", None),
        ("fr", None),
    ],
)
def test_a_view_reads_as_a_sentence(language, expected):
    with translation.override(language):
        text = audit_labels.about_you(entry("members.view_member", Kind.COORDINATOR))
        if expected is None:
            expected = translation.gettext("%(actor)s looked at your details on %(date)s.") % {
                "actor": translation.gettext("Your coordinator"),
                "date": {"nl": "3 mei 2026", "fr": "3 mai 2026"}[language],
            }
    assert text == expected


def test_an_unknown_action_and_role_read_as_a_generic_sentence():
    with translation.override("en"):
        assert audit_labels.about_you(entry("members.something_new", "robot")) == (
            "Someone worked with your data on May 3, 2026."
        )
        assert audit_labels.about_you(entry("networks.create", "zone_admin")) == (
            "An administrator of the police zone worked with your data on May 3, 2026."
        )


def test_an_action_of_the_person_through_a_link_names_no_actor():
    with translation.override("en"):
        assert audit_labels.about_you(entry("messaging.feedback", Kind.MEMBER)) == (
            "Your rating of a message was recorded on May 3, 2026."
        )
