#!/usr/bin/env python3
"""Opens N TCP connections to host:port, holds them all open at once, then sends one request on each and
checks every response. Prints 'opened=N served=M'. Exit status 0 only if all N were served."""
import asyncio, resource, sys

HOST, PORT, COUNT, TIMEOUT = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
EXPECTED = b"hello\n"

async def main():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, COUNT + 256), max(hard, COUNT + 256)))
    sem = asyncio.Semaphore(500)  # pace the SYNs, not the number held

    async def open_one():
        async with sem:
            return await asyncio.open_connection(HOST, PORT)

    conns = await asyncio.gather(*(open_one() for _ in range(COUNT)))
    print(f"opened={len(conns)}", flush=True)

    async def serve(reader, writer):
        writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        await writer.drain()
        data = b""
        while not data.endswith(EXPECTED):
            chunk = await reader.read(4096)
            if not chunk:
                return False
            data += chunk
        writer.close()
        return True

    results = await asyncio.gather(*(serve(r, w) for r, w in conns), return_exceptions=True)
    served = sum(1 for r in results if r is True)
    print(f"opened={len(conns)} served={served}", flush=True)
    return served == COUNT

ok = asyncio.run(asyncio.wait_for(main(), TIMEOUT))
sys.exit(0 if ok else 1)
