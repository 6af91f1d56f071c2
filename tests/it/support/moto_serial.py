"""moto's server, answering one request at a time.

moto_server is threaded, and moto checks a DynamoDB ConditionExpression and
then writes in two steps, so two racing conditional writes can both pass:
DynamoDB itself never lets that happen. Serving requests one at a time
restores the atomicity the window store relies on, while clients still race
(the reads and writes of concurrent invocations interleave freely).

Takes moto_server's `-p PORT -H HOST`, so moto_supervisor.py runs it the same way.
"""

import argparse

from werkzeug.serving import run_simple

from moto.moto_server.werkzeug_app import (
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)

parser = argparse.ArgumentParser()
parser.add_argument("-p", "--port", type=int, default=0)
parser.add_argument("-H", "--host", default="127.0.0.1")
args = parser.parse_args()
run_simple(
    args.host,
    args.port,
    DomainDispatcherApplication(create_backend_app),
    threaded=False,
    request_handler=MotoRequestHandler,
)
