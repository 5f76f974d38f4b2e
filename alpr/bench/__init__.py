"""The benchmarks behind ``alpr bench <name>``, one module each: ``ocr`` (with ``ocr_data``, the labelled-folder
format and scoring), ``hotlist``, ``purge``, ``search``, ``pipeline`` and ``agent``. Their commands are in
``alpr/cli/bench.py``, which imports a benchmark only when it runs."""
