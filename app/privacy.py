"""Masking of personal and card data (PCI DSS 3.3.1 / 3.4.1, JR/T 0171-2020).

A card number is only ever stored and shown as BIN (first 6) + last 4, e.g.
622848******1234. A phone number is masked for anyone who does not own the record.
"""
import re

MASKED_CARD = re.compile(r"^[0-9]{6}\*{3,9}[0-9]{4}$")


def is_masked_card(value: str) -> bool:
    """True for BIN + stars + last 4, 13-19 characters long, like a real PAN."""
    return bool(MASKED_CARD.match(value or "")) and 13 <= len(value) <= 19


def looks_like_full_card(value: str) -> bool:
    """A run of 12+ digits is treated as a full card number and must never be stored."""
    return bool(re.search(r"[0-9]{12,}", re.sub(r"[\s-]", "", value or "")))


def mask_phone(phone: str | None) -> str | None:
    """13904751234 -> 139****1234."""
    if not phone:
        return phone
    if len(phone) >= 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * len(phone)

