"""The deploy rehearsal: the synthesized CloudFormation template deployed into moto's CloudFormation, then the
template's own functions, environment variables, event source mappings and IAM roles exercised end to end.

``python -m alpr.rehearsal`` (``make rehearse``) runs it; ``tests/rehearsal`` runs it in ``make test``.
"""
