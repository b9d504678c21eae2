import re

import pytest
from django.core.management import CommandError, call_command

from nabuur.messaging.models import Message, MessageState

from .i18n import nl


@pytest.fixture
def body(tmp_path):
    path = tmp_path / "body.md"
    path.write_text("Sluit je **ramen**.", encoding="utf-8")
    return path


def run(*args):
    from io import StringIO

    out = StringIO()
    call_command("send_message", *args, stdout=out)
    return out.getvalue()


@pytest.mark.django_db(transaction=True)
def test_send_message_queues_as_the_author_could(coordinator_a, bin_a, body):
    out = run(
        "--bin",
        "centrum",
        "--kind",
        "prevention",
        "--subject",
        "Tips",
        "--body-file",
        f"nl={body}",
        "--author",
        coordinator_a.email,
    )
    message = Message.objects.get()
    assert out == f"message #{message.pk} to centrum: {message.get_state_display()}\n"
    assert message.state == MessageState.QUEUED
    assert message.variants.get().subject == "Tips"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--bin", "nergens"], "No BIN with the slug nergens."),
        (["--bin", "elsdonk"], "may not send messages to elsdonk."),
        # The plan's refusal comes from the compose service, in the site's language.
        (
            ["--bin", "centrum", "--kind", "missing_person"],
            nl(
                "The communication plan of %(bin)s does not let you send this class.",
                bin="BIN Centrum",
            ),
        ),
    ],
)
def test_send_message_explains_refusals(coordinator_a, bin_a, bin_b, body, args, error):
    base = ["--kind", "prevention", "--subject", "Tips", "--body-file", str(body)]
    with pytest.raises(CommandError, match=re.escape(error)):
        run(*base, *args, "--author", coordinator_a.email)
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_send_message_refuses_guardrail_findings(coordinator_a, bin_a, tmp_path):
    path = tmp_path / "b.md"
    path.write_text("Bel Jan op 0470 12 34 56.", encoding="utf-8")
    with pytest.raises(CommandError, match=nl("telephone number")):
        run(
            "--bin",
            "centrum",
            "--kind",
            "prevention",
            "--subject",
            "Tips",
            "--body-file",
            str(path),
            "--author",
            coordinator_a.email,
        )
    assert not Message.objects.exists()
