"""Notify references: a delivery's id, or a prefixed id for mail that is not a delivery."""

from __future__ import annotations

ENQUIRY_REFERENCE_PREFIX = "enquiry-"  # Notify references of forwarded contact-form enquiries
