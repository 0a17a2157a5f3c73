"""The email channel of notifications: notification emails at the member's delay, daily or weekly
digests, one-click unsubscribe, reply by email, and bounces and complaints.

- `sending`: schedule, claim once, recheck at delivery, retry with backoff (the channel's `schedule`);
- `compose`: the messages (templates, the community's identity, threading and List-* headers);
- `digest`: the digest and the registry of its sections (apps register theirs);
- `inbound`: `townhall inbound-email` (replies, DSN bounces, ARF complaints; the mail server's wiring is
  in its docstring);
- `tokens`: the signed reply, bounce and unsubscribe addresses and links;
- `views`, `urls`: the unsubscribe pages; `tasks`: the task queue's entry points and the periodic tick.
"""
