"""Run one request in a child process that is stopped when it passes its limit.

The server answers requests on threads, and a thread cannot be interrupted:
the verification deadline relies on SIGALRM, which only the main thread of
a process receives. So each derivation, check or verification runs on the
main thread of a child process of its own, where the in-process deadlines
hold, and the server kills the child outright if it still runs past a hard
limit set a little beyond them. Nothing a request does can then hang the
server or leak into the next request.

Children are forked from a fork server (`multiprocessing`'s "forkserver"),
a clean single-threaded process that imported the pipeline, NumPy and SymPy
once (`symmat.web.preload`), so a child starts in a few milliseconds ready
to work. Where there is no fork server (Windows) children are spawned.
"""

import multiprocessing as mp
import signal
import threading

PRELOAD = ["symmat.web.preload"]


class Overrun(Exception):
    """The child ran past its hard limit and was killed."""


class Crashed(Exception):
    """The child died without answering (killed by the system, out of memory, …)."""


def _context():
    """The multiprocessing context: a preloaded fork server where there is one."""
    if "forkserver" in mp.get_all_start_methods():
        ctx = mp.get_context("forkserver")
        ctx.set_forkserver_preload(PRELOAD)
        return ctx
    return mp.get_context("spawn")


def _child(conn, fn, args):
    """In the child: run fn(*args) on the main thread and send back what it returns."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)    # Ctrl+C stops the server, which stops us
    try:
        out = fn(*args)
    except BaseException as e:  # fn answers its own errors; this is the last resort
        out = Crashed(f"{type(e).__name__}: {e}")
    try:
        conn.send(out)
        conn.close()
    except OSError:             # the server stopped (or gave up on us) meanwhile: nobody to answer
        pass


class Pool:
    """At most `size` children at once, each running one call under a hard time limit."""

    def __init__(self, size=4):
        self.ctx = _context()
        self.slots = threading.BoundedSemaphore(size)
        self.running = set()
        self.lock = threading.Lock()

    def warm(self):
        """Start the fork server now (it imports the pipeline), so the first request is quick."""
        try:
            self.run(_nothing, (), limit=120)
        except (Overrun, Crashed, OSError):
            pass

    def run(self, fn, args, limit):
        """fn(*args) in a child process; Overrun if it runs more than `limit` seconds."""
        with self.slots:
            recv, send = self.ctx.Pipe(duplex=False)
            proc = self.ctx.Process(target=_child, args=(send, fn, args), daemon=True)
            with self.lock:
                self.running.add(proc)
            try:
                proc.start()
                send.close()
                return self._answer(proc, recv, limit)
            finally:
                recv.close()
                with self.lock:
                    self.running.discard(proc)

    def _answer(self, proc, recv, limit):
        """What the child sends within `limit` seconds; the child is gone afterwards."""
        try:
            ready = recv.poll(limit)
            out = recv.recv() if ready else None
        except (EOFError, OSError):
            proc.join(5)
            raise Crashed(f"the worker stopped without answering (exit code {proc.exitcode})") from None
        if not ready:
            proc.kill()
            proc.join(5)
            raise Overrun()
        proc.join(5)
        if isinstance(out, Crashed):
            raise out
        return out

    def close(self):
        """Kill the children still running (the server is stopping)."""
        with self.lock:
            procs = list(self.running)
        for proc in procs:
            if proc.is_alive():
                proc.kill()


def _nothing():
    """A call that does nothing (starting the fork server is the point)."""
    return None
