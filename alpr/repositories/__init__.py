"""Data access: the only place that talks to DynamoDB, S3 and SNS."""
