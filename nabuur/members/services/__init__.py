"""Verbs of membership: join, confirm, approve, decline, change, pause, leave, erase, measures.

Views, commands and jobs call these; nothing else writes memberships, consents or login links.
One module per topic; callers import the verbs from here (`services.approve_membership`).
"""

from .address_requests import (
    AlreadyHandled,
    assign_address_request,
    close_address_request,
    expire_address_requests,
    request_address_check,
)
from .approval import approve_membership, decline_membership
from .blocks import (
    PersonBlocked,
    address_key,
    block_hash,
    delete_expired_blocks,
    is_blocked,
    membership_address_key,
)
from .common import coordinators_of
from .confirmation import (
    CONFIRM_SALT,
    Confirmation,
    check_confirmation,
    confirm_membership,
    confirmation_token,
    purge_unconfirmed,
)
from .coordinator import EmailTaken, add_member_by_hand, edit_member, unsubscribe_on_request
from .join import (
    MembershipExists,
    create_membership,
    current_documents,
    remind_existing_member,
    request_membership,
)
from .login_links import LOGIN_LINK_LIFETIME, send_login_link, use_login_link, valid_login_link
from .measures import (
    MeasureRefused,
    confirm_measure,
    end_suspensions,
    mark_letter_posted,
    measure_letter_pdf,
    propose_measure,
    withdraw_measure,
)
from .self_service import (
    LEFT_BY_EMAIL,
    LEFT_BY_LINK,
    LEFT_ON_PAGE,
    change_address,
    end_pauses,
    erase_account,
    erase_after_retention,
    leave_membership,
    pause_membership,
    set_message_classes,
    set_quiet_hours,
    update_details,
)

__all__ = [
    "CONFIRM_SALT",
    "LOGIN_LINK_LIFETIME",
    "AlreadyHandled",
    "Confirmation",
    "EmailTaken",
    "MeasureRefused",
    "MembershipExists",
    "PersonBlocked",
    "add_member_by_hand",
    "address_key",
    "approve_membership",
    "assign_address_request",
    "block_hash",
    "change_address",
    "check_confirmation",
    "close_address_request",
    "confirm_membership",
    "confirm_measure",
    "confirmation_token",
    "coordinators_of",
    "create_membership",
    "current_documents",
    "decline_membership",
    "delete_expired_blocks",
    "edit_member",
    "end_pauses",
    "end_suspensions",
    "erase_account",
    "erase_after_retention",
    "expire_address_requests",
    "is_blocked",
    "leave_membership",
    "LEFT_BY_EMAIL",
    "LEFT_BY_LINK",
    "LEFT_ON_PAGE",
    "membership_address_key",
    "pause_membership",
    "propose_measure",
    "purge_unconfirmed",
    "remind_existing_member",
    "mark_letter_posted",
    "request_address_check",
    "request_membership",
    "send_login_link",
    "set_message_classes",
    "set_quiet_hours",
    "measure_letter_pdf",
    "unsubscribe_on_request",
    "update_details",
    "use_login_link",
    "valid_login_link",
    "withdraw_measure",
]
