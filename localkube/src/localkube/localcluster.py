"""``eso local-cluster``: serve a LocalControlPlane until SIGINT/SIGTERM.

Writes a kubeconfig (token auth, http on 127.0.0.1) that kubectl and kubernetes-asyncio both
load, prints how to use it, and exits 0 on a signal after closing every watch cleanly.
"""

from __future__ import annotations

import asyncio
import signal
import sys

from localkube.apiserver.server import LocalControlPlane


async def serve(*, port: int, kubeconfig: str) -> None:
    """Run until a stop signal; the kubeconfig is written once the port is known."""
    plane = LocalControlPlane()
    await plane.start(port)
    path = plane.write_kubeconfig(kubeconfig)
    print(f"local control plane serving on {plane.url}", flush=True)
    print(f"kubeconfig: {path.resolve()}  (try: KUBECONFIG={path} kubectl get ns)", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)
        await plane.stop()


def main(*, port: int, kubeconfig: str) -> int:
    try:
        asyncio.run(serve(port=port, kubeconfig=kubeconfig))
    except OSError as e:
        print(f"local-cluster: {e}", file=sys.stderr)
        return 1
    print("local control plane stopped", flush=True)
    return 0
