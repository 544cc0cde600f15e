#!/usr/bin/python3
"""The real servers' TCP echo service (installed in each guest as /usr/local/sbin/lab-echo).

    lab-echo PORT

Every connection to PORT (IPv4 and IPv6) first gets this host's name as a line, then each
byte it sends back. Tests hold connections through a VIP open across a change and see who
answers. One process serves them all: socat's fork per connection (socat, sh, hostname and
cat: four programs each) made a test's 100 connections opened in 10 s a fork storm on a UML
guest, and the routers' send/expect checks of the service timed out behind it (keepalived
then removed the real server and the kernel reset all its connections).

Standard library only: it runs on the guest's python3.
"""

import asyncio
import socket
import sys


async def _serve(reader, writer):
    try:
        writer.write(socket.gethostname().encode() + b"\n")
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def _main(port):
    listener = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    listener.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("::", port))
    server = await asyncio.start_server(_serve, sock=listener, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(_main(int(sys.argv[1])))
