"""Sharing with other agencies (policy 418.7) and forwarding vehicle-mounted reads to NCRIC (418.5)."""
