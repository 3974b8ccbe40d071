"""What every capability shares: the task-queue Protocol, signed tokens and links, the audit trail,
form limits."""
