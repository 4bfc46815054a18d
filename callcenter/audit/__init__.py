"""The audit trail, readable (issue 17 part 6; docs/audit.md): search and export ``audit_log``, a customer's
views. The auth domain writes the log (``AuthService.audit``); this domain only reads it."""
