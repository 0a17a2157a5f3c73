"""One module per source (whatsapp, slack, discord, telegram), each a `Source` (see base.py)."""
