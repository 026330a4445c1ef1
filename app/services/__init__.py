"""Business rules: the only code that changes state. No Flask request objects here."""
