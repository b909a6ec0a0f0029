"""The MASH decision: what happens next with a referral, recorded by its practitioner and signed off by a manager.

- `config`: the council's outcomes, levels of need, target and limits (`config/decisions.yaml`);
- `recording`: what a good decision and a sign-off hold, checked before anything is stored;
- `timing`: the time from receipt to decision in working time, against the one-working-day target,
  for one referral and as a team's figures over a period.

It sits below the access guard: callers decide who may (`decision.record`, `decision.sign_off`) and pass
the store and the actor. The store keeps the rows and their order (`hub.store.decision_records`).
"""
