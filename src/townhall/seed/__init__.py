"""Loading data: the demo community, synthetic scale communities, the first administrator.

This is data loading, not a domain app, so it writes models directly (and records Activity rows
for joins so the log agrees with the data).
"""
