#!/usr/bin/env python3
"""Write an NDJSON corpus of EventBridge events as a CloudTrail archive, for
measuring `replay` on `.json.gz` files.

Each event's `detail` (the CloudTrail record) goes into log files of
RECORDS records (`{"Records":[...]}`, gzip) in the layout CloudTrail writes:
OUT/AWSLogs/ACCOUNT/CloudTrail/REGION/2025/03/DD/ACCOUNT_CloudTrail_REGION_..._N.json.gz.
Events that are not CloudTrail records are left out.

    python3 scripts/corpus-archive.py /tmp/small.ndjson /tmp/archive 100
"""

import gzip
import json
import os
import sys


def main():
    src, out = sys.argv[1], sys.argv[2]
    per_file = int(sys.argv[3]) if len(sys.argv) > 3 else 100
    groups = {}
    with open(src, encoding="utf-8") as f:
        for line in f:
            event = json.loads(line)
            record = event.get("detail")
            if not isinstance(record, dict) or "eventName" not in record:
                continue
            account = event.get("account", "111122223333")
            region = event.get("region", "us-east-1")
            day = str(event.get("time", "2025-03-01"))[8:10] or "01"
            groups.setdefault((account, region, day), []).append(line.strip())
    files = 0
    for (account, region, day), lines in sorted(groups.items()):
        folder = os.path.join(
            out, "AWSLogs", account, "CloudTrail", region, "2025", "03", day
        )
        os.makedirs(folder, exist_ok=True)
        for start in range(0, len(lines), per_file):
            records = [json.loads(x)["detail"] for x in lines[start : start + per_file]]
            name = f"{account}_CloudTrail_{region}_202503{day}T0000Z_{start // per_file:06d}.json.gz"
            body = json.dumps({"Records": records}, separators=(",", ":"))
            with gzip.open(os.path.join(folder, name), "wt", encoding="utf-8") as g:
                g.write(body)
            files += 1
    print(f"corpus-archive: {files} files in {out}", file=sys.stderr)


if __name__ == "__main__":
    main()
