"""The data plane built from ``alpr.schema`` (``data``: keys, buckets, tables, queues, topic), one Lambda function
per ``FunctionSpec`` (``functions``), and the one grant helper every feature uses (``grants``)."""
