"""What discussions and chat share about user-written content: rendering with @mentions, reactions from
the admin-chosen set (validation, the grouped tally, the reaction bar) — one implementation for both.

It sits between the domain apps and `townhall.spaces` in the layers: chat and discussions import it, it
imports neither of them (only models, which anyone may read)."""
