"""Web push: members' devices (the Push API's subscriptions), the VAPID identity of this installation,
and delivery of PENDING notifications straight to each device's push service (RFC 8291 encryption and
RFC 8292 VAPID through pywebpush; no relay of ours).

The fan-out stores a Notification with `push_state` PENDING and calls the "push" channel's
`schedule(ids)` (registered in the notifications app's ready()); `delivery` claims each row once,
rechecks that the member may still see it, and records SENT, CANCELLED or FAILED.
"""
