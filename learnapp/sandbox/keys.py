"""Sandbox key format, hashing and masking.

A key reads `sbx_test_<key_id>_<secret>`: a fixed prefix that secret scanners and people can
recognise, a 12-hex-digit public id to find the key's row with one indexed lookup, and 160 random
bits of secret. Only the SHA-256 of the whole key is stored. A fast hash is the right tool here: a
password hasher's deliberate slowness protects guessable passwords, and a 160-bit random secret is
not guessable, while this hash is checked on every API request.
"""

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass

PREFIX = "sbx_test_"
KEY_ID_HEX = 12
SECRET_BYTES = 20  # 160 bits
KEY_RE = re.compile(rf"\A{PREFIX}([0-9a-f]{{{KEY_ID_HEX}}})_([0-9a-f]{{{SECRET_BYTES * 2}}})\Z")
# Anything that starts like a key, complete or not, in any case: masked wherever text is shown
# or logged. "Sbx_test_…" is no valid key, but it may be one with a capital from autocorrect.
# Punctuation that ends it ("…: 5", "….") stays in the text: a key never ends in one.
KEYISH_RE = re.compile(
    rf"{PREFIX}(?:([0-9a-f]{{{KEY_ID_HEX}}})_)?[^\s\"'&,;<>]*?(?=[.:!?)\]}}]*(?:[\s\"'&,;<>]|\Z))",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class NewKey:
    key_id: str
    raw: str
    hash: str

    def __repr__(self) -> str:  # keep the secret out of tracebacks and debug output
        return f"NewKey(key_id={self.key_id!r})"


def new_key() -> NewKey:
    key_id = secrets.token_hex(KEY_ID_HEX // 2)
    raw = f"{PREFIX}{key_id}_{secrets.token_hex(SECRET_BYTES)}"
    return NewKey(key_id=key_id, raw=raw, hash=hash_key(raw))


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogateescape")).hexdigest()


def key_matches(raw: str, stored_hash: str) -> bool:
    # Constant time, so response timing says nothing about how much of a hash matched.
    return hmac.compare_digest(hash_key(raw), stored_hash)


_FIND_RE = re.compile(
    rf"{PREFIX}[0-9a-f]{{{KEY_ID_HEX}}}_[0-9a-f]{{{SECRET_BYTES * 2}}}(?![0-9a-f])"
)


def find_key(text: str) -> str | None:
    """The first complete sandbox key anywhere in `text`."""
    match = _FIND_RE.search(text)
    return match.group(0) if match else None


def key_id_of(token: str) -> str | None:
    """The key id of a token in the sandbox key format, or None."""
    match = KEY_RE.match(token)
    return match.group(1) if match else None


def masked(key_id: str) -> str:
    return f"{PREFIX}{key_id}_****"


def mask_keys(text: str) -> str:
    """`text` with every key-like string reduced to its masked prefix."""
    return KEYISH_RE.sub(
        lambda m: masked(m.group(1).lower()) if m.group(1) else f"{PREFIX}****", text
    )


def looks_like_key(text: str) -> bool:
    return PREFIX in text.lower()
