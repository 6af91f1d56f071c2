"""moto's server, answering one request at a time.

moto_server is threaded, and moto checks a DynamoDB ConditionExpression and
then writes in two steps, so two racing conditional writes can both pass:
DynamoDB itself never lets that happen. Serving requests one at a time
restores the atomicity the window store relies on, while clients still
race (reads and writes of concurrent invocations interleave freely).

Usage: python moto_serial.py PORT
"""

import sys

from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

app = DomainDispatcherApplication(create_backend_app)
run_simple(
    "127.0.0.1",
    int(sys.argv[1]),
    app,
    threaded=False,
    request_handler=MotoRequestHandler,
)
