"""Use cases. Every public call is one transaction plus its audit event (see base.audited)."""
