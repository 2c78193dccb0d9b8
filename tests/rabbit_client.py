"""An AMQP 0-9-1 client for the rabbitmq namespace tests (run in the lab's client namespace).

    rabbit_client.py publish HOST QUEUE FIRST COUNT   declare QUEUE (durable, no x-queue-type: the vhost's
                                                      default decides), publish ids FIRST.. with publisher
                                                      confirms; prints how many were confirmed
    rabbit_client.py consume HOST QUEUE               get and ack every message; prints the ids
"""

from __future__ import annotations

import sys

import pika


def main(argv: list[str]) -> int:
    action, host, queue = argv[1], argv[2], argv[3]
    params = pika.ConnectionParameters(host, credentials=pika.PlainCredentials("guest", "guest"),
                                       socket_timeout=10, blocked_connection_timeout=20, connection_attempts=3,
                                       retry_delay=1)
    conn = pika.BlockingConnection(params)
    try:
        ch = conn.channel()
        if action == "publish":
            first, count = int(argv[4]), int(argv[5])
            ch.queue_declare(queue, durable=True)
            ch.confirm_delivery()  # basic_publish raises unless the broker confirms
            for k in range(first, first + count):
                ch.basic_publish("", queue, str(k).encode(), pika.BasicProperties(delivery_mode=2), mandatory=True)
            print(count)
        elif action == "consume":
            ids = []
            while True:
                method, _, body = ch.basic_get(queue)
                if method is None:
                    break
                ids.append(int(body))
                ch.basic_ack(method.delivery_tag)
            print(" ".join(map(str, ids)))
        else:
            print(f"unknown action {action}", file=sys.stderr)
            return 2
    finally:
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
