"""Password hashing (argon2id) and the generation of one-time passwords and secret tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2id with m=19 MiB, t=2, p=1: the minimum of the OWASP Password Storage Cheat Sheet, which
# OWASP ASVS 5.0 (V11.4.2, approved password hashing) points to; about 50 ms per hash on this
# machine, which also slows a guesser that got past the throttle.
HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1, hash_len=32, salt_len=16)
MIN_LENGTH = 12  # ASVS 5.0 V6.2.1: at least 12 characters
# a hash to verify against when the account does not exist, so that the answer takes as long
_DUMMY = HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    """The argon2id PHC string of a password."""
    return HASHER.hash(password)


def check_password(stored: str | None, password: str) -> bool:
    """Whether the password matches the stored hash (None: no such account, still pays a hash)."""
    try:
        return HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_problem(password: str, name: str) -> str | None:
    """Why a new password is refused, or None."""
    if len(password) < MIN_LENGTH:
        return f"a password needs at least {MIN_LENGTH} characters"
    if len(password) > 1024:
        return "a password has at most 1024 characters"
    if password.casefold() == name.casefold():
        return "a password cannot be the user name"
    return None


def one_time_password() -> str:
    """A random password to hand over once (the user must change it at first login)."""
    return secrets.token_urlsafe(15)


def new_secret(prefix: str = "") -> str:
    """A random session id or API token (256 bits)."""
    return prefix + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """How a session id or token is stored: its SHA-256 (it is random, so no salt is needed)."""
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def totp_step(secret: str, code: str, when: float) -> int | None:
    """The time step (30 s) whose TOTP code `code` is, this one or a neighbour (clocks drift), or None."""
    import pyotp

    totp = pyotp.TOTP(secret)
    code = code.strip().replace(" ", "")
    if not (code.isdigit() and len(code) == totp.digits):
        return None
    now_step = int(when // totp.interval)
    for step in (now_step, now_step - 1, now_step + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None
