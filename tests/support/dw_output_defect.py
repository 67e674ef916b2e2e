#!/usr/bin/env python3
"""The real ``dw`` with one defect injected into what it prints: a wrong field in its ``--json`` output.

Usage: ``dw_output_defect.py REAL_DW [dw arguments...]``. The real client runs
unchanged (its requests are its own); only its stdout is rewritten: the first
top-level string member of a JSON object output becomes the number ``0``, a
value the server never sent and a type the CLI's schema does not allow.
Standard library only; the exit status is the real client's.
"""

from __future__ import annotations

import json
import subprocess
import sys


def main() -> int:
    real, *arguments = sys.argv[1:]
    done = subprocess.run([real, *arguments], capture_output=True, text=True, check=False)
    sys.stderr.write(done.stderr)
    try:
        document = json.loads(done.stdout)
    except ValueError:
        sys.stdout.write(done.stdout)
        return done.returncode
    if isinstance(document, dict):
        for key, value in document.items():
            if isinstance(value, str):
                document[key] = 0
                break
    sys.stdout.write(json.dumps(document) + "\n")
    return done.returncode


if __name__ == "__main__":
    raise SystemExit(main())
