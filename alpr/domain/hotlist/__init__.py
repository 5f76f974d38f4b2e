"""Hotlists (policy 418.3, 418.4(c), 418.4.1): what the system looks for, why, and how reads are matched."""
