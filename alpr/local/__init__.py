"""The embedded AWS: moto's server plus the glue that delivers events to handlers the way AWS does."""
