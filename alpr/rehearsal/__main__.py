"""``python -m alpr.rehearsal [--template FILE] [--json FILE]``: the deploy rehearsal; exits 1 when it fails."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m alpr.rehearsal", description=__doc__)
    parser.add_argument("--template", type=Path, help="a synthesized template (default: synthesize the app now)")
    parser.add_argument("--json", type=Path, help="also write the report here, as JSON")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.WARNING, format="%(name)s: %(message)s")

    from alpr.rehearsal import synth
    from alpr.rehearsal.rehearsal import Rehearsal

    template = synth.load(args.template) if args.template else synth.synthesize()
    report = Rehearsal(template).run()
    print(report.text())
    if args.json:
        args.json.write_text(json.dumps(report.to_dict(), indent=2))
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
