"""Policies: where policy files come from, what they may read and write, checking and testing them."""
