"""oi_text: decide from text which research-and-innovation ecosystem a record belongs to.

Stages (each a subpackage): ingest -> embed -> keywords | classify | themes -> review -> report.
Importing ``oi_text`` is cheap: heavy dependencies load only when a stage needs them.
"""

__version__ = "0.1.0"
