"""Department side: schema, normalisers, tokenisers, keyed hashing, hardening and the encoder.

Only key holders run this package; the central matcher never imports it with a secret.
"""
