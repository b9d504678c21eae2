"""Staff login (allauth) and our invitation page.

The MFA pages are one's own account ("own_data"); allauth may first ask a person to confirm
their password (reauthentication) or send them on when the factor is already set up, so the
normal answers include a redirect.
"""

PUBLIC = {"capability": "public", "object": None, "kwargs": {}}
OWN = {"capability": "own_data", "object": None, "kwargs": {}}
# allauth's login_required pages for one's own second factors.
OWN_MFA = {**OWN, "ok": (200, 302)}
# Pages about a factor the person may not have yet: 404 until it exists.
OWN_FACTOR = {**OWN, "ok": (200, 302, 404)}

ENTRIES = {
    "account_invitation": {**PUBLIC, "kwargs": {"token": "unknown-token"}, "ok": (404,)},
    # The link in the e-mail to an old login address: a token page, public like the invitation.
    "account_email_undo": {**PUBLIC, "kwargs": {"token": "unknown-token"}, "ok": (404,)},
    "account_login": {"capability": "anonymous_only", "object": None, "kwargs": {}},
    # No sign-up for staff: the page only says so.
    "account_signup": {"capability": "anonymous_only", "object": None, "kwargs": {}},
    "account_logout": {**PUBLIC, "ok": (200, 302)},
    "account_reset_password": PUBLIC,
    "account_reset_password_done": PUBLIC,
    "account_reauthenticate": OWN,
    "account_change_password": OWN,
    # Nabuur's own e-mail page (nabuur.accounts.email_views); checked once test_permission_matrix
    # no longer lists it in SKIPPED.
    "account_email": OWN,
    "mfa_index": OWN,
    # Part of the login flow: without a pending login it sends the visitor back to log in.
    "mfa_authenticate": {**PUBLIC, "ok": (302,)},
    "mfa_reauthenticate": OWN_MFA,
    "mfa_activate_totp": OWN_MFA,
    "mfa_deactivate_totp": OWN_FACTOR,
    "mfa_view_recovery_codes": OWN_FACTOR,
    "mfa_generate_recovery_codes": OWN_MFA,
    "mfa_download_recovery_codes": OWN_FACTOR,
    "mfa_list_webauthn": OWN_MFA,
    "mfa_add_webauthn": OWN_MFA,
    # Passkey login answers POSTs from the login page's script; a GET goes back to the login.
    "mfa_login_webauthn": {**PUBLIC, "ok": (302,)},
}
