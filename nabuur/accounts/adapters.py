from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    """Staff never sign up: a zone administrator or officer invites them (nabuur.accounts)."""

    def is_open_for_signup(self, request):
        return False
