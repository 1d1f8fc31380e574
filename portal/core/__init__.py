"""The bottom floor of the logic layer: the types every other floor shares.

errors (what an action may raise), context (who calls, the transaction, the
portal's services as a protocol), validation (schemas and validators), dictize
(records to API dicts), tokens, clock and licences. Modules here import only
the standard library, third-party packages, portal.models and each other.
"""
