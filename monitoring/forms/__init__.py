"""Forms of the monitoring app, one module per area. Every rule says in the user's language what is wrong, beside
the field.

- ``fields``: what several forms share (file fields and their help, indicator choices, date and value rules)
- ``evidence``: logging and editing evidence
- ``moderation``: the queue's bulk approval
- ``reports``: the report editor
- ``transparency``: transparency requests, answers and appeals
- ``filters``: every filter bar, each narrowing a queryset with ``apply()``
"""
