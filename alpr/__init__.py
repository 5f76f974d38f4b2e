"""ALPR platform core: domain logic, data access and the local embedded stack."""
