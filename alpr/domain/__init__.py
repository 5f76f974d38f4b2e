"""Plain-Python domain logic: no boto3, testable without AWS."""
