"""Decisioning for member messages: pure rules and scores, no I/O.

A journey (welcome, receipt, tier upgrade, expiry reminders, win-back) raises an `Intent`;
`decide` turns it into a `Decision` — send on a channel with fallbacks, defer until a time,
or suppress with a reason — from the member, the program's `MessagingPolicy`, the member's
`MessagingProfile` (consent, time zone, reachability), recent sends and learned engagement.
Workers execute decisions and feed outcomes back; they compute no rule themselves.

Modules, in the order a message meets them:
- `journeys`: channels, journeys, the reasons an intent holds, `Intent`
- `policy`, `policy_file`: the `[decisioning]` section of the program file
- `reminders`: which expiry reminders are due (lead days before a voucher or points expire)
- `reasons`: is the reason still true right before sending (voucher used, tier lost ...)
- `consent`: opt-in/opt-out and reachability per channel
- `channels`: the learned engagement estimate (Beta model) and channel ranking
- `caps`: frequency caps over rolling day and week windows
- `quiet_hours`: the member's night, in the member's own time zone
- `churn`: the RFM churn-risk score behind the win-back journey
- `arbitration`: several journeys at once, one message
- `decide`: all of the above, in order (`decide` for one intent, `decide_together` for all
  pending for a member, with arbitration and merged content)

Around them, for the surfaces: `preferences` (consent and preferences mutations), `feedback`
(provider reports moving a message up its delivery ladder) and `onboarding` (the app's
first-steps module).
"""
