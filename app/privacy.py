"""Masking of personal and card data (PCI DSS 3.3.1 / 3.4.1, JR/T 0171-2020).

A card number is only ever stored and shown as BIN (first 6) + last 4, e.g.
622848******1234. Phone and ID numbers are masked in lists and exports for anyone who
does not own the record.
"""
import re

# What a masked card is and how a full one is recognised: app/core/fields.py
# (is_masked_card, contains_card_number), shared by every text field.


def mask_card(pan: str) -> str:
    """Mask a full card number to BIN + last 4 (for importers that receive full PANs)."""
    digits = re.sub(r"\D", "", pan)
    if len(digits) < 13:
        raise ValueError("card number too short")
    return digits[:6] + "*" * (len(digits) - 10) + digits[-4:]


def mask_phone(phone: str | None) -> str | None:
    """13904751234 -> 139****1234."""
    if not phone:
        return phone
    if len(phone) >= 7:
        return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
    return "*" * len(phone)


def mask_id_number(id_no: str | None) -> str | None:
    """Resident ID 18 chars -> first 6 (region) + stars + last 4."""
    if not id_no:
        return id_no
    return id_no[:6] + "*" * max(len(id_no) - 10, 0) + id_no[-4:]
