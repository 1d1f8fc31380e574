"""Cheap password hashes for the tests.

The portal hashes passwords with argon2id at argon2-cffi's default cost (64 MiB, three
passes: some 50-100 ms per hash and as much per check, by design). The tests create
users by the hundred (a county fixture makes eight to fifteen per test) and sign them
in, so inside the block hashes are made with the smallest parameters argon2 accepts
(one pass over 8 KiB), as Django's documentation advises for test settings. Checking
reads the parameters from the stored hash, so signing in works the same, and a hash
made with the real parameters still verifies. werkzeug's default is made cheap too, for
tests that store an old-style hash to see it upgraded. The CLI tests' subprocesses keep
the real cost.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from werkzeug import security

from portal import passwords

FAST_WERKZEUG_METHOD = "pbkdf2:sha256:1"


@contextmanager
def fast_password_hashes() -> Iterator[None]:
    hasher = passwords.HASHER
    passwords.HASHER = passwords.cheap_hasher()
    # The default is changed on the function object itself, so every module that imported
    # `generate_password_hash` by name makes cheap hashes too.
    func = security.generate_password_hash
    defaults = func.__defaults__
    assert defaults is not None and len(defaults) == 2, "werkzeug changed its signature"
    func.__defaults__ = (FAST_WERKZEUG_METHOD, defaults[1])
    try:
        yield
    finally:
        func.__defaults__ = defaults
        passwords.HASHER = hasher
