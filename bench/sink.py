"""A counting aiosmtpd sink for the benchmark: `python -m bench.sink PORT OUTFILE`.

It keeps only each e-mail's Message-ID and writes them, one a line, to OUTFILE on SIGTERM.
"""

import signal
import sys
import threading

from aiosmtpd.controller import Controller


class CountingHandler:
    def __init__(self):
        self.message_ids = []

    async def handle_DATA(self, server, session, envelope):
        data = envelope.original_content
        start = data.find(b"\nMessage-ID: ")
        end = data.find(b"\r\n", start + 1)
        self.message_ids.append(data[start + 13 : end].decode())
        return "250 OK"


def main():
    port, outfile = int(sys.argv[1]), sys.argv[2]
    handler = CountingHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    done = threading.Event()
    signal.signal(signal.SIGTERM, lambda *args: done.set())
    print("ready", flush=True)
    done.wait()
    controller.stop()
    with open(outfile, "w") as out:
        out.write("\n".join(handler.message_ids))


if __name__ == "__main__":
    main()
