"""Tariffs and bills of postpaid accounts, computed from the legal frozen registers."""
