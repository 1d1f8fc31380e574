"""A visitor's own account: signing in and out, registering, and a signed-in user's
applications and grant tokens. `auth` also puts the visitor in `g.caller` and checks
every page POST's CSRF token."""
