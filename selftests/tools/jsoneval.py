#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""jsoneval.py - evaluate a Python expression over a JSON document.

The engine of lib.sh's json_get.  The expression sees the parsed document
as j (and the modules json and sys); None prints as "", a dict or list as
JSON, anything else as str() does.

Usage:
  jsoneval.py EXPR < DOC     one expression over stdin; status 1 and the
                             error on stderr if DOC or EXPR fails
  jsoneval.py --serve        a server for one test file: it reads requests
                             "EXPR\\0DOC\\0" on stdin and answers each with
                             "0RESULT\\0" or "1ERROR\\0" on stdout

Why a server: starting Python in the TCG test VM takes 0.3-0.5 s, and a file
asks hundreds of questions; lib.sh starts one and json_get talks to it over
two pipes with shell builtins only.
"""

import json
import os
import sys


def evaluate(expr, doc):
    j = json.loads(doc)
    v = eval(expr, {"json": json, "sys": sys, "j": j})
    if v is None:
        return ""
    if isinstance(v, (dict, list)):
        return json.dumps(v)
    return str(v)


def serve():
    buf = b""
    while True:
        while buf.count(b"\0") < 2:
            chunk = os.read(0, 65536)
            if not chunk:
                return
            buf += chunk
        expr, doc, buf = buf.split(b"\0", 2)
        try:
            out = "0" + evaluate(expr.decode(), doc.decode())
        except Exception as e:  # the test shows it, as the one-shot would
            out = "1%s: %s" % (type(e).__name__, e)
        sys.stdout.buffer.write(out.replace("\0", "").encode() + b"\0")
        sys.stdout.buffer.flush()


def main():
    if sys.argv[1:] == ["--serve"]:
        serve()
        return 0
    if len(sys.argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    try:
        print(evaluate(sys.argv[1], sys.stdin.read()))
    except Exception as e:
        sys.stderr.write("%s: %s\n" % (type(e).__name__, e))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
