"""Hypothesis strategies for outside text: characters that mean something to Notify, mistune, Jinja or
a mail client, mixed with any other Unicode."""

from __future__ import annotations

from hypothesis import strategies as st

SPECIAL = [*"#*-•^=+_.!|[](){}\\`~<>&:/;@ \n\t", "((", "))", "https://", "www.", "&#91;", "&lsqb;"]
_ORDINARY = st.characters(exclude_categories=["Cs", "Cc", "Zl", "Zp"], exclude_characters="\u2424")

# Anything, including control characters and every kind of line break.
_ANY = st.characters(exclude_categories=["Cs"])
hostile_text = st.lists(st.sampled_from(SPECIAL) | _ANY, max_size=60).map("".join)
# For round trips: no control characters or exotic line breaks, which escaping drops or normalises.
printable_text = st.lists(st.sampled_from(SPECIAL) | _ORDINARY, max_size=60).map("".join)
