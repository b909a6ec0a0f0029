"""Deadlines in working time: when a referral's checks are due, and who is told when they are overdue.

- `duration`: `WorkingDuration`, a span of working time as the config writes it (`2 working hours`).
- `calendar`: `WorkingCalendar`, a council's working days and hours, its nation's bank holidays and its
  own closures; adds working time to a moment and measures it between two.
- `config`: `config/deadlines.yaml` typed and checked, and `referral_due_at`.
- `escalation`: `escalate`, a log line and an email of ids when a check or a referral is overdue.

Nothing is imported here, so a process loads only the modules it uses (the email machinery stays out of
a process that only works out due times).
"""
